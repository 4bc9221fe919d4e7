// Turning failed calls into something the UI can show: the contract's ProblemDetails
// (both contracts take it from contracts/shared.yaml), and violations keyed by form field.
import type { components as CP } from "@cp-api";
import type { components as PP } from "@pp-api";

export type Problem = PP["schemas"]["ProblemDetails"] | CP["schemas"]["ProblemDetails"];
export type Violation = NonNullable<Problem["violations"]>[number];

/** A failed API call: the problem the server sent, or one made up for a network failure. */
export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = "ApiError";
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
}

function isProblem(value: unknown): value is Problem {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { status?: unknown }).status === "number" &&
    typeof (value as { title?: unknown }).title === "string"
  );
}

/** The problem for a response that failed (its body when it is problem+json). */
export function problemFrom(response: Response, body: unknown): Problem {
  const correlation = response.headers.get("X-Correlation-ID") ?? undefined;
  if (isProblem(body)) {
    return { ...body, correlation_id: body.correlation_id ?? correlation };
  }
  const text = typeof body === "string" && body.trim() ? body.trim().slice(0, 300) : undefined;
  return {
    type: "about:blank",
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text ?? `the server answered ${response.status} without a problem body`,
    correlation_id: correlation,
  };
}

export function networkProblem(error: unknown): Problem {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    type: "about:blank",
    title: "Network error",
    status: 0,
    detail: `the server could not be reached (${reason}); check that it is running and retry`,
  };
}

/** The form field a violation is about: `body.skills[0]` and `body.skills.0` → `skills`. */
export function violationField(violation: Violation): string | null {
  const raw = violation.field;
  if (!raw) return null;
  const path = raw.replace(/^body\.?/, "");
  const head = path.split(/[.[]/)[0];
  return head ? head : null;
}

/** Violations grouped by the fields given; the rest (no field, or another) under `other`. */
export function splitViolations(
  problem: Problem | null,
  fields: readonly string[],
): { byField: Record<string, Violation[]>; other: Violation[] } {
  const byField: Record<string, Violation[]> = {};
  const other: Violation[] = [];
  for (const v of problem?.violations ?? []) {
    const field = violationField(v);
    if (field && fields.includes(field)) (byField[field] ??= []).push(v);
    else other.push(v);
  }
  return { byField, other };
}
