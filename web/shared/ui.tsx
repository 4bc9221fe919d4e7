// Building blocks both apps use: badges, loading/empty/error states, labelled fields.
import { useId, type ReactNode } from "react";
import type { ApiError, Violation } from "./problem.ts";

export type Tone = "ok" | "warn" | "bad" | "info" | "neutral";

const ICONS: Record<Tone, string> = { ok: "✓", warn: "●", bad: "✕", info: "ℹ", neutral: "•" };

/** A status shown by colour, an icon and words (never by colour alone). */
export function Badge({ tone, children, label }: { tone: Tone; children: ReactNode; label?: string }) {
  return (
    <span className={`badge badge-${tone}`} aria-label={label}>
      <span aria-hidden="true">{ICONS[tone]}</span> {children}
    </span>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A failed call: the server's detail, its violations not shown elsewhere, and the correlation id. */
export function ProblemAlert({
  error,
  violations,
  onRetry,
}: {
  error: ApiError;
  violations?: readonly Violation[];
  onRetry?: () => void;
}) {
  const p = error.problem;
  const shown = violations ?? p.violations ?? [];
  return (
    <div className="alert alert-bad" role="alert">
      <p className="alert-title">
        <strong>{p.title}</strong>
        {p.status ? <span className="muted"> ({p.status})</span> : null}
      </p>
      {p.detail ? <p>{p.detail}</p> : null}
      {shown.length > 0 ? (
        <ul>
          {shown.map((v, i) => (
            <li key={i}>
              <code>{v.rule}</code>
              {v.field ? <> on <code>{v.field}</code></> : null}: {v.message}
            </li>
          ))}
        </ul>
      ) : null}
      {p.status === 401 ? (
        <p>
          Your token is missing or expired: <a href="/signin">sign in again</a>.
        </p>
      ) : null}
      {p.correlation_id ? (
        <p className="muted small">
          Correlation id: <code data-testid="correlation-id">{p.correlation_id}</code>
        </p>
      ) : null}
      {onRetry ? (
        <button type="button" className="button secondary" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** A notice that appears after an action succeeded. */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="alert alert-ok" role="status">
      {children}
    </div>
  );
}

interface FieldProps {
  label: string;
  hint?: string;
  errors?: readonly Violation[];
  required?: boolean;
  children: (props: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean; required?: boolean }) => ReactNode;
}

/** A label, the control, a hint and the violations about this field, wired for screen readers. */
export function Field({ label, hint, errors, required, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors && errors.length > 0 ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field${errorId ? " field-invalid" : ""}`}>
      <label htmlFor={id}>
        {label}
        {required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {children({ id, "aria-describedby": describedBy, "aria-invalid": errorId ? true : undefined, required })}
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {errorId ? (
        <ul id={errorId} className="field-error" data-testid="field-error">
          {errors!.map((v, i) => (
            <li key={i}>
              <span aria-hidden="true">⚠ </span>
              {v.rule.startsWith("L0") ? <><strong>{v.rule}</strong>{" "}</> : null}
              {v.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Initials for an avatar: "Email Marketing Agent" → "EM". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return ((words[0]?.[0] ?? "?") + (words[1]?.[0] ?? "")).toUpperCase();
}
