// The PP admin workflow of the plan (PP-002, PP-003, PP-004) in a real browser against
// real Plant and PP: sign in, create and certify skills and a job role, fail to create
// an agent that breaks L0-04 (shown beside Skills), create it properly, see it in the
// table and on its page, run the audit and export the CSV.
import { readFileSync } from "node:fs";
import { assert, assertFitsNarrow, assertLabelled, env, expectCount, expectText, expectVisible, run, shot, signIn } from "./lib.mjs";

const PP = env("PP_URL");
const TOKEN = env("PP_TOKEN");
const tag = Date.now().toString(36).slice(-5);
const SKILLS = [`Email Copywriting ${tag}`, `A/B Testing ${tag}`];
const PENDING = `Analytics ${tag}`;
const ROLE = `Content Writer ${tag}`;
const AGENT = `Email Marketing Agent ${tag}`;
const UNSANDBOXED = `Outreach Agent ${tag}`;

async function createSkill(page, name, category, certify) {
  await page.goto(`${PP}/admin/genesis/skills`);
  await page.getByRole("link", { name: "New skill" }).click();
  await expectVisible(page.getByRole("heading", { name: "New skill" }));
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Category").selectOption(category);
  await page.getByLabel("Description").fill(`${name}: what the agent can do with it.`);
  await page.getByRole("button", { name: "Submit for certification" }).click();
  await expectVisible(page.getByRole("heading", { name }));
  await expectText(page.getByTestId("skill-status"), /Pending certification/);
  if (!certify) return;
  await page.getByRole("button", { name: "Certify" }).click();
  await expectText(page.getByTestId("skill-status"), /Certified/);
  await expectVisible(page.getByText("Skill certified"));
}

async function pick(page, label, text) {
  const box = page.getByRole("combobox", { name: label });
  await box.fill(text);
  await expectVisible(page.getByRole("option", { name: new RegExp(text) }));
  await box.press("Enter");
}

await run("pp", [
  ["sign in with a pasted token", async (page) => {
    await signIn(page, "pp", PP, TOKEN, "/admin/genesis/skills");
    await expectText(page.getByTestId("signed-in-as"), /admin@example\.com/);
  }],
  ["create a skill, see it pending (yellow), certify it (green)", async (page) => {
    await page.goto(`${PP}/admin/genesis/skills/new`);
    await assertLabelled(page);
    await shot(page, "pp-skill-new");
    await createSkill(page, SKILLS[0], "creative", true);
    await shot(page, "pp-skill-detail");
    await createSkill(page, SKILLS[1], "analytical", true);
    await createSkill(page, PENDING, "analytical", false);
  }],
  ["the certification queue and the full list", async (page) => {
    await page.goto(`${PP}/admin/genesis/skills`);
    const pendingRow = page.getByRole("row", { name: new RegExp(PENDING) });
    await expectText(pendingRow, /Pending certification/);
    assert.equal(await page.getByRole("row", { name: new RegExp(SKILLS[0]) }).count(), 0, "certified skills are not in the queue");
    await page.getByLabel("Certification status").selectOption("");
    await expectText(page.getByRole("row", { name: new RegExp(SKILLS[0]) }), /Certified/);
    const pendingBg = await pendingRow.locator(".badge").evaluate((el) => getComputedStyle(el).backgroundColor);
    const certifiedBg = await page.getByRole("row", { name: new RegExp(SKILLS[0]) }).locator(".badge").evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(pendingBg, "rgb(254, 249, 195)", "pending is yellow");
    assert.equal(certifiedBg, "rgb(220, 252, 231)", "certified is green");
    await shot(page, "pp-skills");
  }],
  ["create a job role with the typeahead and certify it", async (page) => {
    await page.goto(`${PP}/admin/genesis/job-roles`);
    await page.getByRole("link", { name: "New job role" }).click();
    await page.getByLabel("Name").fill(ROLE);
    await page.getByLabel("Description").fill("Plans and writes marketing emails.");
    await page.getByLabel("Industry").selectOption({ label: "Marketing" });
    await pick(page, "Required skills", SKILLS[0]);
    await page.getByLabel("Seniority").selectOption("mid");
    await assertLabelled(page);
    await page.getByRole("button", { name: "Submit for certification" }).click();
    await page.waitForURL(/\/admin\/genesis\/job-roles$/);
    const row = page.getByRole("row", { name: new RegExp(ROLE) });
    await expectText(row, /Pending certification/);
    await row.getByRole("button", { name: `Certify ${ROLE}` }).click();
    await expectText(row, /Certified/);
    await shot(page, "pp-job-roles");
  }],
  ["an agent missing a required skill is refused: L0-04 shown beside Skills", async (page) => {
    await page.goto(`${PP}/admin/agents`);
    await page.getByRole("link", { name: "Create agent" }).click();
    await expectVisible(page.getByRole("heading", { name: "Create agent" }));
    await page.getByLabel("Name").fill(AGENT);
    assert.ok(await page.getByLabel("Job role").isDisabled(), "job role waits for the industry");
    await page.getByLabel("Industry").selectOption({ label: "Marketing" });
    await page.getByLabel("Job role").selectOption({ label: `${ROLE} (mid)` });
    // the role's required skill was added for us; take it out again with the keyboard
    await expectVisible(page.getByRole("button", { name: `Remove ${SKILLS[0]}` }));
    await pick(page, "Skills", SKILLS[1]);
    await page.getByRole("button", { name: `Remove ${SKILLS[0]}` }).click();
    await page.getByLabel("Governance agent").selectOption("genesis");
    await assertLabelled(page);
    await page.getByRole("button", { name: "Create agent" }).click();
    const skillsField = page.locator(".field", { has: page.getByRole("combobox", { name: "Skills" }) });
    await expectText(skillsField.getByTestId("field-error"), /L0-04/);
    assert.equal(await page.getByRole("combobox", { name: "Skills" }).getAttribute("aria-invalid"), "true");
    await expectVisible(page.getByRole("alert"));
    await expectText(page.getByRole("alert"), /Correlation id/);
    await shot(page, "pp-agent-violation");
  }],
  ["the same form, fixed, creates a compliant agent", async (page) => {
    await pick(page, "Skills", SKILLS[0]);
    await page.getByLabel("Specialties").fill("B2B SaaS, Newsletters");
    await page.getByLabel("Price per month (INR)").fill("12000");
    await page.getByLabel("Trial sandbox URL").fill("https://sandbox.example.com/agents/email");
    await page.getByRole("button", { name: "Create agent" }).click();
    await page.waitForURL(/\/admin\/agents\/[0-9a-f-]{36}$/);
    await expectVisible(page.getByRole("heading", { name: AGENT }));
    await expectText(page.getByTestId("alignment"), /L0\/L1 Compliant/);
    await expectText(page.getByTestId("version-hash"), /^[0-9a-f]{16,}$/);
    await expectCount(page.getByTestId("amendment-row"), (n) => n >= 1, "at least the creation amendment");
    await expectText(page.getByTestId("amendment-row"), /created/);
    await shot(page, "pp-agent-detail");
  }],
  ["an agent without a trial sandbox is created but flagged (L0-03 does not block)", async (page) => {
    await page.goto(`${PP}/admin/agents/new`);
    await page.getByLabel("Name").fill(UNSANDBOXED);
    await page.getByLabel("Industry").selectOption({ label: "Marketing" });
    await page.getByLabel("Job role").selectOption({ label: `${ROLE} (mid)` });
    await page.getByRole("button", { name: "Create agent" }).click();
    await page.waitForURL(/\/admin\/agents\/[0-9a-f-]{36}$/);
    await expectText(page.getByTestId("alignment"), /Non-compliant/);
    await expectText(page.getByRole("listitem").filter({ hasText: "L0-03" }), /Fail/);
  }],
  ["the agent table, its filters and the empty state", async (page) => {
    await page.goto(`${PP}/admin/agents`);
    const row = page.getByRole("row", { name: new RegExp(AGENT) });
    await expectText(row, /Marketing/);
    await expectText(row, /L0 compliant/);
    await expectText(page.getByRole("row", { name: new RegExp(UNSANDBOXED) }), /Non-compliant/);
    await expectText(row, new RegExp(ROLE));
    await page.getByLabel("Status").selectOption("suspended");
    await expectVisible(page.getByText("No agents match these filters."));
    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Industry").selectOption({ label: "Marketing" });
    await expectVisible(page.getByRole("row", { name: new RegExp(AGENT) }));
    await shot(page, "pp-agents");
    await assertFitsNarrow(page, "pp-agents");
  }],
  ["run the audit: score, principles, charts, violations; export CSV", async (page) => {
    await page.goto(`${PP}/admin/audit`);
    await page.getByRole("button", { name: "Run Constitutional Audit" }).click();
    await expectText(page.getByTestId("compliance-score"), /^\d+(\.\d)?%$/);
    await expectCount(page.getByTestId("principle"), (n) => n >= 7, "seven L0 principles");
    await expectText(page.getByTestId("principle").filter({ hasText: "L0-01" }), /Pass/);
    await expectVisible(page.getByRole("img", { name: /compliant vs non-compliant/ }));
    await expectVisible(page.getByRole("img", { name: /Failures by L0 principle/ }));
    // the second agent has no trial sandbox URL: L0-03 is reported
    await expectText(page.getByTestId("violation-row").filter({ hasText: "L0-03" }), /L0-03/);
    await shot(page, "pp-audit");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
    assert.match(download.suggestedFilename(), /^audit_report_\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await download.path(), "utf8");
    assert.match(csv, /^record,sequence,timestamp,entity_type/);
    assert.ok(csv.includes("\nhead,"), "the CSV ends with the signed head row");
    await expectVisible(page.getByText(/Downloaded audit_report_/));
    await assertFitsNarrow(page, "pp-audit");
  }],
  ["an unknown page inside the app, and sign out", async (page) => {
    await page.goto(`${PP}/admin/nowhere`);
    await expectVisible(page.getByRole("heading", { name: "Page not found" }));
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin$/);
    await page.goto(`${PP}/admin/agents`);
    await page.waitForURL(/\/signin$/);
  }],
]);
