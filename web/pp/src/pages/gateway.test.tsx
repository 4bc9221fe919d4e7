import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeBackend, fakeToken, renderAt } from "@shared/testing.tsx";
import { GATEWAY_URL_KEY, type GatewaySchemas } from "../gateway.ts";
import { GatewayPage, denialsFirst, groupRoutes } from "./Gateway.tsx";

const TOKEN = fakeToken("ops", ["governor", "viewer"]);
const GW = "http://gw.test:9003";
const NOW = "2026-01-16T09:00:00Z";

const route = (id: string, version: string, weight: number, previous: number | null = null): GatewaySchemas["Route"] => ({
  id,
  match: "/api/v1/agents",
  pool: "default",
  version,
  upstream_url: `http://${version}.internal:8000`,
  weight,
  previous_weight: previous,
  enabled: true,
  updated_at: NOW,
});

const decision = (allowed: boolean, at: string, action: string): GatewaySchemas["Decision"] => ({
  at,
  correlation_id: `cid-${action}`,
  principal: "ops",
  roles: ["customer"],
  action,
  resource: "/api/v1/agents",
  allowed,
  reasons: allowed ? [] : ["customer may not mutate"],
});

const BUDGET: GatewaySchemas["Budget"] = {
  scope: "agent",
  subject_id: "agent-42",
  cap_micros: 5_000_000,
  spent_micros: 1_250_000,
  reserved_micros: 250_000,
  remaining_micros: 3_500_000,
  executions: 7,
};

beforeEach(() => localStorage.setItem(GATEWAY_URL_KEY, GW));

describe("gateway helpers", () => {
  it("groups routes by match and pool and offers rollback only after a change", () => {
    const groups = groupRoutes([route("g", "green", 0), route("b", "blue", 100), { ...route("x", "v1", 100), match: "createJob" }]);
    expect(groups.map((g) => [g.match, g.routes.map((r) => r.version), g.canRollback])).toEqual([
      ["/api/v1/agents", ["blue", "green"], false],
      ["createJob", ["v1"], false],
    ]);
    expect(groupRoutes([route("g", "green", 100, 0), route("b", "blue", 0, 100)])[0]?.canRollback).toBe(true);
  });

  it("puts denials first, newest first within each", () => {
    const sorted = denialsFirst([
      decision(true, "2026-01-16T09:03:00Z", "a"),
      decision(false, "2026-01-16T09:01:00Z", "b"),
      decision(true, "2026-01-16T09:04:00Z", "c"),
      decision(false, "2026-01-16T09:02:00Z", "d"),
    ]);
    expect(sorted.map((d) => d.action)).toEqual(["d", "b", "c", "a"]);
  });
});

describe("gateway page", () => {
  it("calls the gateway URL with the portal's token and shows routes, budgets and denials first", async () => {
    const calls = fakeBackend({
      "GET /gateway/v1/routes": (request) =>
        request.headers.get("Authorization") === `Bearer ${TOKEN}`
          ? { body: { next_cursor: null, generation: 3, items: [route("b", "blue", 100), route("g", "green", 0)] } }
          : { status: 401, body: { type: "about:blank", title: "Unauthorized", status: 401 } },
      "GET /gateway/v1/budgets": { body: { next_cursor: null, items: [BUDGET] } },
      "GET /gateway/v1/decisions": {
        body: { next_cursor: null, items: [decision(true, "2026-01-16T09:05:00Z", "listAgents"), decision(false, "2026-01-16T09:01:00Z", "createAgent")] },
      },
    });
    renderAt(<GatewayPage />, { token: TOKEN });
    const versions = await screen.findAllByTestId("route-version");
    expect(versions.map((v) => v.getAttribute("data-version"))).toEqual(["blue", "green"]);
    expect(within(versions[0]!).getByText("Live 100%")).toBeTruthy();
    expect(within(versions[1]!).getByRole("button", { name: "Switch to green" })).toBeTruthy();
    expect(within(versions[0]!).queryByRole("button")).toBeNull();
    expect(screen.queryByRole("button", { name: /Roll back/ })).toBeNull();

    const budget = await screen.findByTestId("budget");
    expect(budget.textContent).toContain("agent-42");
    expect(budget.textContent).toContain("1.25");
    expect(budget.textContent).toContain("3.50");

    const rows = await screen.findAllByTestId("decision");
    expect(rows[0]!.textContent).toContain("Denied");
    expect(rows[0]!.textContent).toContain("createAgent");
    expect(rows[0]!.textContent).toContain("customer may not mutate");
    expect(rows[1]!.textContent).toContain("Allowed");

    expect(calls.every((c) => c.url.origin === GW)).toBe(true);
    expect(calls.length).toBe(3);
  });

  it("switches a group to green, then rolls it back", async () => {
    let live = "blue";
    let changed = false;
    const table = () => ({
      body: {
        next_cursor: null,
        generation: 1,
        items: [route("b", "blue", live === "blue" ? 100 : 0, changed ? 100 : null), route("g", "green", live === "green" ? 100 : 0, changed ? 0 : null)],
      },
    });
    const calls = fakeBackend({
      "GET /gateway/v1/routes": () => table(),
      "GET /gateway/v1/budgets": { body: { next_cursor: null, items: [] } },
      "GET /gateway/v1/decisions": { body: { next_cursor: null, items: [] } },
      "POST /gateway/v1/route-groups/switch": async (request) => {
        const body = (await request.json()) as GatewaySchemas["RouteSwitch"];
        live = body.version;
        changed = true;
        return { body: { match: body.match, pool: "default", generation: 2, routes: table().body.items } };
      },
      "POST /gateway/v1/route-groups/rollback": () => {
        live = "blue";
        changed = false;
        return { body: { match: "/api/v1/agents", pool: "default", generation: 3, routes: table().body.items } };
      },
    });
    renderAt(<GatewayPage />, { token: TOKEN });
    await userEvent.click(await screen.findByRole("button", { name: "Switch to green" }));
    await screen.findByText("/api/v1/agents (default) now sends all traffic to green");
    const switched = calls.find((c) => c.method === "POST");
    expect(switched?.url.pathname).toBe("/gateway/v1/route-groups/switch");
    expect(switched?.body).toEqual({ match: "/api/v1/agents", pool: "default", version: "green" });
    await screen.findByRole("button", { name: "Switch to blue" });

    await userEvent.click(screen.getByRole("button", { name: "Roll back /api/v1/agents" }));
    await screen.findByText("/api/v1/agents (default) rolled back");
    await screen.findByRole("button", { name: "Switch to green" });
    expect(calls.filter((c) => c.method === "POST").map((c) => c.url.pathname)).toEqual([
      "/gateway/v1/route-groups/switch",
      "/gateway/v1/route-groups/rollback",
    ]);
  });

  it("shows the gateway's problem when it refuses", async () => {
    fakeBackend({
      "GET /gateway/v1/routes": { status: 403, body: { type: "about:blank", title: "Forbidden", status: 403, detail: "needs viewer or governor" } },
      "GET /gateway/v1/budgets": { body: { next_cursor: null, items: [] } },
      "GET /gateway/v1/decisions": { body: { next_cursor: null, items: [] } },
    });
    renderAt(<GatewayPage />, { token: TOKEN });
    await waitFor(() => expect(screen.getByText("needs viewer or governor")).toBeTruthy());
  });
});
