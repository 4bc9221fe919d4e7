// An agent's profile: description, skills, ratings and reviews, trial figures, and
// "Start 7-Day Trial".
import { useState } from "react";
import { Link, useParams } from "react-router";
import { call } from "@shared/api.ts";
import { useLoad } from "@shared/hooks.ts";
import { Page } from "@shared/layout.tsx";
import { Empty, Loading, ProblemAlert, formatDate } from "@shared/ui.tsx";
import { APP, cp, formatInr, formatUsd } from "../api.ts";
import { Availability, Avatar, Stars } from "../components/AgentCard.tsx";
import { TrialModal, type TrialTarget } from "../components/TrialModal.tsx";

export function AgentProfilePage() {
  const { agentId = "" } = useParams();
  const [trying, setTrying] = useState<TrialTarget | null>(null);
  const agent = useLoad(() => call(cp.GET("/api/v1/marketplace/agents/{agent_id}", { params: { path: { agent_id: agentId } } })), [agentId]);
  const a = agent.data;

  return (
    <Page title={a?.name ?? "Agent"} app={APP}>
      <p>
        <Link to="/marketplace">← Marketplace</Link>
      </p>
      {agent.loading ? <Loading what="the agent" /> : null}
      {agent.error ? <ProblemAlert error={agent.error} onRetry={agent.reload} /> : null}
      {a ? (
        <>
          <div className="card profile-head">
            <Avatar name={a.name} large />
            <div className="profile-summary">
              <p className="muted">
                {a.industry?.name ?? "No industry"}
                {a.job_role ? ` · ${a.job_role.name} (${a.job_role.seniority})` : ""}
                {a.specialty ? ` · ${a.specialty}` : ""}
              </p>
              <Stars rating={a.rating} count={a.reviews_count} />
              <p>
                <Availability status={a.status} /> <span className="small muted">{a.activity.summary}</span>
              </p>
              <p>{formatInr(a.price_per_month)}</p>
            </div>
            <div>
              <button type="button" className="button" onClick={() => setTrying({ id: a.id, name: a.name })}>
                Start {a.trial_days}-Day Trial
              </button>
              <p className="small muted">Trial budget {formatUsd(a.trial_budget_usd)}</p>
            </div>
          </div>
          <div className="grid-2">
            <div className="card">
              <h2>About</h2>
              <p>{a.description ?? "No description yet."}</p>
              {a.specialties.length ? (
                <ul className="tags" aria-label="Specialties">
                  {a.specialties.map((s) => (
                    <li key={s} className="tag">
                      {s}
                    </li>
                  ))}
                </ul>
              ) : null}
              <h2>Skills</h2>
              {a.skills.length === 0 ? (
                <Empty>No skills listed.</Empty>
              ) : (
                <ul data-testid="skills">
                  {a.skills.map((s) => (
                    <li key={s.id}>
                      <strong>{s.name}</strong> <span className="muted small">({s.category})</span> — {s.description}
                    </li>
                  ))}
                </ul>
              )}
            </div>
            <div className="card">
              <h2>Trials</h2>
              <dl className="facts">
                <dt>Trial sign-ups</dt>
                <dd>{a.trial_signups}</dd>
                <dt>Converted</dt>
                <dd>{a.trials_converted}</dd>
                <dt>Retention</dt>
                <dd>{a.retention_rate === null ? "—" : `${Math.round(a.retention_rate * 100)}%`}</dd>
              </dl>
              <h2>Ratings</h2>
              {a.reviews_count === 0 ? (
                <Empty>No reviews yet.</Empty>
              ) : (
                <table>
                  <caption className="sr-only">Ratings by stars</caption>
                  <tbody>
                    {[...a.rating_distribution]
                      .sort((x, y) => y.stars - x.stars)
                      .map((r) => (
                        <tr key={r.stars}>
                          <th scope="row">{r.stars} ★</th>
                          <td>{r.count}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              )}
            </div>
          </div>
          <h2>Recent reviews</h2>
          {a.recent_reviews.length === 0 ? (
            <Empty>No reviews yet.</Empty>
          ) : (
            <ul className="feed">
              {a.recent_reviews.map((r) => (
                <li key={r.id}>
                  <Stars rating={r.rating} count={1} /> <strong>{r.author}</strong>{" "}
                  <span className="muted small">{formatDate(r.created_at)}</span>
                  <p>{r.text}</p>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : null}
      <TrialModal agent={trying} onClose={() => setTrying(null)} />
    </Page>
  );
}
