// Swagger UI (/docs) and ReDoc (/redoc) of every service and of the mock, in a browser that
// may reach nothing but 127.0.0.1: the pages must load every script and style from the
// service itself and list the contract's operations.
import { assert, env, expectCount, expectVisible, run, shot } from "./lib.mjs";

// "name=http://127.0.0.1:port,name=..."
const TARGETS = env("DOCS_TARGETS")
  .split(",")
  .map((pair) => pair.split("="));
const blocked = [];
// ReDoc's attribution logo is an <img> from its CDN that removes itself when it fails to
// load: decoration, not an asset the page needs
const DECORATION = new Set(["https://cdn.redoc.ly/redoc/logo-mini.svg"]);

await run("docs", [
  ["the network is 127.0.0.1 only", async (page) => {
    await page.context().route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      // (answered 404 rather than aborted, so the browser's console stays clean)
      if (DECORATION.has(url.href)) return route.fulfill({ status: 404, body: "" });
      blocked.push(url.href);
      return route.abort("internetdisconnected");
    });
  }],
  ...TARGETS.flatMap(([name, base]) => [
    [`${name}: /docs lists the operations`, async (page) => {
      await page.goto(`${base}/docs`);
      await expectCount(page.locator(".opblock"), (n) => n >= 2, "operations in Swagger UI");
      await expectVisible(page.locator(".opblock-summary-path", { hasText: "/health" }));
      await shot(page, `docs-${name}-swagger`);
    }],
    [`${name}: /redoc lists the operations`, async (page) => {
      await page.goto(`${base}/redoc`);
      await expectCount(page.locator("[role=menuitem], li[data-item-id]"), (n) => n >= 2, "operations in ReDoc");
      await shot(page, `docs-${name}-redoc`);
    }],
  ]),
  ["nothing was fetched from outside", async () => {
    assert.deepEqual(blocked, [], "requests to hosts other than 127.0.0.1");
  }],
]);
