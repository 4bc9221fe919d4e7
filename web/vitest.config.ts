import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";
import { aliases } from "./vite.shared.ts";

export default defineConfig({
  plugins: [react()],
  resolve: { alias: aliases },
  test: {
    environment: "jsdom",
    include: ["shared/**/*.test.tsx", "pp/src/**/*.test.tsx", "cp/src/**/*.test.tsx"],
    restoreMocks: true,
  },
});
