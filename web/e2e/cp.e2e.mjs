// The CP customer workflow of the plan (CP-001, CP-002, CP-003) in a real browser against
// real Plant and CP: browse, search and filter the marketplace, open a profile, start a
// trial through the modal (signing in on the way), execute a task and watch it finish,
// and be refused a second trial of the same agent.
import { assert, assertFitsNarrow, assertLabelled, env, expectCount, expectText, expectVisible, run, shot } from "./lib.mjs";

const CP = env("CP_URL");
const TOKEN = env("CP_TOKEN");
const AGENT = "Email Marketing Agent";

const cards = (page) => page.getByTestId("agent-card");
const card = (page, name) => cards(page).filter({ has: page.getByRole("heading", { name }) });

async function cardNames(page) {
  return cards(page).getByRole("heading").allTextContents();
}

await run("cp", [
  ["the marketplace shows the agents as cards", async (page) => {
    await page.goto(`${CP}/marketplace`);
    await expectCount(cards(page), (n) => n === 3, "three agent cards");
    const c = card(page, AGENT);
    await expectText(c.locator(".avatar"), /^EM$/);
    await expectText(c, /Marketing · B2B SaaS/);
    await expectText(c, /No ratings yet|★/);
    await expectText(c, /Available/);
    await expectVisible(c.getByTestId("activity"));
    await expectText(c, /₹12,000\/month/);
    await expectVisible(c.getByRole("button", { name: `Try ${AGENT} for free` }));
    await assertLabelled(page);
    await shot(page, "cp-marketplace");
  }],
  ["search, filters and sort", async (page) => {
    await page.getByRole("searchbox", { name: "Search" }).fill("healthcare");
    await page.getByRole("searchbox", { name: "Search" }).press("Enter");
    await expectCount(cards(page), (n) => n === 1, "one card for 'healthcare'");
    assert.deepEqual(await cardNames(page), ["Healthcare Content Agent"]);
    await page.getByRole("button", { name: "Clear" }).click();
    await expectCount(cards(page), (n) => n === 3, "all three cards again");
    await page.getByLabel("Sort by").selectOption("price_desc");
    await expectText(cards(page).first(), /Healthcare Content Agent/);
    await page.getByLabel("Max price (₹/month)").fill("12500");
    await page.getByRole("button", { name: "Search" }).click();
    await expectCount(cards(page), (n) => n === 2, "two agents at or under ₹12,500");
    assert.deepEqual(await cardNames(page), [AGENT, "Social Media Agent"]);
    await page.getByLabel("Industry").selectOption({ label: "Marketing" });
    await expectCount(cards(page), (n) => n === 2, "the same two in Marketing");
    await page.getByLabel("Rating").selectOption("4");
    await expectVisible(page.getByText("No agents match your search."));
    await page.getByRole("button", { name: "Clear" }).click();
    await expectCount(cards(page), (n) => n === 3, "all three cards again");
    await assertFitsNarrow(page, "cp-marketplace");
  }],
  ["the agent's profile", async (page) => {
    await card(page, AGENT).getByRole("link", { name: AGENT, exact: true }).click();
    await page.waitForURL(/\/marketplace\/agents\/[0-9a-f-]{36}$/);
    await expectVisible(page.getByRole("heading", { name: AGENT, level: 1 }));
    await expectCount(page.getByTestId("skills").getByRole("listitem"), (n) => n >= 2, "the agent's skills");
    await expectVisible(page.getByRole("button", { name: "Start 7-Day Trial" }));
    await shot(page, "cp-agent-profile");
  }],
  ["start a trial: the modal, sign-in on the way, then the dashboard", async (page) => {
    await page.getByRole("button", { name: "Start 7-Day Trial" }).click();
    const dialog = page.getByRole("dialog", { name: `Try ${AGENT} for 7 days free` });
    await expectText(dialog, /Keep all deliverables even if you cancel/);
    await expectText(dialog, /No credit card required/);
    await dialog.getByRole("button", { name: "Start Trial" }).click();
    await page.waitForURL(/\/signin$/);
    await shot(page, "cp-signin");
    await page.getByLabel("Bearer token").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/marketplace\/agents\/[0-9a-f-]{36}$/);
    await page.getByRole("button", { name: "Start 7-Day Trial" }).click();
    await expectVisible(dialog);
    await shot(page, "cp-trial-modal");
    // Escape closes the dialog (keyboard use), and it opens again
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Start 7-Day Trial" }).click();
    await dialog.getByRole("button", { name: "Start Trial" }).click();
    await page.waitForURL(/\/trials\/[0-9a-f-]{36}\/dashboard$/);
    await expectVisible(page.getByText("Your 7-day trial has started."));
    await expectText(page.getByTestId("countdown"), /^6 days 23 hours \d+ minutes? \d+ seconds? remaining$/);
    await expectText(page.getByTestId("deliverables-count"), /^0$/);
    await expectVisible(page.getByText("No deliverables yet: execute your first task."));
  }],
  ["execute a task: bad context shown beside its field, then live status to a result with cost", async (page) => {
    await page.getByRole("textbox", { name: "Task" }).fill("Analyze competitor pricing for SaaS products");
    await page.getByLabel("Context (JSON)").fill('{"industry": "B2B SaaS",');
    await page.getByRole("button", { name: "Execute Task" }).click();
    const contextField = page.locator(".field", { has: page.getByLabel("Context (JSON)") });
    await expectText(contextField.getByTestId("field-error"), /not valid JSON/);
    await page.getByLabel("Context (JSON)").fill('{"industry": "B2B SaaS", "region": "North America"}');
    await assertLabelled(page);
    await page.getByRole("button", { name: "Execute Task" }).click();
    await expectText(page.getByTestId("task-status"), /Pending|Running|Completed/);
    await expectText(page.getByTestId("task-status"), /Completed/, 30000);
    await expectVisible(page.getByTestId("task-result"));
    await expectText(page.getByTestId("task-cost"), /Cost\s*\$\d+\.\d{2}/);
    await expectText(page.getByTestId("deliverables-count"), /^1$/);
    await expectCount(page.getByTestId("deliverables").getByRole("listitem"), (n) => n === 1, "one deliverable");
    await expectCount(page.getByTestId("activity-feed").getByRole("listitem"), (n) => n >= 2, "trial and task activity");
    await shot(page, "cp-trial-dashboard");
    await assertFitsNarrow(page, "cp-trial-dashboard");
  }],
  ["a second trial of the same agent is refused", async (page) => {
    await page.goto(`${CP}/marketplace`);
    await card(page, AGENT).getByRole("button", { name: `Try ${AGENT} for free` }).click();
    const dialog = page.getByRole("dialog", { name: `Try ${AGENT} for 7 days free` });
    await dialog.getByRole("button", { name: "Start Trial" }).click();
    await expectText(dialog.getByRole("alert"), /409/);
    await expectText(dialog.getByRole("alert"), /Correlation id/);
    assert.match(page.url(), /\/marketplace$/, "no navigation on a refused trial");
    await shot(page, "cp-duplicate-trial");
    await dialog.getByRole("button", { name: "Not now" }).click();
  }],
  ["my trials lists it", async (page) => {
    await page.getByRole("link", { name: "My trials" }).click();
    await expectText(page.getByRole("row", { name: new RegExp(AGENT) }), /Active/);
    await shot(page, "cp-trials");
  }],
]);
