// Create an agent: industry → job role (of that industry) → skills (the role's required
// skills picked for you), governance agent. Constitutional violations (422) are shown
// beside the fields they concern.
import { useMemo, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { call } from "@shared/api.ts";
import { useAction, useLoad } from "@shared/hooks.ts";
import { useIdempotencyKey } from "@shared/idempotency.ts";
import { Page } from "@shared/layout.tsx";
import { MultiSelect } from "@shared/multiselect.tsx";
import { splitViolations, type Problem } from "@shared/problem.ts";
import { Field, Loading, ProblemAlert } from "@shared/ui.tsx";
import { APP, pp, type Schemas } from "../api.ts";

const OTHER_GOVERNOR = "__other__";
const AGENT_FIELDS = [
  "name",
  "description",
  "industry_id",
  "job_role_id",
  "skills",
  "governance_agent_id",
  "specialties",
  "price_per_month",
  "trial_mode_sandbox_url",
] as const;

interface FormState {
  name: string;
  description: string;
  industry_id: string;
  job_role_id: string;
  skills: string[];
  governor: string;
  governorUuid: string;
  specialties: string;
  price: string;
  sandbox: string;
}

const EMPTY: FormState = {
  name: "",
  description: "",
  industry_id: "",
  job_role_id: "",
  skills: [],
  governor: "genesis",
  governorUuid: "",
  specialties: "",
  price: "",
  sandbox: "",
};

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The problem with the ids in its violation messages replaced by the names the form shows. */
export function withNames(problem: Problem | null, options: Schemas["AgentFormOptions"] | null): Problem | null {
  if (!problem?.violations || !options) return problem;
  const names = new Map<string, string>();
  for (const x of [...options.skills, ...options.job_roles, ...options.industries]) names.set(x.id.toLowerCase(), x.name);
  const violations = problem.violations.map((v) => ({
    ...v,
    message: v.message.replace(UUID, (id) => (names.has(id.toLowerCase()) ? `“${names.get(id.toLowerCase())}”` : id)),
  }));
  return { ...problem, violations };
}

/** The request body: optional fields left out when empty. */
export function agentBody(f: FormState): Schemas["AgentCreate"] {
  const body: Schemas["AgentCreate"] = {
    name: f.name.trim(),
    industry_id: f.industry_id,
    job_role_id: f.job_role_id,
    skills: f.skills,
    governance_agent_id: f.governor === OTHER_GOVERNOR ? f.governorUuid.trim() : f.governor,
  };
  if (f.description.trim()) body.description = f.description.trim();
  const specialties = f.specialties
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (specialties.length) body.specialties = specialties;
  if (f.price.trim()) body.price_per_month = Number(f.price);
  if (f.sandbox.trim()) body.trial_mode_sandbox_url = f.sandbox.trim();
  return body;
}

export function AgentFormPage() {
  const navigate = useNavigate();
  const keyFor = useIdempotencyKey();
  const options = useLoad(() => call(pp.GET("/api/v1/agent-form", {})), []);
  const [form, setForm] = useState<FormState>(EMPTY);
  const create = useAction(async (body: Schemas["AgentCreate"]) =>
    call(pp.POST("/api/v1/agents", { body, params: { header: { "Idempotency-Key": keyFor(body) } } })),
  );
  const { byField, other } = splitViolations(withNames(create.error?.problem ?? null, options.data), AGENT_FIELDS);

  const roles = useMemo(
    () => (options.data?.job_roles ?? []).filter((r) => r.industry_id === form.industry_id),
    [options.data, form.industry_id],
  );
  const skillOptions = useMemo(() => (options.data?.skills ?? []).map((s) => ({ value: s.id, label: s.name })), [options.data]);

  const chooseIndustry = (industry_id: string) => {
    const keepRole = roles.some((r) => r.id === form.job_role_id && r.industry_id === industry_id);
    setForm({ ...form, industry_id, job_role_id: keepRole ? form.job_role_id : "" });
  };
  const chooseRole = (job_role_id: string) => {
    const role = options.data?.job_roles.find((r) => r.id === job_role_id);
    const skills = [...new Set([...form.skills, ...(role?.required_skills ?? [])])];
    setForm({ ...form, job_role_id, skills });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const agent = await create.run(agentBody(form));
    if (agent) navigate(`/admin/agents/${agent.id}`, { state: { created: true } });
  };

  if (options.loading) return <Loading what="the form's options" />;
  const data = options.data;
  return (
    <Page title="Create agent" app={APP}>
      <p>
        <Link to="/admin/agents">← All agents</Link>
      </p>
      {options.error ? <ProblemAlert error={options.error} onRetry={options.reload} /> : null}
      {data?.truncated ? <p className="muted">Some option lists were cut at 1000 entries.</p> : null}
      <form className="card form" onSubmit={submit} noValidate aria-label="Create agent">
        <Field label="Name" required errors={byField.name}>
          {(p) => <input {...p} name="name" maxLength={120} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
        </Field>
        <Field label="Description" errors={byField.description}>
          {(p) => <textarea {...p} name="description" rows={3} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />}
        </Field>
        <Field label="Industry" required errors={byField.industry_id}>
          {(p) => (
            <select {...p} name="industry_id" value={form.industry_id} onChange={(e) => chooseIndustry(e.target.value)}>
              <option value="">Choose an industry…</option>
              {(data?.industries ?? []).map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Job role"
          required
          hint={form.industry_id ? (roles.length ? "Certified job roles of this industry." : "This industry has no certified job role yet.") : "Choose an industry first."}
          errors={byField.job_role_id}
        >
          {(p) => (
            <select {...p} name="job_role_id" value={form.job_role_id} disabled={!form.industry_id} onChange={(e) => chooseRole(e.target.value)}>
              <option value="">Choose a job role…</option>
              {roles.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} ({r.seniority})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Skills" required hint="Certified skills; the job role's required skills are added for you. Type to search." errors={byField.skills}>
          {(p) => (
            <MultiSelect
              id={p.id}
              label="Skills"
              describedBy={p["aria-describedby"]}
              invalid={p["aria-invalid"]}
              options={skillOptions}
              selected={form.skills}
              onChange={(skills) => setForm({ ...form, skills })}
              placeholder="Search certified skills"
            />
          )}
        </Field>
        <Field label="Governance agent" required hint="L0-01: every agent answers to exactly one governor." errors={byField.governance_agent_id}>
          {(p) => (
            <select {...p} name="governance_agent_id" value={form.governor} onChange={(e) => setForm({ ...form, governor: e.target.value })}>
              {(data?.governance_agents ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
              <option value={OTHER_GOVERNOR}>Another governor (by id)…</option>
            </select>
          )}
        </Field>
        {form.governor === OTHER_GOVERNOR ? (
          <Field label="Governor id" required hint="The UUID of a governor agent Plant knows.">
            {(p) => <input {...p} name="governor_uuid" value={form.governorUuid} onChange={(e) => setForm({ ...form, governorUuid: e.target.value })} />}
          </Field>
        ) : null}
        <Field label="Specialties" hint="Comma-separated tags, e.g. B2B SaaS, Healthcare." errors={byField.specialties}>
          {(p) => <input {...p} name="specialties" value={form.specialties} onChange={(e) => setForm({ ...form, specialties: e.target.value })} />}
        </Field>
        <Field label="Price per month (INR)" errors={byField.price_per_month}>
          {(p) => <input {...p} name="price_per_month" type="number" min={0} inputMode="numeric" value={form.price} onChange={(e) => setForm({ ...form, price: e.target.value })} />}
        </Field>
        <Field label="Trial sandbox URL" hint="L0-03: where external actions run until approved." errors={byField.trial_mode_sandbox_url}>
          {(p) => <input {...p} name="trial_mode_sandbox_url" type="url" value={form.sandbox} onChange={(e) => setForm({ ...form, sandbox: e.target.value })} />}
        </Field>
        {create.error ? <ProblemAlert error={create.error} violations={other} /> : null}
        <div>
          <button type="submit" className="button" disabled={create.pending}>
            {create.pending ? "Creating…" : "Create agent"}
          </button>
        </div>
      </form>
    </Page>
  );
}
