// The gateway's admin API, typed by the TypeScript generated from contracts/gateway.openapi.yaml.
// The browser calls the gateway directly (its CORS allows PP's origin), with the token the
// portal already holds. Its URL is kept per browser; by default the gateway's port (8003)
// on the host that serves the portal.
import type { components, paths } from "@gateway-api";
import { makeClient } from "@shared/api.ts";

export type GatewaySchemas = components["schemas"];
export type GatewayClient = ReturnType<typeof makeClient<paths>>;

export const GATEWAY_URL_KEY = "waooaw.gateway-url";
export const GATEWAY_PORT = 8003;

export function defaultGatewayUrl(): string {
  const loc = globalThis.location;
  return loc ? `${loc.protocol}//${loc.hostname}:${GATEWAY_PORT}` : `http://localhost:${GATEWAY_PORT}`;
}

export function storedGatewayUrl(): string {
  return globalThis.localStorage?.getItem(GATEWAY_URL_KEY) || defaultGatewayUrl();
}

export function storeGatewayUrl(url: string): void {
  globalThis.localStorage?.setItem(GATEWAY_URL_KEY, url);
}

export function gatewayClient(url: string): GatewayClient {
  return makeClient<paths>(url.replace(/\/+$/, ""));
}
