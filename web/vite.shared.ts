// Settings both apps share: the aliases to the shared UI and to the generated contract
// types (type-only imports, erased at build), and a dev server that proxies /api.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import type { UserConfig } from "vite";

const web = fileURLToPath(new URL(".", import.meta.url));

export const aliases = {
  "@shared": `${web}shared`,
  "@pp-api": `${web}../waooaw/generated/pp/pp-api.generated.ts`,
  "@cp-api": `${web}../waooaw/generated/cp/cp-api.generated.ts`,
  "@gateway-api": `${web}../waooaw/generated/gateway/gateway-api.generated.ts`,
};

export function appConfig(app: "pp" | "cp", backend: string, port: number): UserConfig {
  const root = `${web}${app}`;
  return {
    root,
    plugins: [react()],
    resolve: { alias: aliases },
    build: { outDir: `${root}/dist`, emptyOutDir: true, sourcemap: true },
    server: {
      port,
      strictPort: true,
      proxy: {
        "/api": { target: backend, changeOrigin: false },
        "/openapi.json": { target: backend },
      },
    },
  };
}
