// The audit dashboard: run the compliance audit, see the score, each L0 principle,
// a donut (compliant vs not), a bar chart (failures per principle), the violations,
// and export the audit trail as CSV.
import { useState } from "react";
import { call, callWithResponse } from "@shared/api.ts";
import { BarChart, DonutChart } from "@shared/charts.tsx";
import { useAction } from "@shared/hooks.ts";
import { Page } from "@shared/layout.tsx";
import { Badge, Empty, Loading, Notice, ProblemAlert, formatDate, type Tone } from "@shared/ui.tsx";
import { APP, pp, type Schemas } from "../api.ts";

const PRINCIPLE_TONE: Record<Schemas["PrincipleStatus"], { tone: Tone; label: string }> = {
  pass: { tone: "ok", label: "Pass" },
  partial: { tone: "warn", label: "Partial" },
  fail: { tone: "bad", label: "Fail" },
};
const ENTITY_LABEL: Record<Schemas["EntityType"], string> = { agent: "Agents", skill: "Skills", job_role: "Job roles" };

/** The file name in a Content-Disposition header, or a dated default. */
export function downloadName(header: string | null): string {
  const match = header?.match(/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i);
  return match?.[1] ?? `audit_report_${new Date().toISOString().slice(0, 10)}.csv`;
}

function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function AuditDashboardView({ report }: { report: Schemas["AuditDashboard"] }) {
  const score = Math.round(report.overall_score * 10) / 10;
  return (
    <>
      <div className="stats">
        <div className="stat">
          <span className="muted">Compliance score</span>
          <span className="value" data-testid="compliance-score">
            {score}%
          </span>
        </div>
        {report.by_entity_type.map((e) => (
          <div className="stat" key={e.entity_type}>
            <span className="muted">{ENTITY_LABEL[e.entity_type]}</span>
            <span className="value">{Math.round(e.score * 10) / 10}%</span>
            <span className="small muted">
              {e.compliant} of {e.checked} compliant
            </span>
          </div>
        ))}
        <div className="stat">
          <span className="muted">Audit trail</span>
          <span className="value">
            <Badge tone={report.chain.intact ? "ok" : "bad"}>{report.chain.intact ? "Intact" : "Broken"}</Badge>
          </span>
          <span className="small muted">{report.chain.entries} entries</span>
          {report.chain.first_broken_sequence !== null && (
            <span className="small" data-testid="chain-break">
              first break at entry {report.chain.first_broken_sequence} ({report.chain.break_kind})
            </span>
          )}
        </div>
      </div>
      <div className="grid-2">
        <div className="card">
          <h2>L0 principles</h2>
          <ul className="principles" aria-label="L0 principle outcomes">
            {report.by_principle.map((p) => (
              <li key={p.principle_id} data-testid="principle">
                <Badge tone={PRINCIPLE_TONE[p.status].tone}>{PRINCIPLE_TONE[p.status].label}</Badge>
                <span>
                  <strong>{p.principle_id}</strong> {p.title}{" "}
                  <span className="muted small">
                    ({Math.round(p.score * 10) / 10}%: {p.passed} passed, {p.failed} failed)
                  </span>
                </span>
              </li>
            ))}
          </ul>
        </div>
        <div className="card">
          <DonutChart
            title="Entities: compliant vs non-compliant"
            slices={[
              { label: "Compliant", value: report.compliant_entities, color: "#15803d" },
              { label: "Non-compliant", value: report.non_compliant_entities, color: "#b91c1c" },
            ]}
          />
        </div>
        <div className="card">
          <BarChart
            title="Failures by L0 principle"
            unit="entities"
            bars={report.by_principle.map((p) => ({ label: p.principle_id, value: p.failed, color: p.failed ? "#b91c1c" : "#15803d" }))}
          />
        </div>
      </div>
      <h2>
        Violations <span className="muted small">({report.violations_total} in all; the most recent shown)</span>
      </h2>
      {report.recent_violations.length === 0 ? (
        <Empty>No violations: every audited entity holds to the constitution.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Violations</caption>
            <thead>
              <tr>
                <th scope="col">Entity</th>
                <th scope="col">Id</th>
                <th scope="col">Principle</th>
                <th scope="col">Detail</th>
                <th scope="col">Detected</th>
              </tr>
            </thead>
            <tbody>
              {report.recent_violations.map((v, i) => (
                <tr key={`${v.entity_id}-${v.principle_id}-${i}`} data-testid="violation-row">
                  <td>{ENTITY_LABEL[v.entity_type]}</td>
                  <td>
                    <code>{v.entity_id.slice(0, 8)}</code>
                  </td>
                  <td>{v.principle_id}</td>
                  <td>{v.detail}</td>
                  <td>{formatDate(v.detected_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted small">
        Report <code>{report.report_id}</code>, generated {formatDate(report.generated_at)}, {report.entities_checked} entities checked.
      </p>
    </>
  );
}

export function AuditPage() {
  const [scope, setScope] = useState<Schemas["EntityType"] | "">("");
  const [exported, setExported] = useState<string | null>(null);
  const audit = useAction(async () => call(pp.POST("/api/v1/audit/run", { body: scope ? { entity_type: scope } : {} })));
  const [report, setReport] = useState<Schemas["AuditDashboard"] | null>(null);
  const exporter = useAction(async () => {
    const { data, response } = await callWithResponse(
      pp.GET("/api/v1/audit/export", { params: { query: { entity_type: scope || undefined } }, parseAs: "blob" }),
    );
    const name = downloadName(response.headers.get("Content-Disposition"));
    save(data, name);
    return name;
  });

  return (
    <Page
      title="Constitutional audit"
      app={APP}
      actions={
        <>
          <button
            type="button"
            className="button"
            disabled={audit.pending}
            onClick={async () => {
              const r = await audit.run();
              if (r) setReport(r);
            }}
          >
            {audit.pending ? "Running…" : "Run Constitutional Audit"}
          </button>
          <button
            type="button"
            className="button secondary"
            disabled={exporter.pending}
            onClick={async () => {
              const name = await exporter.run();
              if (name) setExported(name);
            }}
          >
            {exporter.pending ? "Exporting…" : "Export CSV"}
          </button>
        </>
      }
    >
      <form className="filters" aria-label="Audit scope" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label htmlFor="audit-scope">Entities to audit</label>
          <select id="audit-scope" value={scope} onChange={(e) => setScope(e.target.value as typeof scope)}>
            <option value="">All entities</option>
            {(Object.keys(ENTITY_LABEL) as Schemas["EntityType"][]).map((t) => (
              <option key={t} value={t}>
                {ENTITY_LABEL[t]}
              </option>
            ))}
          </select>
        </div>
      </form>
      {audit.error ? <ProblemAlert error={audit.error} /> : null}
      {exporter.error ? <ProblemAlert error={exporter.error} /> : null}
      {exported ? <Notice>Downloaded {exported}.</Notice> : null}
      {audit.pending ? <Loading what="the audit (every entity is checked)" /> : null}
      {report ? <AuditDashboardView report={report} /> : !audit.pending ? <Empty>Run the audit to see the platform's compliance.</Empty> : null}
    </Page>
  );
}
