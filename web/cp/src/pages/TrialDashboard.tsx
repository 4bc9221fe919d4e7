// A trial's dashboard: countdown, budget, deliverables, activity, the Execute Task form,
// the live status of the task just sent, and its result with its cost.
import { useEffect, useState, type FormEvent } from "react";
import { Link, useLocation, useParams } from "react-router";
import { call } from "@shared/api.ts";
import { asApiError, useAction, useLoad } from "@shared/hooks.ts";
import { useIdempotencyKey } from "@shared/idempotency.ts";
import { Page } from "@shared/layout.tsx";
import { splitViolations, type ApiError } from "@shared/problem.ts";
import { Badge, Empty, Field, Loading, Notice, ProblemAlert, formatDate } from "@shared/ui.tsx";
import { APP, TASK_STATUS, TRIAL_STATUS, cp, formatUsd, type Schemas } from "../api.ts";

const POLL_MS = 1000;

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

/** "6 days 23 hours 59 minutes 10 seconds remaining", or "Trial ended". */
export function countdown(expiresAt: string, now: number): string {
  let s = Math.max(0, Math.floor((Date.parse(expiresAt) - now) / 1000));
  if (s === 0) return "Trial ended";
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  const seconds = s - minutes * 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  return `${part(days, "day")} ${part(hours, "hour")} ${part(minutes, "minute")} ${part(seconds, "second")} remaining`;
}

/** Parse the optional context field: empty is none; otherwise a JSON object. */
export function parseContext(text: string): { value?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { error: "Context must be a JSON object, e.g. {\"region\": \"EU\"}." };
    return { value: value as Record<string, unknown> };
  } catch (e) {
    return { error: `Context is not valid JSON: ${(e as Error).message}` };
  }
}

/** Follow a task until it completes or fails, polling GET /tasks/{id}. */
function useTask(taskId: string | null, onDone: () => void) {
  const [task, setTask] = useState<Schemas["Task"] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!taskId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setTask(null);
    setError(null);
    const poll = async () => {
      try {
        const t = await call(cp.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: taskId } } }));
        if (stopped) return;
        setTask(t);
        if (t.status === "completed" || t.status === "failed") onDone();
        else timer = setTimeout(poll, POLL_MS);
      } catch (e) {
        if (!stopped) setError(asApiError(e));
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [taskId]);
  return { task, error };
}

function TaskResult({ task }: { task: Schemas["Task"] }) {
  const { tone, label } = TASK_STATUS[task.status];
  return (
    <section className="card" aria-labelledby="task-title" data-testid="task">
      <h2 id="task-title">Task</h2>
      <p aria-live="polite">
        Status: <span data-testid="task-status"><Badge tone={tone}>{label}</Badge></span>{" "}
        {task.sandbox_mode ? <Badge tone="info">Sandbox</Badge> : null}
      </p>
      <p className="small muted">
        “{task.input.task}” · estimated cost {formatUsd(task.cost_estimate_usd)}
      </p>
      {task.status === "completed" && task.result ? (
        <>
          <h3>Result</h3>
          <div data-testid="task-result">
            {typeof task.result.summary === "string" ? <p>{task.result.summary}</p> : null}
            <details open={typeof task.result.summary !== "string"}>
              <summary>Full result (JSON)</summary>
              <pre className="result">{JSON.stringify(task.result, null, 2)}</pre>
            </details>
          </div>
        </>
      ) : null}
      {task.error ? (
        <div className="alert alert-bad" role="alert">
          <strong>{task.error.code}</strong>: {task.error.message}
        </div>
      ) : null}
      {task.cost ? (
        <dl className="facts" data-testid="task-cost">
          <dt>Cost</dt>
          <dd>
            <strong>{formatUsd(task.cost.total_usd)}</strong>
          </dd>
          <dt>Compute</dt>
          <dd>{formatUsd(task.cost.compute_usd)}</dd>
          <dt>Model</dt>
          <dd>{formatUsd(task.cost.model_usd)}</dd>
          <dt>Tokens</dt>
          <dd>
            {task.cost.tokens_in} in, {task.cost.tokens_out} out
          </dd>
        </dl>
      ) : null}
    </section>
  );
}

export function TrialDashboardPage() {
  const { trialId = "" } = useParams();
  const started = (useLocation().state as { started?: boolean } | null)?.started === true;
  const now = useNow(1000);
  const dashboard = useLoad(() => call(cp.GET("/api/v1/trials/{trial_id}/dashboard", { params: { path: { trial_id: trialId } } })), [trialId]);
  const d = dashboard.data;
  const [taskText, setTaskText] = useState("");
  const [contextText, setContextText] = useState("");
  const [contextError, setContextError] = useState<string | null>(null);
  const [taskId, setTaskId] = useState<string | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const keyFor = useIdempotencyKey();
  const execute = useAction(async (agentId: string, body: Schemas["TaskCreate"]) =>
    call(cp.POST("/api/v1/agents/{agent_id}/execute", { params: { path: { agent_id: agentId }, header: { "Idempotency-Key": keyFor(body) } }, body })),
  );
  const cancel = useAction(async () => call(cp.POST("/api/v1/trials/{trial_id}/cancel", { params: { path: { trial_id: trialId } } })));
  const followed = useTask(taskId, dashboard.reload);
  const { byField, other } = splitViolations(execute.error?.problem ?? null, ["task", "context"]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!d) return;
    const context = parseContext(contextText);
    setContextError(context.error ?? null);
    if (context.error) return;
    const body: Schemas["TaskCreate"] = context.value ? { task: taskText, context: context.value } : { task: taskText };
    const accepted = await execute.run(d.trial.agent_id, body);
    if (accepted) {
      setTaskId(accepted.task_id);
      dashboard.reload();
    }
  };

  const active = d?.trial.status === "active";
  return (
    <Page title={d ? `Trial: ${d.trial.agent_name}` : "Trial"} app={APP}>
      <p>
        <Link to="/trials">← My trials</Link>
      </p>
      {dashboard.loading && !d ? <Loading what="your trial" /> : null}
      {dashboard.error ? <ProblemAlert error={dashboard.error} onRetry={dashboard.reload} /> : null}
      {started ? <Notice>Your 7-day trial has started.</Notice> : null}
      {d ? (
        <>
          <div className="stats">
            <div className="stat">
              <span className="muted">Time left</span>
              <span className="countdown" role="timer" data-testid="countdown">
                {d.trial.status === "active" ? countdown(d.trial.expires_at, now) : "Trial ended"}
              </span>
              <span className="small muted">ends {formatDate(d.trial.expires_at)}</span>
            </div>
            <div className="stat">
              <span className="muted">Status</span>
              <span className="value">
                <Badge tone={TRIAL_STATUS[d.trial.status].tone}>{TRIAL_STATUS[d.trial.status].label}</Badge>
              </span>
            </div>
            <div className="stat">
              <span className="muted">Deliverables</span>
              <span className="value" data-testid="deliverables-count">
                {d.trial.deliverables_count}
              </span>
            </div>
            <div className="stat">
              <span className="muted">Budget used</span>
              <span className="value">{formatUsd(d.budget.spent_usd)}</span>
              <span className="small muted">
                of {formatUsd(d.budget.limit_usd)}; {formatUsd(d.budget.remaining_usd)} left
              </span>
            </div>
            <div className="stat">
              <span className="muted">Tasks</span>
              <span className="small">
                {d.tasks.completed} completed, {d.tasks.running} running, {d.tasks.pending} pending, {d.tasks.failed} failed
              </span>
            </div>
          </div>
          <p className="muted small">{d.notice}</p>
          <div className="grid-2">
            <form className="card form" onSubmit={submit} noValidate aria-labelledby="execute-title">
              <h2 id="execute-title">Execute Task</h2>
              {!active ? <p className="muted">This trial is no longer active: no new tasks.</p> : null}
              <Field label="Task" required hint="What should the agent do?" errors={byField.task}>
                {(p) => <textarea {...p} name="task" rows={3} maxLength={4000} value={taskText} onChange={(e) => setTaskText(e.target.value)} />}
              </Field>
              <Field
                label="Context (JSON)"
                hint='Optional details, e.g. {"industry": "B2B SaaS", "region": "North America"}'
                errors={contextError ? [{ rule: "json", field: "context", message: contextError }] : byField.context}
              >
                {(p) => <textarea {...p} name="context" rows={3} spellCheck={false} value={contextText} onChange={(e) => setContextText(e.target.value)} />}
              </Field>
              {execute.error ? <ProblemAlert error={execute.error} violations={other} /> : null}
              <div>
                <button type="submit" className="button" disabled={!active || execute.pending}>
                  {execute.pending ? "Sending…" : "Execute Task"}
                </button>
              </div>
            </form>
            <div>
              {followed.error ? <ProblemAlert error={followed.error} /> : null}
              {taskId && !followed.task && !followed.error ? <Loading what="the task" /> : null}
              {followed.task ? <TaskResult task={followed.task} /> : null}
              {!taskId ? (
                <div className="card">
                  <h2>Results</h2>
                  <Empty>Execute a task to see its live status, result and cost here.</Empty>
                </div>
              ) : null}
            </div>
          </div>
          <div className="grid-2">
            <section aria-labelledby="deliverables-title">
              <h2 id="deliverables-title">Deliverables</h2>
              <p className="small muted">Yours to keep, even if you cancel.</p>
              {d.deliverables.length === 0 ? (
                <Empty>No deliverables yet: execute your first task.</Empty>
              ) : (
                <ul className="feed" data-testid="deliverables">
                  {d.deliverables.map((x) => (
                    <li key={x.id}>
                      <strong>{x.title}</strong> <span className="small muted">{formatDate(x.created_at)}</span>
                      <details>
                        <summary>Content</summary>
                        <pre className="result">{JSON.stringify(x.content, null, 2)}</pre>
                      </details>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section aria-labelledby="activity-title">
              <h2 id="activity-title">Activity</h2>
              {d.activity.length === 0 ? (
                <Empty>No activity yet.</Empty>
              ) : (
                <ul className="feed" data-testid="activity-feed">
                  {d.activity.map((x) => (
                    <li key={x.id}>
                      {x.message} <span className="small muted">{formatDate(x.at)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          {active ? (
            <section className="card" aria-labelledby="cancel-title" style={{ marginTop: "1rem" }}>
              <h2 id="cancel-title">Cancel trial</h2>
              {cancel.error ? <ProblemAlert error={cancel.error} /> : null}
              {confirmCancel ? (
                <p>
                  Cancel this trial? You keep every deliverable.{" "}
                  <button
                    type="button"
                    className="button small"
                    disabled={cancel.pending}
                    onClick={async () => {
                      if (await cancel.run()) {
                        setConfirmCancel(false);
                        dashboard.reload();
                      }
                    }}
                  >
                    Yes, cancel it
                  </button>{" "}
                  <button type="button" className="button secondary small" onClick={() => setConfirmCancel(false)}>
                    Keep it
                  </button>
                </p>
              ) : (
                <button type="button" className="button secondary" onClick={() => setConfirmCancel(true)}>
                  Cancel trial
                </button>
              )}
            </section>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
