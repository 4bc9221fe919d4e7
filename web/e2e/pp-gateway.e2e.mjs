// The PP portal's Gateway page in a real browser against real Plant, PP and gateway:
// the browser calls the gateway's admin API directly (its CORS allows PP's origin) with the
// portal's token, sees the route group, switches it from blue to green, and sees the
// gateway's answer; denials and budgets sections load.
import { assert, env, expectText, expectVisible, run, shot, signIn } from "./lib.mjs";

const PP = env("PP_URL");
const GATEWAY = env("GATEWAY_URL");
const TOKEN = env("PP_TOKEN");

await run("pp-gateway", [
  ["sign in and connect to the gateway", async (page) => {
    await signIn(page, "pp", PP, TOKEN, "/admin/genesis/skills");
    // the gateway's address as the operator saved it in this browser (the default, port
    // 8003 on PP's host, is not where this test's gateway listens)
    await page.evaluate((url) => localStorage.setItem("waooaw.gateway-url", url), GATEWAY);
    await page.getByRole("link", { name: "Gateway" }).click();
    await expectVisible(page.getByRole("heading", { name: "Gateway" }));
    assert.equal(await page.getByLabel("Gateway URL").inputValue(), GATEWAY);
    const blue = page.locator('[data-testid="route-version"][data-version="blue"]');
    const green = page.locator('[data-testid="route-version"][data-version="green"]');
    await expectText(blue, /Live 100%/);
    await expectText(green, /Idle 0%/);
    await expectVisible(page.getByRole("heading", { name: "Recent policy decisions" }));
    await expectVisible(page.getByRole("heading", { name: "Budgets and spend" }));
  }],
  ["switch blue/green to green", async (page) => {
    await page.getByRole("button", { name: "Switch to green" }).click();
    await expectVisible(page.getByText("now sends all traffic to green"));
    await expectText(page.locator('[data-testid="route-version"][data-version="green"]'), /Live 100%/);
    await expectText(page.locator('[data-testid="route-version"][data-version="blue"]'), /Idle 0%/);
    await expectVisible(page.getByRole("button", { name: "Roll back /api/v1/job-roles" }));
    await shot(page, "pp-gateway-switched");
  }],
]);
