import { defineConfig } from "vite";
import { appConfig } from "../vite.shared.ts";

// `npm run dev:cp` serves on :5174 and sends /api to CP (`waooaw serve cp`, :8002)
export default defineConfig(appConfig("cp", process.env.WAOOAW_CP_URL ?? "http://127.0.0.1:8002", 5174));
