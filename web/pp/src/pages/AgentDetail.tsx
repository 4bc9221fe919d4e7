// One agent: its facts, constitutional status per L0 principle, version hash and amendments.
import { Link, useLocation, useParams } from "react-router";
import { call } from "@shared/api.ts";
import { useLoad } from "@shared/hooks.ts";
import { Page } from "@shared/layout.tsx";
import { Badge, Loading, Notice, ProblemAlert, formatDate } from "@shared/ui.tsx";
import { AGENT_STATUS, ALIGNMENT, APP, pp } from "../api.ts";

export function AgentDetailPage() {
  const { agentId = "" } = useParams();
  const created = (useLocation().state as { created?: boolean } | null)?.created === true;
  const agent = useLoad(() => call(pp.GET("/api/v1/agents/{agent_id}", { params: { path: { agent_id: agentId } } })), [agentId]);
  const options = useLoad(() => call(pp.GET("/api/v1/agent-form", {})), []);
  const a = agent.data;
  const o = options.data;
  const skillName = (id: string) => o?.skills.find((s) => s.id === id)?.name ?? id;

  return (
    <Page title={a?.name ?? "Agent"} app={APP}>
      <p>
        <Link to="/admin/agents">← All agents</Link>
      </p>
      {agent.loading ? <Loading what="the agent" /> : null}
      {agent.error ? <ProblemAlert error={agent.error} onRetry={agent.reload} /> : null}
      {options.error ? <ProblemAlert error={options.error} onRetry={options.reload} /> : null}
      {created && a ? (
        <Notice>
          {a.constitutional_alignment.status === "compliant"
            ? "Agent created: every L0 principle holds."
            : "Agent created, but not every L0 principle holds yet: see the constitutional status."}
        </Notice>
      ) : null}
      {a ? (
        <div className="grid-2">
          <div className="card">
            <h2>Details</h2>
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <Badge tone={AGENT_STATUS[a.status].tone}>{AGENT_STATUS[a.status].label}</Badge>
              </dd>
              <dt>Industry</dt>
              <dd>{o?.industries.find((i) => i.id === a.industry_id)?.name ?? a.industry_id}</dd>
              <dt>Job role</dt>
              <dd>{o?.job_roles.find((r) => r.id === a.job_role_id)?.name ?? a.job_role_id}</dd>
              <dt>Skills</dt>
              <dd>
                <ul className="tags">
                  {a.skills.map((s) => (
                    <li key={s} className="tag">
                      {skillName(s)}
                    </li>
                  ))}
                </ul>
              </dd>
              <dt>Governance agent</dt>
              <dd>{o?.governance_agents.find((g) => g.id === a.governance_agent_id)?.name ?? a.governance_agent_id}</dd>
              <dt>Specialties</dt>
              <dd>{a.specialties.length ? a.specialties.join(", ") : "—"}</dd>
              <dt>Price per month</dt>
              <dd>{a.price_per_month !== null ? `₹${a.price_per_month.toLocaleString("en-IN")}` : "—"}</dd>
              <dt>Trial sandbox</dt>
              <dd>{a.trial_mode_sandbox_url ?? "—"}</dd>
              <dt>Team</dt>
              <dd>{a.team_id ?? "—"}</dd>
              <dt>Created</dt>
              <dd>{formatDate(a.created_at)}</dd>
              <dt>Version hash</dt>
              <dd>
                <code data-testid="version-hash">{a.version_hash}</code>
              </dd>
            </dl>
            {a.description ? <p>{a.description}</p> : null}
          </div>
          <div className="card">
            <h2>Constitutional status</h2>
            <p data-testid="alignment">
              <Badge tone={ALIGNMENT[a.constitutional_alignment.status].tone}>
                {a.constitutional_alignment.status === "compliant" ? "L0/L1 Compliant" : "Non-compliant"}
              </Badge>{" "}
              <span className="muted small">checked {formatDate(a.constitutional_alignment.checked_at)}</span>
            </p>
            <ul className="principles" aria-label="L0 principles">
              {a.constitutional_alignment.principles.map((p) => (
                <li key={p.principle_id}>
                  <Badge tone={p.passed ? "ok" : "bad"}>{p.passed ? "Pass" : "Fail"}</Badge>
                  <span>
                    <strong>{p.principle_id}</strong> {p.title}
                    {p.detail ? <span className="muted"> — {p.detail}</span> : null}
                  </span>
                </li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}
      {a ? (
        <>
          <h2>Amendment history</h2>
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Amendment history</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Event</th>
                  <th scope="col">Actor</th>
                  <th scope="col">When</th>
                  <th scope="col">Changes</th>
                  <th scope="col">Version hash</th>
                </tr>
              </thead>
              <tbody>
                {a.amendment_history.map((m) => (
                  <tr key={m.sequence} data-testid="amendment-row">
                    <td>{m.sequence}</td>
                    <td>{m.event}</td>
                    <td>{m.actor}</td>
                    <td>{formatDate(m.timestamp)}</td>
                    <td>
                      <code>{Object.keys(m.changes).join(", ") || "—"}</code>
                    </td>
                    <td>
                      <code>{m.version_hash.slice(0, 12)}…</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </Page>
  );
}
