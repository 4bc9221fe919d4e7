// CP's API, typed by the TypeScript generated from contracts/cp.openapi.yaml.
import type { components, paths } from "@cp-api";
import { makeClient } from "@shared/api.ts";
import type { Tone } from "@shared/ui.tsx";

export const APP = "WAOOAW Marketplace";
export const cp = makeClient<paths>();

export type Schemas = components["schemas"];

export const AVAILABILITY: Record<Schemas["AgentAvailability"], { tone: Tone; label: string }> = {
  available: { tone: "ok", label: "Available" },
  working: { tone: "warn", label: "Working" },
  offline: { tone: "bad", label: "Offline" },
};

export const TRIAL_STATUS: Record<Schemas["TrialStatus"], { tone: Tone; label: string }> = {
  active: { tone: "ok", label: "Active" },
  completed: { tone: "neutral", label: "Completed" },
  converted: { tone: "info", label: "Subscribed" },
  cancelled: { tone: "bad", label: "Cancelled" },
};

export const TASK_STATUS: Record<Schemas["TaskStatus"], { tone: Tone; label: string }> = {
  pending: { tone: "neutral", label: "Pending" },
  running: { tone: "warn", label: "Running" },
  completed: { tone: "ok", label: "Completed" },
  failed: { tone: "bad", label: "Failed" },
};

export const SORTS: Record<Schemas["MarketplaceSort"], string> = {
  rating: "Best rated",
  reviews: "Most reviewed",
  popular: "Most tried",
  price_asc: "Price: low to high",
  price_desc: "Price: high to low",
  name: "Name",
  newest: "Newest",
};

export function formatInr(amount: number | null): string {
  return amount === null ? "Price on request" : `₹${amount.toLocaleString("en-IN")}/month`;
}

export function formatUsd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

export const PAGE_SIZE = 12;
