// Load figures of BENCHMARKS.md (staff dashboard): the dashboard with 5,000 active jobs.
// Seeding takes a few seconds of Go, so this runs on request:
//   PRINTLAB_BENCH=1 PRINTLAB_BIN=bin/printlab node --test tests/browser/desk-perf.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { launchBrowser, startServer, WORKSTATION, DESKTOP } from "./harness.mjs";
import { signIn } from "./desk-lib.mjs";

const on = !!process.env.PRINTLAB_BENCH;
let server, browser;
before(async () => {
  if (!on) return;
  server = await startServer();
  // Written beside the running server (SQLite WAL), as the data would be after a busy term.
  execFileSync("go", ["run", "./tools/sseload", "seed", "-dir", server.dir, "-n", "5000"], { stdio: "inherit" });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("5,000 active jobs: first tab, tab switch, JavaScript before first render", { skip: !on && "set PRINTLAB_BENCH=1" }, async () => {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  await signIn(page, server, WORKSTATION);
  const runs = [];
  for (let i = 0; i < 3; i++) {
    await page.goto(`${server.url}/desk/`);
    await page.waitForSelector("body[data-ready] #cards .job");
    runs.push(await page.evaluate(() => {
      const mark = performance.getEntriesByName("desk-first-render")[0].startTime;
      const js = performance.getEntriesByType("resource")
        .filter((r) => /\.m?js(\?|$)/.test(r.name) && r.responseEnd <= mark)
        .reduce((n, r) => n + (r.transferSize || r.encodedBodySize), 0);
      const nav = performance.getEntriesByType("navigation")[0];
      return { firstRender: mark, js: js + 0, cards: document.querySelectorAll("#cards .job").length, html: nav.transferSize };
    }));
  }
  // Tab switches once the desk has settled (the other tabs' first pages prefetched).
  await page.waitForSelector("body[data-prefetched]");
  const switches = [];
  for (const s of ["pending", "ready_to_print", "printing", "completed", "uploaded", "pending"]) {
    switches.push(await page.evaluate(async (status) => {
      const t0 = performance.now();
      document.querySelector(`#tab-${status}`).click();
      await new Promise((r) => { const c = () => (document.querySelector("#cards").dataset.status === status ? r() : requestAnimationFrame(c)); c(); });
      return performance.now() - t0;
    }, s));
  }
  const counts = await page.evaluate(() => [...document.querySelectorAll(".tab-count")].map((n) => n.textContent).join(" "));
  const worst = Math.max(...runs.map((r) => r.firstRender));
  const worstSwitch = Math.max(...switches);
  console.log(JSON.stringify({ runs, switches: switches.map((x) => Math.round(x)), counts }));
  assert.ok(runs.every((r) => r.cards === 50), "50 cards per page");
  assert.ok(worst <= 1500, `first tab rendered after ${worst} ms`);
  assert.ok(worstSwitch <= 200, `tab switch took ${worstSwitch} ms`);
  assert.ok(runs[0].js <= 150 * 1024, `${runs[0].js} bytes of JavaScript before the first render`);
  assert.equal(await page.evaluate(() => performance.getEntriesByType("resource").some((r) => r.name.includes("/vendor/three/"))), false, "three.js only with the viewer");
  await context.close();
});
