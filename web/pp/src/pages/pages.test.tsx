import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeBackend, fakeToken, renderAt } from "@shared/testing.tsx";
import type { Schemas } from "../api.ts";
import { AgentFormPage, agentBody } from "./AgentForm.tsx";
import { AuditDashboardView, downloadName } from "./Audit.tsx";
import { SkillDetailPage, SkillsPage } from "./Skills.tsx";

const TOKEN = fakeToken("admin", ["genesis", "governor", "viewer"]);
const MARKETING = "11111111-1111-4111-8111-111111111111";
const SALES = "22222222-2222-4222-8222-222222222222";
const COPY = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const TESTING = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const WRITER = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
const CLOSER = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";
const NOW = "2026-01-16T09:00:00Z";

const skill = (id: string, name: string, status: Schemas["CertificationStatus"] = "certified"): Schemas["Skill"] => ({
  id,
  name,
  category: "creative",
  description: `${name} skill`,
  status,
  certified_at: status === "certified" ? NOW : null,
  certified_by: status === "certified" ? "alice" : null,
  created_at: NOW,
  updated_at: NOW,
});

const role = (id: string, name: string, industry: string, required: string[]): Schemas["JobRole"] => ({
  id,
  name,
  description: name,
  industry_id: industry,
  required_skills: required,
  seniority: "mid",
  status: "certified",
  certified_at: NOW,
  certified_by: "alice",
  created_at: NOW,
  updated_at: NOW,
});

const OPTIONS: Schemas["AgentFormOptions"] = {
  industries: [
    { id: MARKETING, name: "Marketing", slug: "marketing", description: "" },
    { id: SALES, name: "Sales", slug: "sales", description: "" },
  ],
  job_roles: [role(WRITER, "Content Writer", MARKETING, [COPY]), role(CLOSER, "Deal Closer", SALES, [])],
  skills: [skill(COPY, "Email Copywriting"), skill(TESTING, "A/B Testing")],
  governance_agents: [{ id: "genesis", name: "Genesis", description: "" }],
  truncated: false,
};

describe("agent form", () => {
  it("job roles follow the industry and bring their required skills", async () => {
    fakeBackend({ "GET /api/v1/agent-form": { body: OPTIONS } });
    renderAt(<AgentFormPage />, { token: TOKEN });
    const roleSelect = await screen.findByLabelText(/^Job role/);
    expect(roleSelect).toBeDisabled();
    await userEvent.selectOptions(screen.getByLabelText(/^Industry/), "Marketing");
    expect(within(roleSelect).getAllByRole("option").map((o) => o.textContent)).toEqual(["Choose a job role…", "Content Writer (mid)"]);
    await userEvent.selectOptions(roleSelect, WRITER);
    expect(screen.getByRole("button", { name: "Remove Email Copywriting" })).toBeInTheDocument();
    // another industry drops the role that is not of it
    await userEvent.selectOptions(screen.getByLabelText(/^Industry/), "Sales");
    expect(screen.getByLabelText(/^Job role/)).toHaveValue("");
  });

  it("shows a constitutional violation beside the field it concerns, by name", async () => {
    const calls = fakeBackend({
      "GET /api/v1/agent-form": { body: OPTIONS },
      "POST /api/v1/agents": {
        status: 422,
        body: {
          type: "https://waooaw.com/errors/constitutional-alignment",
          title: "Constitutional Alignment Error",
          status: 422,
          detail: "L0-04 Agent Specialization",
          correlation_id: "cid-422",
          violations: [
            { rule: "L0-04", field: "body.skills", message: `skills the job role requires are missing: ${COPY}` },
            { rule: "L0-05", field: null, message: "no audit trail entry" },
          ],
        },
      },
    });
    renderAt(<AgentFormPage />, { token: TOKEN });
    await userEvent.type(await screen.findByLabelText(/^Name/), "Email Agent");
    await userEvent.selectOptions(screen.getByLabelText(/^Industry/), "Marketing");
    await userEvent.selectOptions(screen.getByLabelText(/^Job role/), WRITER);
    await userEvent.click(screen.getByRole("button", { name: "Remove Email Copywriting" }));
    await userEvent.click(screen.getByRole("button", { name: "Create agent" }));

    const skills = await screen.findByRole("combobox", { name: "Skills" });
    await waitFor(() => expect(skills).toHaveAttribute("aria-invalid", "true"));
    expect(skills).toHaveAccessibleDescription(/L0-04 skills the job role requires are missing: “Email Copywriting”/);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("no audit trail entry");
    expect(alert).not.toHaveTextContent("requires are missing");
    expect(alert).toHaveTextContent("cid-422");

    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({ name: "Email Agent", industry_id: MARKETING, job_role_id: WRITER, skills: [], governance_agent_id: "genesis" });
  });

  it("builds the body without empty optional fields", () => {
    const base = { name: " A ", description: "", industry_id: "i", job_role_id: "r", skills: ["s"], governor: "genesis", governorUuid: "", specialties: "", price: "", sandbox: "" };
    expect(agentBody(base)).toEqual({ name: "A", industry_id: "i", job_role_id: "r", skills: ["s"], governance_agent_id: "genesis" });
    expect(agentBody({ ...base, governor: "__other__", governorUuid: " g-1 ", specialties: "B2B SaaS, , Email", price: "12000", sandbox: "https://s" })).toMatchObject({
      governance_agent_id: "g-1",
      specialties: ["B2B SaaS", "Email"],
      price_per_month: 12000,
      trial_mode_sandbox_url: "https://s",
    });
  });
});

describe("skills", () => {
  it("badges: pending yellow, certified green, rejected red; the queue filter is sent", async () => {
    const calls = fakeBackend({
      "GET /api/v1/genesis/skills": {
        body: { items: [skill("1", "Pending one", "pending_certification"), skill("2", "Certified one"), skill("3", "Rejected one", "rejected")], next_cursor: "next" },
      },
    });
    renderAt(<SkillsPage />, { token: TOKEN });
    expect(await screen.findByText("Pending certification", { selector: ".badge" })).toHaveClass("badge-warn");
    expect(screen.getByText("Certified", { selector: ".badge" })).toHaveClass("badge-ok");
    expect(screen.getByText("Rejected", { selector: ".badge" })).toHaveClass("badge-bad");
    expect(calls[0]?.url.searchParams.get("status")).toBe("pending_certification");
    await userEvent.click(screen.getByRole("button", { name: "Next →" }));
    await waitFor(() => expect(calls.at(-1)?.url.searchParams.get("cursor")).toBe("next"));
  });

  it("an empty queue says so", async () => {
    fakeBackend({ "GET /api/v1/genesis/skills": { body: { items: [], next_cursor: null } } });
    renderAt(<SkillsPage />, { token: TOKEN });
    expect(await screen.findByText(/The certification queue is empty/)).toBeInTheDocument();
  });

  it("certify turns the badge green", async () => {
    fakeBackend({
      "GET /api/v1/genesis/skills/1": { body: skill("1", "Python", "pending_certification") },
      "POST /api/v1/genesis/skills/1/certify": { body: skill("1", "Python") },
    });
    renderAt(<SkillDetailPage />, { path: "/admin/genesis/skills/1", route: "/admin/genesis/skills/:skillId", token: TOKEN });
    expect(await screen.findByTestId("skill-status")).toHaveTextContent("Pending certification");
    await userEvent.click(screen.getByRole("button", { name: "Certify" }));
    await waitFor(() => expect(screen.getByTestId("skill-status")).toHaveTextContent("Certified"));
    expect(screen.getByRole("status")).toHaveTextContent("Skill certified");
  });

  it("a problem loading shows its detail and correlation id", async () => {
    fakeBackend({
      "GET /api/v1/genesis/skills/1": { status: 503, body: { type: "x", title: "Service Unavailable", status: 503, detail: "Plant is unreachable", correlation_id: "cid-503" } },
    });
    renderAt(<SkillDetailPage />, { path: "/admin/genesis/skills/1", route: "/admin/genesis/skills/:skillId", token: TOKEN });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Plant is unreachable");
    expect(alert).toHaveTextContent("cid-503");
    expect(within(alert).getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });
});

describe("audit dashboard", () => {
  const report: Schemas["AuditDashboard"] = {
    report_id: "r1",
    generated_at: NOW,
    overall_score: 97.54,
    entities_checked: 40,
    compliant_entities: 39,
    non_compliant_entities: 1,
    by_entity_type: [{ entity_type: "agent", checked: 20, compliant: 19, score: 95 }],
    by_principle: [
      { principle_id: "L0-01", title: "Single Governor", passed: 20, failed: 0, score: 100, status: "pass" },
      { principle_id: "L0-03", title: "External Execution Approval", passed: 19, failed: 1, score: 95, status: "partial" },
    ],
    recent_violations: [{ entity_type: "agent", entity_id: "9a1b2c3d-0000", principle_id: "L0-03", detail: "no sandbox", detected_at: NOW }],
    violations_total: 1,
    chain: {
      intact: true,
      entries: 57,
      head_hash: "abc",
      first_broken_sequence: null,
      break_kind: null,
      detail: null,
    },
  };

  it("shows the score, each principle, both charts and the violations", () => {
    renderAt(<AuditDashboardView report={report} />);
    expect(screen.getByTestId("compliance-score")).toHaveTextContent("97.5%");
    const principles = screen.getAllByTestId("principle");
    expect(principles[0]).toHaveTextContent("Pass");
    expect(principles[1]).toHaveTextContent("Partial");
    expect(screen.getByRole("img", { name: /Compliant: 39 of 40; Non-compliant: 1 of 40/ })).toBeInTheDocument();
    expect(screen.getByRole("img", { name: /L0-01: 0; L0-03: 1/ })).toBeInTheDocument();
    expect(screen.getByTestId("violation-row")).toHaveTextContent("no sandbox");
    expect(screen.getByText("Intact")).toBeInTheDocument();
    expect(screen.queryByTestId("chain-break")).toBeNull();
  });

  it("names the first break of a broken chain", () => {
    const broken = {
      ...report,
      chain: { ...report.chain, intact: false, first_broken_sequence: 12, break_kind: "deleted" as const, detail: "entry 12 is missing" },
    };
    renderAt(<AuditDashboardView report={broken} />);
    expect(screen.getByText("Broken")).toBeInTheDocument();
    expect(screen.getByTestId("chain-break")).toHaveTextContent("first break at entry 12 (deleted)");
  });

  it("takes the download name from Content-Disposition", () => {
    expect(downloadName('attachment; filename="audit_report_2026-01-16.csv"')).toBe("audit_report_2026-01-16.csv");
    expect(downloadName(null)).toMatch(/^audit_report_\d{4}-\d{2}-\d{2}\.csv$/);
  });
});
