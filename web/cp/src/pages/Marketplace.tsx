// The marketplace: search, filters (industry, rating, price, specialty), sort, a card
// grid with pagination, and the trial modal behind each "Try for Free".
import { useEffect, useState, type FormEvent } from "react";
import { call } from "@shared/api.ts";
import { useLoad } from "@shared/hooks.ts";
import { Page } from "@shared/layout.tsx";
import { Pager, useCursorPages } from "@shared/pager.tsx";
import { Empty, Loading, ProblemAlert } from "@shared/ui.tsx";
import { APP, PAGE_SIZE, SORTS, cp, type Schemas } from "../api.ts";
import { AgentCard } from "../components/AgentCard.tsx";
import { TrialModal, type TrialTarget } from "../components/TrialModal.tsx";

interface Filters {
  q: string;
  industry: string;
  minRating: string;
  minPrice: string;
  maxPrice: string;
  specialty: string;
  sort: Schemas["MarketplaceSort"];
}

const NO_FILTERS: Filters = { q: "", industry: "", minRating: "", minPrice: "", maxPrice: "", specialty: "", sort: "rating" };

/** The query parameters for the filters: empty ones left out. */
export function marketplaceQuery(f: Filters, cursor: string | undefined) {
  const specialties = f.specialty
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    q: f.q.trim() || undefined,
    industry: f.industry || undefined,
    min_rating: f.minRating ? Number(f.minRating) : undefined,
    min_price: f.minPrice ? Number(f.minPrice) : undefined,
    max_price: f.maxPrice ? Number(f.maxPrice) : undefined,
    specialty: specialties.length ? specialties : undefined,
    sort: f.sort,
    limit: PAGE_SIZE,
    cursor,
  };
}

export function MarketplacePage() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [industries, setIndustries] = useState<Record<string, string>>({});
  const [trying, setTrying] = useState<TrialTarget | null>(null);
  const pages = useCursorPages(JSON.stringify(filters));
  const agents = useLoad(
    () => call(cp.GET("/api/v1/marketplace/agents", { params: { query: marketplaceQuery(filters, pages.cursor) } })),
    [filters, pages.cursor],
  );

  // the industry filter offers every industry seen so far (CP has no industry list)
  useEffect(() => {
    const seen = agents.data?.items.flatMap((a) => (a.industry ? [[a.industry.slug, a.industry.name] as const] : [])) ?? [];
    if (seen.some(([slug]) => !(slug in industries))) setIndustries((prev) => ({ ...prev, ...Object.fromEntries(seen) }));
  }, [agents.data, industries]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  const set = (patch: Partial<Filters>) => setDraft((d) => ({ ...d, ...patch }));
  // selects apply at once; text fields on submit
  const setNow = (patch: Partial<Filters>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setFilters((f) => ({ ...f, ...patch }));
  };

  return (
    <Page title="Agent marketplace" app={APP}>
      <form className="filters" role="search" aria-label="Search and filter agents" onSubmit={apply}>
        <div>
          <label htmlFor="q">Search</label>
          <input id="q" type="search" placeholder="Name or specialty" value={draft.q} onChange={(e) => set({ q: e.target.value })} />
        </div>
        <div>
          <label htmlFor="industry">Industry</label>
          <select id="industry" value={draft.industry} onChange={(e) => setNow({ industry: e.target.value })}>
            <option value="">All industries</option>
            {Object.entries(industries).map(([slug, name]) => (
              <option key={slug} value={slug}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="min-rating">Rating</label>
          <select id="min-rating" value={draft.minRating} onChange={(e) => setNow({ minRating: e.target.value })}>
            <option value="">Any rating</option>
            {[4, 3, 2, 1].map((n) => (
              <option key={n} value={n}>
                {n}+ stars
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="min-price">Min price (₹/month)</label>
          <input id="min-price" type="number" min={0} inputMode="numeric" value={draft.minPrice} onChange={(e) => set({ minPrice: e.target.value })} />
        </div>
        <div>
          <label htmlFor="max-price">Max price (₹/month)</label>
          <input id="max-price" type="number" min={0} inputMode="numeric" value={draft.maxPrice} onChange={(e) => set({ maxPrice: e.target.value })} />
        </div>
        <div>
          <label htmlFor="specialty">Specialties</label>
          <input id="specialty" placeholder="B2B SaaS, Healthcare" value={draft.specialty} onChange={(e) => set({ specialty: e.target.value })} />
        </div>
        <div>
          <label htmlFor="sort">Sort by</label>
          <select id="sort" value={draft.sort} onChange={(e) => setNow({ sort: e.target.value as Schemas["MarketplaceSort"] })}>
            {Object.entries(SORTS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-actions">
          <button type="submit" className="button">
            Search
          </button>
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {agents.loading ? <Loading what="agents" /> : null}
      {agents.error ? <ProblemAlert error={agents.error} onRetry={agents.reload} /> : null}
      {agents.data && agents.data.items.length === 0 ? <Empty>No agents match your search. Try fewer filters.</Empty> : null}
      {agents.data && agents.data.items.length > 0 ? (
        <>
          <p className="muted small" aria-live="polite">
            {agents.data.items.length} agent{agents.data.items.length === 1 ? "" : "s"} on this page
          </p>
          <ul className="cards" aria-label="Agents">
            {agents.data.items.map((a) => (
              <li key={a.id}>
                <AgentCard agent={a} onTry={(agent) => setTrying({ id: agent.id, name: agent.name })} />
              </li>
            ))}
          </ul>
          <Pager label="Agents" page={pages.page} nextCursor={agents.data.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
        </>
      ) : null}
      <p className="muted small" role="note">
        The list comes from a copy of the agent catalogue refreshed every 30 seconds or so, so an agent created moments ago can take
        that long to appear here (its own page shows it at once).{" "}
        <button type="button" className="button secondary" onClick={agents.reload}>
          Check again
        </button>
      </p>
      <TrialModal agent={trying} onClose={() => setTrying(null)} />
    </Page>
  );
}
