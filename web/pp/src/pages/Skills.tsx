// Genesis skills: the certification queue, the new-skill form and the skill with Certify.
import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { call } from "@shared/api.ts";
import { useAction, useLoad } from "@shared/hooks.ts";
import { useIdempotencyKey } from "@shared/idempotency.ts";
import { Page } from "@shared/layout.tsx";
import { Pager, useCursorPages } from "@shared/pager.tsx";
import { splitViolations } from "@shared/problem.ts";
import { Badge, Empty, Field, Loading, Notice, ProblemAlert, formatDate } from "@shared/ui.tsx";
import { APP, CERTIFICATION, CERTIFICATION_STATUSES, PAGE_SIZE, SKILL_CATEGORIES, pp, type Schemas } from "../api.ts";

export function CertificationBadge({ status }: { status: Schemas["CertificationStatus"] }) {
  const { tone, label } = CERTIFICATION[status];
  return <Badge tone={tone}>{label}</Badge>;
}

export function SkillsPage() {
  const [status, setStatus] = useState<Schemas["CertificationStatus"] | "">("pending_certification");
  const [category, setCategory] = useState<Schemas["SkillCategory"] | "">("");
  const pages = useCursorPages(`${status}|${category}`);
  const skills = useLoad(
    () =>
      call(
        pp.GET("/api/v1/genesis/skills", {
          params: { query: { status: status || undefined, category: category || undefined, limit: PAGE_SIZE, cursor: pages.cursor } },
        }),
      ),
    [status, category, pages.cursor],
  );
  return (
    <Page
      title="Skills"
      app={APP}
      actions={
        <Link className="button" to="/admin/genesis/skills/new">
          New skill
        </Link>
      }
    >
      <form className="filters" role="search" aria-label="Filter skills" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label htmlFor="skill-status">Certification status</label>
          <select id="skill-status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">All</option>
            {CERTIFICATION_STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="skill-category">Category</label>
          <select id="skill-category" value={category} onChange={(e) => setCategory(e.target.value as typeof category)}>
            <option value="">All</option>
            {SKILL_CATEGORIES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
      </form>
      {skills.loading ? <Loading what="skills" /> : null}
      {skills.error ? <ProblemAlert error={skills.error} onRetry={skills.reload} /> : null}
      {skills.data && skills.data.items.length === 0 ? (
        <Empty>No skills match. {status === "pending_certification" ? "The certification queue is empty." : null}</Empty>
      ) : null}
      {skills.data && skills.data.items.length > 0 ? (
        <>
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Skills</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Category</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {skills.data.items.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link to={`/admin/genesis/skills/${s.id}`}>{s.name}</Link>
                    </td>
                    <td>{s.category}</td>
                    <td>
                      <CertificationBadge status={s.status} />
                    </td>
                    <td>{formatDate(s.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager label="Skills" page={pages.page} nextCursor={skills.data.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
        </>
      ) : null}
    </Page>
  );
}

const SKILL_FIELDS = ["name", "category", "description"] as const;

export function SkillFormPage() {
  const navigate = useNavigate();
  const keyFor = useIdempotencyKey();
  const [form, setForm] = useState<Schemas["SkillCreate"]>({ name: "", category: "technical", description: "" });
  const create = useAction(async (body: Schemas["SkillCreate"]) =>
    call(pp.POST("/api/v1/genesis/skills", { body, params: { header: { "Idempotency-Key": keyFor(body) } } })),
  );
  const { byField, other } = splitViolations(create.error?.problem ?? null, SKILL_FIELDS);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const skill = await create.run(form);
    if (skill) navigate(`/admin/genesis/skills/${skill.id}`, { state: { created: true } });
  };

  return (
    <Page title="New skill" app={APP}>
      <form className="card form" onSubmit={submit} noValidate aria-describedby="skill-form-help">
        <p id="skill-form-help" className="muted">
          A new skill waits in the certification queue until Genesis certifies it.
        </p>
        <Field label="Name" required errors={byField.name}>
          {(p) => <input {...p} name="name" maxLength={120} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
        </Field>
        <Field label="Category" required errors={byField.category}>
          {(p) => (
            <select {...p} name="category" value={form.category} onChange={(e) => setForm({ ...form, category: e.target.value as Schemas["SkillCategory"] })}>
              {SKILL_CATEGORIES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Description" required errors={byField.description}>
          {(p) => (
            <textarea {...p} name="description" rows={4} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
          )}
        </Field>
        {create.error ? <ProblemAlert error={create.error} violations={other} /> : null}
        <div>
          <button type="submit" className="button" disabled={create.pending}>
            {create.pending ? "Submitting…" : "Submit for certification"}
          </button>
        </div>
      </form>
    </Page>
  );
}

export function SkillDetailPage() {
  const { skillId = "" } = useParams();
  const location = useLocation();
  const created = (location.state as { created?: boolean } | null)?.created === true;
  const [notes, setNotes] = useState("");
  const [certified, setCertified] = useState<Schemas["Skill"] | null>(null);
  const skill = useLoad(() => call(pp.GET("/api/v1/genesis/skills/{skill_id}", { params: { path: { skill_id: skillId } } })), [skillId]);
  const certify = useAction(async () =>
    call(
      pp.POST("/api/v1/genesis/skills/{skill_id}/certify", {
        params: { path: { skill_id: skillId } },
        body: notes.trim() ? { notes: notes.trim() } : {},
      }),
    ),
  );
  const current = certified ?? skill.data;

  return (
    <Page title={current?.name ?? "Skill"} app={APP}>
      <p>
        <Link to="/admin/genesis/skills">← All skills</Link>
      </p>
      {skill.loading ? <Loading what="the skill" /> : null}
      {skill.error ? <ProblemAlert error={skill.error} onRetry={skill.reload} /> : null}
      {created && !certified ? <Notice>Skill submitted: it is pending certification.</Notice> : null}
      {certified ? <Notice>Skill certified: agents can now use it.</Notice> : null}
      {current ? (
        <div className="card">
          <dl className="facts">
            <dt>Status</dt>
            <dd data-testid="skill-status">
              <CertificationBadge status={current.status} />
            </dd>
            <dt>Category</dt>
            <dd>{current.category}</dd>
            <dt>Description</dt>
            <dd>{current.description}</dd>
            <dt>Created</dt>
            <dd>{formatDate(current.created_at)}</dd>
            <dt>Certified</dt>
            <dd>{current.certified_at ? `${formatDate(current.certified_at)} by ${current.certified_by ?? "—"}` : "—"}</dd>
            <dt>Id</dt>
            <dd>
              <code>{current.id}</code>
            </dd>
          </dl>
          {current.status === "pending_certification" ? (
            <form
              className="form"
              style={{ marginTop: "1rem" }}
              onSubmit={async (e) => {
                e.preventDefault();
                const done = await certify.run();
                if (done) setCertified(done);
              }}
            >
              <Field label="Certification notes" hint="Optional; recorded in the audit trail.">
                {(p) => <textarea {...p} rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />}
              </Field>
              {certify.error ? <ProblemAlert error={certify.error} /> : null}
              <div>
                <button type="submit" className="button success" disabled={certify.pending}>
                  {certify.pending ? "Certifying…" : "Certify"}
                </button>
              </div>
            </form>
          ) : null}
        </div>
      ) : null}
    </Page>
  );
}
