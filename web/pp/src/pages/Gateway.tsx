// The gateway: route groups and their versions with blue/green switch and rollback,
// budgets and spend per agent (and trial), and recent policy decisions, denials first.
// The portal calls the gateway's admin API directly (see ../gateway.ts).
import { useMemo, useState } from "react";
import { call } from "@shared/api.ts";
import { useAction, useLoad } from "@shared/hooks.ts";
import { Page } from "@shared/layout.tsx";
import { Badge, Empty, Loading, Notice, ProblemAlert, formatDate } from "@shared/ui.tsx";
import { APP } from "../api.ts";
import { gatewayClient, storeGatewayUrl, storedGatewayUrl, type GatewayClient, type GatewaySchemas } from "../gateway.ts";

type Route = GatewaySchemas["Route"];
type Decision = GatewaySchemas["Decision"];
type Budget = GatewaySchemas["Budget"];

export interface RouteGroupView {
  match: string;
  pool: GatewaySchemas["RoutePool"];
  routes: Route[];
  /** A switch or weight change that rollback can undo. */
  canRollback: boolean;
}

/** Routes grouped by (match, pool), in the order the table lists them; versions sorted. */
export function groupRoutes(routes: readonly Route[]): RouteGroupView[] {
  const groups = new Map<string, RouteGroupView>();
  for (const r of routes) {
    const key = `${r.pool} ${r.match}`;
    const g = groups.get(key) ?? { match: r.match, pool: r.pool, routes: [], canRollback: false };
    g.routes.push(r);
    g.canRollback ||= r.previous_weight !== null;
    groups.set(key, g);
  }
  for (const g of groups.values()) g.routes.sort((a, b) => a.version.localeCompare(b.version));
  return [...groups.values()];
}

/** Denials first, then the newest first. */
export function denialsFirst(decisions: readonly Decision[]): Decision[] {
  return [...decisions].sort((a, b) => Number(a.allowed) - Number(b.allowed) || b.at.localeCompare(a.at));
}

export function money(micros: number): string {
  return (micros / 1_000_000).toFixed(2);
}

function RouteGroups({ client }: { client: GatewayClient }) {
  const table = useLoad(() => call(client.GET("/gateway/v1/routes", { params: { query: { limit: 200 } } })), [client]);
  const [done, setDone] = useState<string | null>(null);
  const switcher = useAction(async (g: RouteGroupView, version: string) => {
    await call(client.POST("/gateway/v1/route-groups/switch", { body: { match: g.match, pool: g.pool, version } }));
    return `${g.match} (${g.pool}) now sends all traffic to ${version}`;
  });
  const rollback = useAction(async (g: RouteGroupView) => {
    await call(client.POST("/gateway/v1/route-groups/rollback", { body: { match: g.match, pool: g.pool } }));
    return `${g.match} (${g.pool}) rolled back`;
  });
  const after = (message: string | undefined) => {
    if (message) {
      setDone(message);
      table.reload();
    }
  };
  const groups = table.data ? groupRoutes(table.data.items) : [];
  return (
    <section className="card" aria-label="Routes">
      <h2>Routes and versions</h2>
      {done && <Notice>{done}</Notice>}
      {switcher.error && <ProblemAlert error={switcher.error} />}
      {rollback.error && <ProblemAlert error={rollback.error} />}
      {table.loading && !table.data && <Loading what="routes" />}
      {table.error && <ProblemAlert error={table.error} onRetry={table.reload} />}
      {table.data && groups.length === 0 && <Empty>No routes: every call goes to the configured upstream.</Empty>}
      {groups.map((g) => (
        <div key={`${g.pool} ${g.match}`} className="route-group" data-testid="route-group" aria-label={`Route group ${g.match} ${g.pool}`}>
          <h3>
            <code>{g.match}</code> <span className="muted small">pool {g.pool}</span>
          </h3>
          <table className="table">
            <thead>
              <tr>
                <th>Version</th>
                <th>Upstream</th>
                <th>Weight</th>
                <th>Updated</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {g.routes.map((r) => (
                <tr key={r.id} data-testid="route-version" data-version={r.version}>
                  <td>
                    <strong>{r.version}</strong> {!r.enabled && <Badge tone="neutral">Disabled</Badge>}
                  </td>
                  <td>
                    <code className="small">{r.upstream_url}</code>
                  </td>
                  <td data-testid="route-weight">
                    {r.weight === 100 ? <Badge tone="ok">Live 100%</Badge> : r.weight === 0 ? <Badge tone="neutral">Idle 0%</Badge> : <Badge tone="warn">{r.weight}%</Badge>}
                  </td>
                  <td className="small muted">{formatDate(r.updated_at)}</td>
                  <td>
                    {r.weight !== 100 && r.enabled && (
                      <button type="button" className="button" disabled={switcher.pending} onClick={async () => after(await switcher.run(g, r.version))}>
                        Switch to {r.version}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {g.canRollback && (
            <button type="button" className="button button-secondary" disabled={rollback.pending} onClick={async () => after(await rollback.run(g))}>
              Roll back {g.match}
            </button>
          )}
        </div>
      ))}
    </section>
  );
}

function Budgets({ client }: { client: GatewayClient }) {
  const budgets = useLoad(() => call(client.GET("/gateway/v1/budgets", { params: { query: { limit: 200 } } })), [client]);
  const rows: Budget[] = budgets.data ? [...budgets.data.items].sort((a, b) => a.scope.localeCompare(b.scope) || b.spent_micros - a.spent_micros) : [];
  return (
    <section className="card" aria-label="Budgets">
      <h2>Budgets and spend</h2>
      {budgets.loading && !budgets.data && <Loading what="budgets" />}
      {budgets.error && <ProblemAlert error={budgets.error} onRetry={budgets.reload} />}
      {budgets.data && rows.length === 0 && <Empty>No budgets recorded yet.</Empty>}
      {rows.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Scope</th>
              <th>Subject</th>
              <th>Spent</th>
              <th>Reserved</th>
              <th>Remaining</th>
              <th>Cap</th>
              <th>Executions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr key={`${b.scope} ${b.subject_id}`} data-testid="budget">
                <td>{b.scope === "agent" ? "Agent" : "Trial"}</td>
                <td>
                  <code className="small">{b.subject_id}</code>
                </td>
                <td>{money(b.spent_micros)}</td>
                <td>{money(b.reserved_micros)}</td>
                <td>
                  <Badge tone={b.remaining_micros <= 0 ? "bad" : b.remaining_micros < b.cap_micros / 10 ? "warn" : "ok"}>{money(b.remaining_micros)}</Badge>
                </td>
                <td>{money(b.cap_micros)}</td>
                <td>{b.executions}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Decisions({ client }: { client: GatewayClient }) {
  const decisions = useLoad(() => call(client.GET("/gateway/v1/decisions", { params: { query: { limit: 50 } } })), [client]);
  const rows = decisions.data ? denialsFirst(decisions.data.items) : [];
  return (
    <section className="card" aria-label="Policy decisions">
      <h2>Recent policy decisions</h2>
      {decisions.loading && !decisions.data && <Loading what="decisions" />}
      {decisions.error && <ProblemAlert error={decisions.error} onRetry={decisions.reload} />}
      {decisions.data && rows.length === 0 && <Empty>No decisions recorded yet.</Empty>}
      {rows.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Outcome</th>
              <th>When</th>
              <th>Principal</th>
              <th>Action</th>
              <th>Resource</th>
              <th>Reasons</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d, i) => (
              <tr key={`${d.correlation_id} ${i}`} data-testid="decision">
                <td>{d.allowed ? <Badge tone="ok">Allowed</Badge> : <Badge tone="bad">Denied</Badge>}</td>
                <td className="small">{formatDate(d.at)}</td>
                <td>
                  {d.principal} <span className="muted small">{d.roles.join(", ")}</span>
                </td>
                <td>
                  <code className="small">{d.action}</code>
                </td>
                <td>
                  <code className="small">{d.resource}</code>
                </td>
                <td className="small">{d.reasons.join("; ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function GatewayPage() {
  const [url, setUrl] = useState(storedGatewayUrl);
  const [draft, setDraft] = useState(url);
  const client = useMemo(() => gatewayClient(url), [url]);
  return (
    <Page title="Gateway" app={APP}>
      <form
        className="card"
        aria-label="Gateway address"
        onSubmit={(e) => {
          e.preventDefault();
          const next = draft.trim();
          storeGatewayUrl(next);
          setUrl(next);
        }}
      >
        <label>
          Gateway URL{" "}
          <input type="url" name="gateway-url" value={draft} onChange={(e) => setDraft(e.target.value)} required />
        </label>{" "}
        <button type="submit" className="button button-secondary">
          Connect
        </button>
      </form>
      <RouteGroups key={`routes ${url}`} client={client} />
      <Budgets key={`budgets ${url}`} client={client} />
      <Decisions key={`decisions ${url}`} client={client} />
    </Page>
  );
}
