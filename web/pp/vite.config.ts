import { defineConfig } from "vite";
import { appConfig } from "../vite.shared.ts";

// `npm run dev:pp` serves on :5173 and sends /api to PP (`waooaw serve pp`, :8001)
export default defineConfig(appConfig("pp", process.env.WAOOAW_PP_URL ?? "http://127.0.0.1:8001", 5173));
