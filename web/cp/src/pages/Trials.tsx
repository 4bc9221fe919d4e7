// The customer's trials, newest first, each linking to its dashboard.
import { Link } from "react-router";
import { call } from "@shared/api.ts";
import { useLoad } from "@shared/hooks.ts";
import { Page } from "@shared/layout.tsx";
import { Pager, useCursorPages } from "@shared/pager.tsx";
import { Badge, Empty, Loading, ProblemAlert, formatDate } from "@shared/ui.tsx";
import { APP, TRIAL_STATUS, cp } from "../api.ts";

export function TrialsPage() {
  const pages = useCursorPages("");
  const trials = useLoad(() => call(cp.GET("/api/v1/trials", { params: { query: { limit: 20, cursor: pages.cursor } } })), [pages.cursor]);
  return (
    <Page title="My trials" app={APP}>
      {trials.loading ? <Loading what="your trials" /> : null}
      {trials.error ? <ProblemAlert error={trials.error} onRetry={trials.reload} /> : null}
      {trials.data && trials.data.items.length === 0 ? (
        <Empty>
          No trials yet. <Link to="/marketplace">Find an agent to try</Link>.
        </Empty>
      ) : null}
      {trials.data && trials.data.items.length > 0 ? (
        <>
          <div className="table-wrap">
            <table>
              <caption className="sr-only">My trials</caption>
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Status</th>
                  <th scope="col">Started</th>
                  <th scope="col">Ends</th>
                  <th scope="col">Deliverables</th>
                </tr>
              </thead>
              <tbody>
                {trials.data.items.map((t) => (
                  <tr key={t.id}>
                    <td>
                      <Link to={`/trials/${t.id}/dashboard`}>{t.agent_name}</Link>
                    </td>
                    <td>
                      <Badge tone={TRIAL_STATUS[t.status].tone}>{TRIAL_STATUS[t.status].label}</Badge>
                    </td>
                    <td>{formatDate(t.started_at)}</td>
                    <td>{formatDate(t.expires_at)}</td>
                    <td>{t.deliverables_count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager label="Trials" page={pages.page} nextCursor={trials.data.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
        </>
      ) : null}
    </Page>
  );
}
