// The dashboard's CSV export and the analytics page in Chromium: this month's
// payments download with the workstation's sign-in under the server's file
// name; a backwards range is explained in the dialog; the analytics page shows
// the demo lab's figures with its charts; both pass axe-core and fit a phone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { launchBrowser, axeViolations, sideScroll, screenshot, DESKTOP, PHONE } from "./harness.mjs";
import { deskServer, signIn } from "./desk-lib.mjs";

let server, browser;
before(async () => {
  server = await deskServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("payments export to a spreadsheet from the dashboard", async () => {
  const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("pageerror:", e.message));
  await signIn(page, server);

  await page.click("#export-btn");
  await page.waitForSelector("#export[open]");
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  assert.equal(await page.inputValue("#ex-from"), `${now.getFullYear()}-${pad(now.getMonth() + 1)}-01`, "the range starts on the 1st");
  assert.equal(await page.inputValue("#ex-to"), `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, "desk-export-desktop");

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-payments")]);
  assert.match(download.suggestedFilename(), /^printlab-payments-\d{4}-\d{2}-01-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync(await download.path(), "utf8").replace(/^\ufeff/, "");
  const lines = csv.trim().split(/\r?\n/);
  assert.match(lines[0], /^paid_at,short_id,first_name,last_name,email/);
  // The demo's picked-up job (Noah Williams) was paid when the demo was made.
  assert.ok(lines.some((l) => l.includes("Noah") && l.includes("Williams") && /,no,/.test(l)), csv);
  await page.locator(".toast", { hasText: "Saved printlab-payments-" }).waitFor();

  // A range that ends before it starts is explained, and nothing downloads.
  await page.fill("#ex-from", `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`);
  await page.fill("#ex-to", `${now.getFullYear() - 1}-01-01`);
  await page.click("#export-jobs");
  await page.locator("#export-error", { hasText: "The To day is before the From day" }).waitFor();
  assert.equal(await page.getAttribute("#ex-to", "aria-invalid"), "true", "the dates are marked");
  await page.fill("#ex-to", `${now.getFullYear()}-12-31`);
  assert.equal(await page.textContent("#export-error"), "", "the message goes once a date changes");
  await context.close();
});

test("the export dialog fits a phone", async () => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await signIn(page, server);
  await page.click("#export-btn");
  await page.waitForSelector("#export[open]");
  assert.equal(await sideScroll(page), 0, "no sideways scrolling");
  assert.ok(await page.locator("#export-payments").isVisible());
  await screenshot(page, "desk-export-phone");
  await context.close();
});

test("analytics: the figures of the demo lab, two charts, tables; at desktop and phone widths", async () => {
  for (const [viewport, name] of [[DESKTOP, "desktop"], [PHONE, "phone"]]) {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await signIn(page, server);
    await page.click("#analytics-link");
    await page.waitForSelector("body[data-ready]");
    // The demo lab: eleven submissions within the last 13 weeks; two paid pickups (one since archived).
    const api = await page.evaluate(async () => {
      const p = new URLSearchParams(location.search);
      const r = await fetch(`/api/printlab/analytics?${p}`, { headers: { Authorization: JSON.parse(localStorage.pocketbase_auth).token } });
      return r.json();
    });
    assert.equal(api.totals.submitted, 11);
    const tiles = await page.locator("#tiles .tile").allInnerTexts();
    assert.ok(tiles.some((t) => /Submitted\s+11/.test(t)), tiles.join(" | "));
    assert.ok(tiles.some((t) => /Paid and picked up\s+2/.test(t)), tiles.join(" | "));
    assert.equal(await page.locator("#chart-weeks canvas").count(), 1, "the weekly chart is drawn");
    assert.equal(await page.locator("#chart-months canvas").count(), 1, "the monthly chart is drawn");
    // The demo's rejection reason and the backlog table.
    await page.locator("#tbl-reasons", { hasText: "Too large for the printer" }).waitFor();
    assert.match(await page.locator("#tbl-backlog").innerText(), /Uploaded/);
    assert.equal(await sideScroll(page), 0, "no sideways scrolling");
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, `desk-analytics-${name}`);
    // Each table's scrolling region has a name of its own (no two landmarks alike).
    const regions = await page.evaluate(() => [...document.querySelectorAll("[role=region], section[aria-labelledby]")]
      .map((n) => n.getAttribute("aria-label") || document.getElementById(n.getAttribute("aria-labelledby"))?.textContent));
    assert.equal(new Set(regions).size, regions.length, regions.join(" | "));
    // A period that ends before it starts is explained; the old figures are greyed, not passed off as new.
    await page.selectOption("#an-preset", "");
    await page.fill("#an-from", "2026-03-01");
    await page.fill("#an-to", "2026-02-01");
    await page.click("#range button[type=submit]");
    await page.locator("#range-error", { hasText: "The To day is before the From day" }).waitFor();
    assert.equal(await page.getAttribute("#an-to", "aria-invalid"), "true");
    assert.ok(await page.locator("#figures.stale").count() === 1, "the previous figures are greyed");
    // A shorter period reloads the figures and keeps the range in the URL.
    await page.selectOption("#an-preset", "28");
    await page.waitForFunction(() => new URLSearchParams(location.search).get("from") !== null);
    await page.waitForFunction(() => !document.querySelector("#figures").classList.contains("stale"));
    assert.equal(await page.textContent("#range-error"), "");
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("analytics without a signed-in workstation points to the dashboard", async () => {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  await page.goto(`${server.url}/desk/analytics.html`);
  await page.locator("#signin-needed a[href='/desk/']").waitFor();
  assert.equal(await page.locator("#figures").isVisible(), false);
  await context.close();
});
