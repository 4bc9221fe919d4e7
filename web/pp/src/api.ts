// PP's API, typed by the TypeScript generated from contracts/pp.openapi.yaml.
import type { components, paths } from "@pp-api";
import { makeClient } from "@shared/api.ts";
import type { Tone } from "@shared/ui.tsx";

export const APP = "WAOOAW Platform Admin";
export const pp = makeClient<paths>();

export type Schemas = components["schemas"];
export type CertificationStatus = Schemas["CertificationStatus"];

export const CERTIFICATION: Record<CertificationStatus, { tone: Tone; label: string }> = {
  pending_certification: { tone: "warn", label: "Pending certification" },
  certified: { tone: "ok", label: "Certified" },
  rejected: { tone: "bad", label: "Rejected" },
};

export const AGENT_STATUS: Record<Schemas["AgentStatus"], { tone: Tone; label: string }> = {
  active: { tone: "ok", label: "Active" },
  suspended: { tone: "warn", label: "Suspended" },
  retired: { tone: "neutral", label: "Retired" },
};

export const ALIGNMENT: Record<Schemas["AlignmentStatus"], { tone: Tone; label: string }> = {
  compliant: { tone: "ok", label: "L0 compliant" },
  non_compliant: { tone: "bad", label: "Non-compliant" },
};

// Records keyed by the contract's enums: a value added to the contract fails tsc here
const CATEGORY_LABELS: Record<Schemas["SkillCategory"], string> = {
  technical: "Technical",
  creative: "Creative",
  analytical: "Analytical",
  communication: "Communication",
  domain: "Domain",
};
const SENIORITY_LABELS: Record<Schemas["Seniority"], string> = { junior: "Junior", mid: "Mid", senior: "Senior", lead: "Lead" };

function entries<K extends string>(labels: Record<K, string>): { value: K; label: string }[] {
  return (Object.keys(labels) as K[]).map((value) => ({ value, label: labels[value] }));
}

export const SKILL_CATEGORIES = entries(CATEGORY_LABELS);
export const SENIORITIES = entries(SENIORITY_LABELS);
export const AGENT_STATUSES = entries(
  Object.fromEntries(Object.entries(AGENT_STATUS).map(([k, v]) => [k, v.label])) as Record<Schemas["AgentStatus"], string>,
);
export const CERTIFICATION_STATUSES = entries(
  Object.fromEntries(Object.entries(CERTIFICATION).map(([k, v]) => [k, v.label])) as Record<CertificationStatus, string>,
);
export const PAGE_SIZE = 20;
