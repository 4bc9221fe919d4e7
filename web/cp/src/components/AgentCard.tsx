// A marketplace card, and the pieces the profile page reuses: avatar, stars, status.
import { Link } from "react-router";
import { Badge, initials } from "@shared/ui.tsx";
import { AVAILABILITY, formatInr, type Schemas } from "../api.ts";

export function Avatar({ name, large }: { name: string; large?: boolean }) {
  return (
    <span className={`avatar${large ? " large" : ""}`} aria-hidden="true">
      {initials(name)}
    </span>
  );
}

/** Five stars, filled to the rating, with the number spelled out for screen readers. */
export function Stars({ rating, count }: { rating: number | null; count: number }) {
  if (rating === null) return <span className="muted small">No ratings yet</span>;
  const full = Math.round(rating);
  return (
    <span className="rating">
      <span className="stars" aria-hidden="true">
        {"★".repeat(full)}
        {"☆".repeat(5 - full)}
      </span>{" "}
      <span>
        <span className="sr-only">Rated </span>
        {rating.toFixed(1)}
        <span className="sr-only"> out of 5</span>
      </span>{" "}
      <span className="muted small">({count} reviews)</span>
    </span>
  );
}

export function Availability({ status }: { status: Schemas["AgentAvailability"] }) {
  const { tone, label } = AVAILABILITY[status];
  return <Badge tone={tone}>{label}</Badge>;
}

export function AgentCard({ agent, onTry }: { agent: Schemas["MarketplaceAgent"]; onTry: (agent: Schemas["MarketplaceAgent"]) => void }) {
  return (
    <article className="card agent-card" aria-labelledby={`agent-${agent.id}`} data-testid="agent-card">
      <div className="head">
        <Avatar name={agent.name} />
        <div>
          <h2 id={`agent-${agent.id}`}>
            <Link to={`/marketplace/agents/${agent.id}`}>{agent.name}</Link>
          </h2>
          <span className="muted">
            {agent.industry?.name ?? "No industry"}
            {agent.specialty ? ` · ${agent.specialty}` : ""}
          </span>
        </div>
      </div>
      <Stars rating={agent.rating} count={agent.reviews_count} />
      <div>
        <Availability status={agent.status} />
      </div>
      <p className="small muted" data-testid="activity">
        {agent.activity.summary}
      </p>
      <p className="small">{formatInr(agent.price_per_month)}</p>
      <div className="foot">
        <button type="button" className="button" onClick={() => onTry(agent)} aria-label={`Try ${agent.name} for free`}>
          Try for Free
        </button>
        <Link className="button secondary" to={`/marketplace/agents/${agent.id}`} aria-label={`View ${agent.name}'s profile`}>
          Profile
        </Link>
      </div>
    </article>
  );
}
