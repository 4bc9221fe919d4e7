import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeBackend, fakeToken, renderAt } from "@shared/testing.tsx";
import type { Schemas } from "../api.ts";
import { AgentCard } from "../components/AgentCard.tsx";
import { MarketplacePage, marketplaceQuery } from "./Marketplace.tsx";
import { TrialDashboardPage, countdown, parseContext } from "./TrialDashboard.tsx";

const TOKEN = fakeToken("customer@example.com", ["customer"]);
const NOW = "2026-01-16T10:00:00Z";

const agent = (id: string, name: string, over: Partial<Schemas["MarketplaceAgent"]> = {}): Schemas["MarketplaceAgent"] => ({
  id,
  name,
  industry: { id: "i1", name: "Marketing", slug: "marketing" },
  specialty: "B2B SaaS",
  specialties: ["B2B SaaS"],
  price_per_month: 12000,
  rating: 4.8,
  reviews_count: 127,
  trial_signups: 45,
  status: "available",
  activity: { summary: "Posted 23 times today", tasks_completed_24h: 23, tasks_running: 0, last_active_at: NOW },
  ...over,
});

describe("agent card", () => {
  it("shows initials, name, industry, specialty, stars, status, activity and Try for Free", async () => {
    const tried: string[] = [];
    renderAt(<AgentCard agent={agent("a1", "Email Marketing Agent")} onTry={(a) => tried.push(a.id)} />);
    const card = screen.getByRole("article", { name: "Email Marketing Agent" });
    expect(card.querySelector(".avatar")).toHaveTextContent("EM");
    expect(card).toHaveTextContent("Marketing · B2B SaaS");
    expect(within(card).getByText(/Rated/).parentElement).toHaveTextContent("Rated 4.8 out of 5");
    expect(card).toHaveTextContent("★★★★★");
    expect(within(card).getByText("Available")).toHaveClass("badge-ok");
    expect(card).toHaveTextContent("Posted 23 times today");
    expect(card).toHaveTextContent("₹12,000/month");
    await userEvent.click(within(card).getByRole("button", { name: "Try Email Marketing Agent for free" }));
    expect(tried).toEqual(["a1"]);
  });

  it("working is yellow, offline red; unrated agents say so", () => {
    renderAt(
      <>
        <AgentCard agent={agent("a", "Busy Bee", { status: "working", rating: null, reviews_count: 0 })} onTry={() => {}} />
        <AgentCard agent={agent("b", "Night Owl", { status: "offline" })} onTry={() => {}} />
      </>,
    );
    expect(screen.getByText("Working")).toHaveClass("badge-warn");
    expect(screen.getByText("Offline")).toHaveClass("badge-bad");
    expect(screen.getByText("No ratings yet")).toBeInTheDocument();
  });
});

describe("marketplace", () => {
  it("sends the search and filters, shows the grid and the empty state", async () => {
    const calls = fakeBackend({
      "GET /api/v1/marketplace/agents": (request) => {
        const q = new URL(request.url).searchParams.get("q");
        return { body: { items: q === "nothing" ? [] : [agent("a1", "Email Marketing Agent"), agent("a2", "Sales Agent")], next_cursor: null } };
      },
    });
    renderAt(<MarketplacePage />);
    expect(await screen.findAllByRole("article")).toHaveLength(2);
    await screen.findByRole("option", { name: "Marketing" });
    await userEvent.selectOptions(screen.getByLabelText("Industry"), "marketing");
    await waitFor(() => expect(calls.at(-1)?.url.searchParams.get("industry")).toBe("marketing"));
    await userEvent.type(screen.getByRole("searchbox", { name: "Search" }), "nothing{Enter}");
    expect(await screen.findByText(/No agents match your search/)).toBeInTheDocument();
    expect(calls.at(-1)?.url.searchParams.get("q")).toBe("nothing");
  });

  it("says a new agent can take a catalogue refresh to appear, and checks again on demand", async () => {
    let listed = [agent("a1", "Email Marketing Agent")];
    const calls = fakeBackend({ "GET /api/v1/marketplace/agents": () => ({ body: { items: listed, next_cursor: null } }) });
    renderAt(<MarketplacePage />);
    expect(await screen.findAllByRole("article")).toHaveLength(1);
    expect(screen.getByRole("note")).toHaveTextContent(/created moments ago can take that long to appear/);
    listed = [...listed, agent("a2", "Fresh Agent")];
    const before = calls.length;
    await userEvent.click(screen.getByRole("button", { name: "Check again" }));
    expect(await screen.findByRole("article", { name: "Fresh Agent" })).toBeInTheDocument();
    expect(calls.length).toBe(before + 1);
  });

  it("turns the filters into the contract's query parameters", () => {
    const query = marketplaceQuery(
      { q: " seo ", industry: "", minRating: "4", minPrice: "", maxPrice: "15000", specialty: "B2B SaaS, Healthcare", sort: "price_asc" },
      undefined,
    );
    expect(query).toMatchObject({ q: "seo", industry: undefined, min_rating: 4, max_price: 15000, specialty: ["B2B SaaS", "Healthcare"], sort: "price_asc" });
  });

  it("a refused trial is shown in the modal, which stays open", async () => {
    fakeBackend({
      "GET /api/v1/marketplace/agents": { body: { items: [agent("a1", "Email Marketing Agent")], next_cursor: null } },
      "POST /api/v1/trials": {
        status: 409,
        body: { type: "https://waooaw.com/errors/trial-exists", title: "Trial Already Exists", status: 409, detail: "you already have a trial of this agent", correlation_id: "cid-409" },
      },
    });
    renderAt(<MarketplacePage />, { token: TOKEN });
    await userEvent.click(await screen.findByRole("button", { name: "Try Email Marketing Agent for free" }));
    const dialog = screen.getByRole("dialog", { name: "Try Email Marketing Agent for 7 days free" });
    expect(dialog).toHaveTextContent("Keep all deliverables even if you cancel");
    expect(dialog).toHaveTextContent("No credit card required");
    await userEvent.click(within(dialog).getByRole("button", { name: "Start Trial" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("Trial Already Exists (409)");
    expect(alert).toHaveTextContent("cid-409");
    expect(within(dialog).getByRole("link", { name: "Go to my trials" })).toBeInTheDocument();
  });
});

describe("trial dashboard", () => {
  const trial: Schemas["Trial"] = {
    id: "t1",
    agent_id: "a1",
    agent_name: "Email Marketing Agent",
    status: "active",
    trial_mode: true,
    started_at: NOW,
    expires_at: new Date(Date.now() + 7 * 86400_000 - 60_000).toISOString(),
    ended_at: null,
    time_remaining_seconds: 7 * 86400 - 60,
    deliverables_count: 0,
    tasks_count: 0,
    budget: { limit_usd: 5, spent_usd: 0, reserved_usd: 0, remaining_usd: 5 },
    sandbox_url: null,
  };
  const dashboard: Schemas["TrialDashboard"] = {
    trial,
    time_remaining: { total_seconds: trial.time_remaining_seconds, days: 6, hours: 23, minutes: 59, label: "6 days 23 hours remaining" },
    deliverables: [],
    activity: [],
    budget: trial.budget,
    tasks: { pending: 0, running: 0, completed: 0, failed: 0 },
    notice: "Trial mode: tasks run in a sandbox.",
  };
  const task = (status: Schemas["TaskStatus"]): Schemas["Task"] => ({
    id: "k1",
    agent_id: "a1",
    trial_id: "t1",
    status,
    sandbox_mode: true,
    input: { task: "Analyze pricing", context: {} },
    result: status === "completed" ? { summary: "Prices range from $50 to $200" } : null,
    error: null,
    cost_estimate_usd: 0.5,
    cost: status === "completed" ? { compute_usd: 0.3, model_usd: 0.2, total_usd: 0.5, tokens_in: 10, tokens_out: 300 } : null,
    attempts: 1,
    deliverable_id: null,
    created_at: NOW,
    started_at: null,
    finished_at: null,
  });

  it("counts down, refuses bad context beside its field, and follows a task to its result and cost", async () => {
    let polls = 0;
    const calls = fakeBackend({
      "GET /api/v1/trials/t1/dashboard": { body: dashboard },
      "POST /api/v1/agents/a1/execute": {
        status: 202,
        body: { task_id: "k1", agent_id: "a1", trial_id: "t1", status: "pending", sandbox_mode: true, cost_estimate_usd: 0.5, estimated_completion_seconds: 1, created_at: NOW },
      },
      "GET /api/v1/tasks/k1": () => ({ body: task(++polls < 2 ? "running" : "completed") }),
    });
    renderAt(<TrialDashboardPage />, { path: "/trials/t1/dashboard", route: "/trials/:trialId/dashboard", token: TOKEN });
    expect(await screen.findByTestId("countdown")).toHaveTextContent(/^6 days 23 hours 5\d minutes \d+ seconds? remaining$/);
    expect(screen.getByText("No deliverables yet: execute your first task.")).toBeInTheDocument();

    await userEvent.type(screen.getByRole("textbox", { name: "Task" }), "Analyze pricing");
    fireEvent.change(screen.getByLabelText("Context (JSON)"), { target: { value: "[1]" } });
    await userEvent.click(screen.getByRole("button", { name: "Execute Task" }));
    expect(screen.getByLabelText("Context (JSON)")).toHaveAccessibleDescription(/Context must be a JSON object/);
    expect(calls.some((c) => c.method === "POST")).toBe(false);

    await userEvent.clear(screen.getByLabelText("Context (JSON)"));
    await userEvent.click(screen.getByRole("button", { name: "Execute Task" }));
    await waitFor(() => expect(screen.getByTestId("task-status")).toHaveTextContent("Completed"), { timeout: 5000 });
    expect(screen.getByTestId("task-result")).toHaveTextContent("Prices range from $50 to $200");
    expect(screen.getByTestId("task-cost")).toHaveTextContent("$0.50");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ task: "Analyze pricing" });
  });

  it("formats the countdown and parses the context", () => {
    const now = Date.parse(NOW);
    expect(countdown(new Date(now + 86400_000 + 3600_000 + 61_000).toISOString(), now)).toBe("1 day 1 hour 1 minute 1 second remaining");
    expect(countdown(NOW, now + 1)).toBe("Trial ended");
    expect(parseContext("")).toEqual({});
    expect(parseContext('{"a": 1}')).toEqual({ value: { a: 1 } });
    expect(parseContext("[1]").error).toMatch(/JSON object/);
    expect(parseContext("{").error).toMatch(/not valid JSON/);
  });
});
