// The agent table: filters by industry, job role and status, cursor pagination.
import { useState } from "react";
import { Link } from "react-router";
import { call } from "@shared/api.ts";
import { useLoad } from "@shared/hooks.ts";
import { Page } from "@shared/layout.tsx";
import { Pager, useCursorPages } from "@shared/pager.tsx";
import { Badge, Empty, Loading, ProblemAlert, formatDate } from "@shared/ui.tsx";
import { AGENT_STATUS, AGENT_STATUSES, ALIGNMENT, APP, PAGE_SIZE, pp, type Schemas } from "../api.ts";

export function AgentsPage() {
  const [industry, setIndustry] = useState("");
  const [jobRole, setJobRole] = useState("");
  const [status, setStatus] = useState<Schemas["AgentStatus"] | "">("");
  const pages = useCursorPages(`${industry}|${jobRole}|${status}`);
  const options = useLoad(() => call(pp.GET("/api/v1/agent-form", {})), []);
  const agents = useLoad(
    () =>
      call(
        pp.GET("/api/v1/agents", {
          params: {
            query: {
              industry_id: industry || undefined,
              job_role_id: jobRole || undefined,
              status: status || undefined,
              limit: PAGE_SIZE,
              cursor: pages.cursor,
            },
          },
        }),
      ),
    [industry, jobRole, status, pages.cursor],
  );
  const industries = options.data?.industries ?? [];
  const roles = (options.data?.job_roles ?? []).filter((r) => !industry || r.industry_id === industry);
  const industryName = (id: string) => industries.find((i) => i.id === id)?.name ?? id.slice(0, 8);
  const roleName = (id: string) => options.data?.job_roles.find((r) => r.id === id)?.name ?? id.slice(0, 8);

  return (
    <Page
      title="Agents"
      app={APP}
      actions={
        <Link className="button" to="/admin/agents/new">
          Create agent
        </Link>
      }
    >
      <form className="filters" role="search" aria-label="Filter agents" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label htmlFor="filter-industry">Industry</label>
          <select
            id="filter-industry"
            value={industry}
            onChange={(e) => {
              setIndustry(e.target.value);
              setJobRole("");
            }}
          >
            <option value="">All industries</option>
            {industries.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="filter-role">Job role</label>
          <select id="filter-role" value={jobRole} onChange={(e) => setJobRole(e.target.value)}>
            <option value="">All job roles</option>
            {roles.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">All statuses</option>
            {AGENT_STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </form>
      {options.error ? <ProblemAlert error={options.error} onRetry={options.reload} /> : null}
      {agents.loading ? <Loading what="agents" /> : null}
      {agents.error ? <ProblemAlert error={agents.error} onRetry={agents.reload} /> : null}
      {agents.data && agents.data.items.length === 0 ? (
        <Empty>
          No agents match these filters. <Link to="/admin/agents/new">Create one</Link>.
        </Empty>
      ) : null}
      {agents.data && agents.data.items.length > 0 ? (
        <>
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Agents</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Industry</th>
                  <th scope="col">Job role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Constitution</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {agents.data.items.map((a) => (
                  <tr key={a.id} data-testid="agent-row">
                    <td>
                      <Link to={`/admin/agents/${a.id}`}>{a.name}</Link>
                    </td>
                    <td>{industryName(a.industry_id)}</td>
                    <td>{roleName(a.job_role_id)}</td>
                    <td>
                      <Badge tone={AGENT_STATUS[a.status].tone}>{AGENT_STATUS[a.status].label}</Badge>
                    </td>
                    <td>
                      <Badge tone={ALIGNMENT[a.alignment_status].tone}>{ALIGNMENT[a.alignment_status].label}</Badge>
                    </td>
                    <td>{formatDate(a.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager label="Agents" page={pages.page} nextCursor={agents.data.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
        </>
      ) : null}
    </Page>
  );
}
