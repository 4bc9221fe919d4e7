// What the end-to-end scripts share: Debian's chromium driven by playwright-core
// (headless, no sandbox, no background networking, a fresh profile), steps that leave
// a screenshot when they fail, and small polling assertions.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SHOTS = resolve(process.env.E2E_SCREENSHOTS ?? "../artifacts/screenshots");
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 15000);

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the e2e scripts are run by tests/web/test_e2e.py, which sets it`);
  return value;
}

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "waooaw-e2e-"));
  mkdirSync(SHOTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/status of (401|404|409|422)/.test(msg.text())) problems.push(`console error: ${msg.text()}`);
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, problems, close };
}

/** Run the named steps in order; on failure save a screenshot and exit 1. */
export async function run(app, steps) {
  const { page, problems, close } = await launch();
  rmSync(join(SHOTS, `${app}-FAILED.png`), { force: true });
  let failed = false;
  const started = Date.now();
  for (const [name, fn] of steps) {
    const t0 = Date.now();
    try {
      await fn(page);
      console.log(`ok   ${app}: ${name} (${Date.now() - t0} ms)`);
    } catch (error) {
      failed = true;
      console.error(`FAIL ${app}: ${name}\n${error?.stack ?? error}`);
      await page.screenshot({ path: join(SHOTS, `${app}-FAILED.png`), fullPage: true }).catch(() => {});
      console.error(`at ${page.url()}; screenshot ${join(SHOTS, `${app}-FAILED.png`)}`);
      break;
    }
  }
  if (!failed && problems.length) {
    failed = true;
    console.error(`FAIL ${app}: the browser reported errors:\n${problems.join("\n")}`);
  }
  await close();
  console.log(`${app}: ${failed ? "failed" : "passed"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = failed ? 1 : 0;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Wait until the locator's text matches. */
export async function expectText(locator, pattern, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last = "";
  while (Date.now() < deadline) {
    last = (await locator.first().textContent().catch(() => "")) ?? "";
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`expected text matching ${pattern}, saw ${JSON.stringify(last)}`);
}

export async function expectVisible(locator, timeout = TIMEOUT) {
  await locator.first().waitFor({ state: "visible", timeout });
}

export async function expectCount(locator, predicate, description, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let n = 0;
  while (Date.now() < deadline) {
    n = await locator.count();
    if (predicate(n)) return n;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`expected ${description}, found ${n}`);
}

export async function signIn(page, app, baseUrl, token, landing) {
  await page.goto(`${baseUrl}${landing}`);
  await page.waitForURL(/\/signin$/);
  await expectVisible(page.getByRole("heading", { name: "Sign in" }));
  await shot(page, `${app}-signin`);
  await page.getByLabel("Bearer token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === landing);
  assert.ok(!page.url().includes(token.slice(-20)), "the token must never be in the URL");
}

/** Every form control on the page has an accessible name. */
export async function assertLabelled(page) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea")]
      .filter((el) => el.type !== "hidden")
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
      .map((el) => el.outerHTML.slice(0, 120)),
  );
  assert.deepEqual(unlabelled, [], "form controls without a label");
}

/** Nothing on the page is wider than a phone's screen. */
export async function assertFitsNarrow(page, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(150);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await shot(page, `${name}-narrow`);
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than a 390px screen`);
}

export { assert };
