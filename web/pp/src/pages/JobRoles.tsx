// Genesis job roles: the list with Certify for pending ones, and the new-job-role form.
import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { call } from "@shared/api.ts";
import { useAction, useLoad } from "@shared/hooks.ts";
import { useIdempotencyKey } from "@shared/idempotency.ts";
import { Page } from "@shared/layout.tsx";
import { MultiSelect } from "@shared/multiselect.tsx";
import { Pager, useCursorPages } from "@shared/pager.tsx";
import { splitViolations } from "@shared/problem.ts";
import { Empty, Field, Loading, Notice, ProblemAlert, formatDate } from "@shared/ui.tsx";
import { APP, CERTIFICATION_STATUSES, PAGE_SIZE, SENIORITIES, pp, type Schemas } from "../api.ts";
import { CertificationBadge } from "./Skills.tsx";

function useFormOptions() {
  return useLoad(() => call(pp.GET("/api/v1/agent-form", {})), []);
}

function CertifyJobRole({ role, onDone }: { role: Schemas["JobRole"]; onDone: (r: Schemas["JobRole"]) => void }) {
  const certify = useAction(async () =>
    call(pp.POST("/api/v1/genesis/job-roles/{job_role_id}/certify", { params: { path: { job_role_id: role.id } }, body: {} })),
  );
  return (
    <>
      <button
        type="button"
        className="button success small"
        disabled={certify.pending}
        aria-label={`Certify ${role.name}`}
        onClick={async () => {
          const done = await certify.run();
          if (done) onDone(done);
        }}
      >
        {certify.pending ? "Certifying…" : "Certify"}
      </button>
      {certify.error ? <ProblemAlert error={certify.error} /> : null}
    </>
  );
}

export function JobRolesPage() {
  const [status, setStatus] = useState<Schemas["CertificationStatus"] | "">("");
  const [certified, setCertified] = useState<Record<string, Schemas["JobRole"]>>({});
  const pages = useCursorPages(status);
  const roles = useLoad(
    () => call(pp.GET("/api/v1/genesis/job-roles", { params: { query: { status: status || undefined, limit: PAGE_SIZE, cursor: pages.cursor } } })),
    [status, pages.cursor],
  );
  const options = useFormOptions();
  const industryName = (id: string) => options.data?.industries.find((i) => i.id === id)?.name ?? id;
  const lastCertified = Object.values(certified).at(-1);
  const created = (useLocation().state as { created?: string } | null)?.created;

  return (
    <Page
      title="Job roles"
      app={APP}
      actions={
        <Link className="button" to="/admin/genesis/job-roles/new">
          New job role
        </Link>
      }
    >
      <form className="filters" role="search" aria-label="Filter job roles" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label htmlFor="role-status">Certification status</label>
          <select id="role-status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">All</option>
            {CERTIFICATION_STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </form>
      {created && !lastCertified ? <Notice>Job role submitted: it is pending certification.</Notice> : null}
      {lastCertified ? <Notice>{lastCertified.name} certified: agents can now take this role.</Notice> : null}
      {roles.loading ? <Loading what="job roles" /> : null}
      {roles.error ? <ProblemAlert error={roles.error} onRetry={roles.reload} /> : null}
      {options.error ? <ProblemAlert error={options.error} onRetry={options.reload} /> : null}
      {roles.data && roles.data.items.length === 0 ? <Empty>No job roles match.</Empty> : null}
      {roles.data && roles.data.items.length > 0 ? (
        <>
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Job roles</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Industry</th>
                  <th scope="col">Seniority</th>
                  <th scope="col">Required skills</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {roles.data.items.map((listed) => {
                  const r = certified[listed.id] ?? listed;
                  return (
                    <tr key={r.id} data-testid="job-role-row">
                      <td>{r.name}</td>
                      <td>{industryName(r.industry_id)}</td>
                      <td>{r.seniority}</td>
                      <td>{r.required_skills.length}</td>
                      <td>
                        <CertificationBadge status={r.status} />
                      </td>
                      <td>{formatDate(r.created_at)}</td>
                      <td>{r.status === "pending_certification" ? <CertifyJobRole role={r} onDone={(done) => setCertified({ ...certified, [done.id]: done })} /> : null}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager label="Job roles" page={pages.page} nextCursor={roles.data.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
        </>
      ) : null}
    </Page>
  );
}

const ROLE_FIELDS = ["name", "description", "industry_id", "required_skills", "seniority"] as const;

export function JobRoleFormPage() {
  const navigate = useNavigate();
  const keyFor = useIdempotencyKey();
  const options = useFormOptions();
  const [form, setForm] = useState<Schemas["JobRoleCreate"]>({ name: "", description: "", industry_id: "", required_skills: [], seniority: "mid" });
  const create = useAction(async (body: Schemas["JobRoleCreate"]) =>
    call(pp.POST("/api/v1/genesis/job-roles", { body, params: { header: { "Idempotency-Key": keyFor(body) } } })),
  );
  const { byField, other } = splitViolations(create.error?.problem ?? null, ROLE_FIELDS);
  const skillOptions = (options.data?.skills ?? []).map((s) => ({ value: s.id, label: s.name }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const role = await create.run(form);
    if (role) navigate("/admin/genesis/job-roles", { state: { created: role.id } });
  };

  return (
    <Page title="New job role" app={APP}>
      {options.loading ? <Loading what="industries and skills" /> : null}
      {options.error ? <ProblemAlert error={options.error} onRetry={options.reload} /> : null}
      <form className="card form" onSubmit={submit} noValidate>
        <Field label="Name" required errors={byField.name}>
          {(p) => <input {...p} name="name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
        </Field>
        <Field label="Description" required errors={byField.description}>
          {(p) => <textarea {...p} name="description" rows={3} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />}
        </Field>
        <Field label="Industry" required errors={byField.industry_id}>
          {(p) => (
            <select {...p} name="industry_id" value={form.industry_id} onChange={(e) => setForm({ ...form, industry_id: e.target.value })}>
              <option value="">Choose an industry…</option>
              {(options.data?.industries ?? []).map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Required skills" hint="Certified skills only; type to search." errors={byField.required_skills}>
          {(p) => (
            <MultiSelect
              id={p.id}
              label="Required skills"
              describedBy={p["aria-describedby"]}
              invalid={p["aria-invalid"]}
              options={skillOptions}
              selected={form.required_skills}
              onChange={(required_skills) => setForm({ ...form, required_skills })}
              placeholder="Search certified skills"
            />
          )}
        </Field>
        <Field label="Seniority" required errors={byField.seniority}>
          {(p) => (
            <select {...p} name="seniority" value={form.seniority} onChange={(e) => setForm({ ...form, seniority: e.target.value as Schemas["Seniority"] })}>
              {SENIORITIES.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
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
