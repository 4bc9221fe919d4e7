// Test helpers: render inside the app's providers, and a fetch that answers like the
// backend (JSON or problem+json) for the requests a component makes.
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { vi } from "vitest";
import { AuthProvider } from "./auth.tsx";

type Reply = { status?: number; body?: unknown; headers?: Record<string, string> };
type Handler = (request: Request) => Reply | Promise<Reply>;

/** Replace fetch: `routes` maps "METHOD /path" to a reply; anything else is a 404 problem. */
export function fakeBackend(routes: Record<string, Handler | Reply>) {
  const calls: { method: string; url: URL; body: unknown }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = await request.clone().text();
    calls.push({ method: request.method, url, body: text ? JSON.parse(text) : undefined });
    const route = routes[`${request.method} ${url.pathname}`];
    const reply = typeof route === "function" ? await route(request) : route;
    const status = reply?.status ?? (reply ? 200 : 404);
    const body = reply?.body ?? { type: "about:blank", title: "Not Found", status: 404, detail: `no fake for ${url.pathname}` };
    const problem = status >= 400;
    return new Response(JSON.stringify(body), {
      status,
      headers: {
        "Content-Type": problem ? "application/problem+json" : "application/json",
        "X-Correlation-ID": "cid-test-0001",
        ...reply?.headers,
      },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}

/** A token whose claims the UI reads (the signature is not checked in the browser). */
export function fakeToken(sub: string, roles: string[], expInSeconds = 3600): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, roles, exp: Math.floor(Date.now() / 1000) + expInSeconds })}.c2ln`;
}

export function renderAt(element: ReactElement, { path = "/", route = "/", token }: { path?: string; route?: string; token?: string } = {}) {
  return render(
    <AuthProvider initialToken={token}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={route} element={element} />
          <Route path="*" element={<p>navigated away</p>} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}
