// The staff dashboard end to end in Chromium: a job's whole life through the UI,
// two workstations seeing each other live, the new-submission sound, realtime
// reconnection, keyboard-only work, student text rendered as text, and axe-core.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, axeViolations, sideScroll, screenshot, WORKSTATION, DESKTOP, PHONE } from "./harness.mjs";
import { deskServer, submitJob, signIn, card, events, BACKROOM } from "./desk-lib.mjs";

let server, browser;
before(async () => {
  server = await deskServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on("dialog", (d) => { throw new Error(`unexpected browser dialog: ${d.message()}`); });
  page.on("pageerror", (e) => console.error("pageerror:", e.message));
  return { context, page };
}

/** chooseStaff picks the "Performing action as" name in the open dialog. */
const chooseStaff = (page, name = "Sam Lee") => page.selectOption("#ad-staff", { label: name });

async function tab(page, status) {
  await page.click(`#tab-${status}`);
  await page.waitForFunction((s) => document.querySelector(`#tab-${s}`).getAttribute("aria-selected") === "true", status);
}

test("a job's whole life through the UI, every event attributed", async () => {
  const job = await submitJob(server, { first: "Life", last: "Cycle" });
  const { context, page } = await newPage();
  await signIn(page, server);
  const c = card(page, job.id);
  await c.waitFor();

  const step = async (action, fill) => {
    await c.locator(`[data-action=${action}]`).click();
    await chooseStaff(page);
    if (fill) await fill();
    await page.click("#ad-submit");
  };
  await step("approve", async () => { await page.fill("#ad-grams", "10"); await page.fill("#ad-hours", "1.2"); });
  await c.waitFor({ state: "detached" });
  await tab(page, "pending");
  await step("confirm", () => page.fill("#ad-reason", "Confirmed in person at the desk"));
  await c.waitFor({ state: "detached" });
  await tab(page, "ready_to_print");
  await step("start");
  await c.waitFor({ state: "detached" });
  await tab(page, "printing");
  await step("complete");
  await c.waitFor({ state: "detached" });
  await tab(page, "completed");
  // 50 g at 10 ¢/g is $5.00, far above the $3.00 quote: the desk is warned first.
  await step("pickup", async () => { await page.fill("#ad-grams", "50"); await page.fill("#ad-reference", "TXN-1234"); });
  await page.locator("#ad-msg").getByText("above the confirmed quote").waitFor();
  await page.click("#ad-accept");
  await c.waitFor({ state: "detached" });
  await tab(page, "picked_up");
  await c.waitFor();

  const evs = await events(server, job.id);
  const types = evs.map((e) => e.type);
  for (const t of ["submit", "approve", "confirm", "start", "complete", "pickup"]) assert.ok(types.includes(t), `event ${t} in ${types}`);
  const ws = (await server.api(`/api/collections/workstations/records?filter=${encodeURIComponent('username="frontdesk"')}`, { as: "admin" })).body.items[0];
  for (const e of evs.filter((x) => x.type !== "submit")) {
    assert.equal(e.staff, server.staff["Sam Lee"], `${e.type} names the staff member`);
    assert.equal(e.workstation, ws.id, `${e.type} names the workstation`);
  }
  const pickup = evs.find((e) => e.type === "pickup");
  assert.equal(pickup.details.over_quote_accepted, true);
  await context.close();
});

test("two workstations: claims and moves show live, a stale dialog gets the conflict", async () => {
  const job = await submitJob(server, { first: "Live", last: "Update" });
  const A = await newPage();
  const B = await newPage();
  await signIn(A.page, server);
  await signIn(B.page, server, BACKROOM);
  await card(B.page, job.id).waitFor();
  await card(A.page, job.id).waitFor();

  // A opens its dialog: the claim shows on B's card at once, and with A's name
  // once A chooses it.
  await card(A.page, job.id).locator("[data-action=approve]").click();
  await card(B.page, job.id).locator(".badge-claim", { hasText: "Being handled at Front Desk" }).waitFor({ timeout: 2000 });
  await chooseStaff(A.page);
  await card(B.page, job.id).locator(".badge-claim", { hasText: "Sam Lee at Front Desk" }).waitFor({ timeout: 2000 });
  // B opens its own approval dialog anyway and leaves it open: it says who holds the job.
  await card(B.page, job.id).locator("[data-action=approve]").click();
  await B.page.waitForSelector("#action-dialog[open]");
  await B.page.locator("#action-dialog").getByText(/Sam Lee at Front Desk is handling this job/).first().waitFor();

  await A.page.fill("#ad-grams", "20");
  await A.page.fill("#ad-hours", "2");
  const before = await B.page.evaluate(() => Number(document.querySelector("#tab-pending .tab-count").textContent));
  const answered = A.page.waitForResponse((r) => r.url().endsWith("/approve") && r.request().method() === "POST");
  await A.page.click("#ad-submit");
  await answered;
  const t0 = Date.now();
  await card(B.page, job.id).waitFor({ state: "detached", timeout: 1000 });
  await B.page.waitForFunction((n) => Number(document.querySelector("#tab-pending .tab-count").textContent) === n + 1, before, { timeout: 1000 });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed <= 1000, `B saw the move after ${elapsed} ms`);
  assert.ok(await B.page.locator("#action-dialog[open]").isVisible(), "B's open dialog survives the live update");

  // B's stale dialog: the server's conflict message names A.
  await chooseStaff(B.page, "Alex Kim");
  await B.page.fill("#ad-grams", "30");
  await B.page.fill("#ad-hours", "3");
  await B.page.click("#ad-submit");
  await B.page.locator("#ad-msg").getByText(/approved by Sam Lee at Front Desk/).waitFor();
  await B.page.click("#action-dialog [data-close]");
  await tab(B.page, "pending");
  await card(B.page, job.id).waitFor();
  await A.context.close();
  await B.context.close();
});

test("a new submission plays the sound once and flashes its tab", async () => {
  const { context, page } = await newPage();
  await page.addInitScript(() => {
    window.__tones = 0;
    const Real = window.AudioContext;
    window.AudioContext = class extends Real {
      createOscillator() { window.__tones++; return super.createOscillator(); }
    };
  });
  await signIn(page, server);
  await page.click("#sound-btn").catch(() => {}); // already unlocked by the sign-in click
  const job = await submitJob(server, { first: "Sound", last: "Check" });
  await card(page, job.id).waitFor({ timeout: 2000 });
  assert.equal(await page.evaluate(() => window.__tones), 1);
  assert.ok(await page.locator("#tab-uploaded.flash").count() === 1, "the Uploaded tab flashes");
  // Later changes to the same job stay quiet.
  const r = await server.api(`/api/printlab/jobs/${job.id}/review`, { method: "POST", as: "ws", body: { staff: server.staff["Sam Lee"], expected_status: "uploaded" } });
  assert.equal(r.status, 200);
  await card(page, job.id).locator(".badge-new").waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => window.__tones), 1);
  await context.close();
});

test("after the realtime connection drops, the dashboard catches up", async () => {
  const job = await submitJob(server, { first: "Re", last: "Connect" });
  const { context, page } = await newPage();
  // Keep a handle on the page's event streams, so the test can cut one the way
  // a network drop does: the stream closes and reports an error.
  await page.addInitScript(() => {
    const Real = window.EventSource;
    window.__streams = [];
    window.EventSource = class extends Real {
      constructor(...a) { super(...a); window.__streams.push(this); }
    };
  });
  await signIn(page, server);
  await card(page, job.id).locator(".badge-new").waitFor();
  // While the line is down nothing gets through, reconnection attempts included.
  await page.route("**/api/realtime**", (route) => route.abort("internetdisconnected"));
  await page.evaluate(() => { for (const s of window.__streams) { s.close(); s.onerror?.(new Event("error")); } });
  await page.locator('[data-banner="offline"]').waitFor({ timeout: 5000 });
  const r = await server.api(`/api/printlab/jobs/${job.id}/review`, { method: "POST", as: "ws", body: { staff: server.staff["Sam Lee"], expected_status: "uploaded" } });
  assert.equal(r.status, 200);
  await page.waitForTimeout(500);
  assert.equal(await card(page, job.id).locator(".badge-new").count(), 1, "the change cannot arrive while disconnected");
  await page.unroute("**/api/realtime**");
  await card(page, job.id).locator(".badge-new").waitFor({ state: "detached", timeout: 10000 });
  await page.locator('[data-banner="offline"]').waitFor({ state: "detached" });
  await context.close();
});

test("review and approve with the keyboard only", async () => {
  const job = await submitJob(server, { first: "Key", last: "Board" });
  const { context, page } = await newPage();
  await signIn(page, server);
  await card(page, job.id).waitFor();
  const tabTo = async (pred) => {
    for (let i = 0; i < 15; i++) {
      if (await page.evaluate(pred)) return;
      await page.keyboard.press("Tab");
    }
    throw new Error("could not reach the control with Tab");
  };
  await page.keyboard.press("/");
  await page.keyboard.type(job.short_id);
  await page.keyboard.press("Enter");
  await page.waitForFunction((id) => document.activeElement?.closest(".job")?.id === `job-${id}`, job.id);
  await page.keyboard.press("r");
  await page.waitForSelector("#action-dialog[open]");
  await page.keyboard.press("ArrowDown"); // first active staff member
  await tabTo(() => document.activeElement?.id === "ad-submit");
  await page.keyboard.press("Enter");
  await card(page, job.id).locator(".badge-new").waitFor({ state: "detached" });
  await page.waitForFunction((id) => document.activeElement?.closest(".job")?.id === `job-${id}`, job.id);
  await page.keyboard.press("a");
  await page.waitForSelector("#action-dialog[open]");
  await page.keyboard.press("ArrowDown");
  await tabTo(() => document.activeElement?.id === "ad-grams");
  await page.keyboard.type("15");
  await page.keyboard.press("Tab");
  await page.keyboard.type("2.5");
  await tabTo(() => document.activeElement?.id === "ad-submit");
  await page.keyboard.press("Enter");
  await card(page, job.id).waitFor({ state: "detached" });
  const j = await server.api(`/api/collections/jobs/records/${job.id}`, { as: "admin" });
  assert.equal(j.body.status, "pending");
  assert.equal(j.body.reviewed, true);
  await context.close();
});

test("what students type renders as text; axe-core finds nothing serious; phones don't scroll sideways", async () => {
  const job = await submitJob(server, { first: "<script>window.__xss=1</script>", last: `"><img src=x onerror="window.__xss=2">`, course: "<b>ART</b>" });
  const { context, page } = await newPage();
  await signIn(page, server);
  const c = card(page, job.id);
  await c.waitFor();
  assert.match(await c.locator(".job-name").innerText(), /<script>window.__xss=1<\/script> "><img src=x onerror/);
  assert.equal(await page.locator("#cards img[onerror], #cards script, #cards b").count(), 0);
  await c.locator(".open").click();
  await page.waitForSelector("#detail[open] .facts");
  assert.match(await page.locator("#detail").innerText(), /<b>ART<\/b>/);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(await axeViolations(page), [], "detail panel");
  await screenshot(page, "desk-detail-desktop");
  await page.keyboard.press("Escape");
  assert.deepEqual(await axeViolations(page), [], "dashboard");
  // Every card of a job with a thumbnail shows it (all fetched with one shared file token).
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll("#cards .thumb img")];
    return imgs.length >= 3 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, null, { timeout: 5000 });
  await screenshot(page, "desk-desktop");
  await c.locator("[data-action=approve]").click();
  await page.waitForSelector("#action-dialog[open]");
  assert.deepEqual(await axeViolations(page), [], "approval dialog");
  await page.keyboard.press("Escape");
  await page.setViewportSize(PHONE);
  assert.equal(await sideScroll(page), 0, "no sideways scroll on a phone");
  assert.deepEqual(await axeViolations(page), [], "phone");
  await screenshot(page, "desk-phone");
  await context.close();
});

test("a sign-in that runs out mid-shift asks again and keeps the open dialog", async () => {
  const job = await submitJob(server, { first: "Token", last: "Expiry" });
  const { context, page } = await newPage();
  await signIn(page, server, BACKROOM);
  await card(page, job.id).locator(".open").click();
  await page.waitForSelector("#detail[open] .facts");
  await page.getByRole("button", { name: "Add note" }).first().click();
  await page.fill("#ad-text", "Half-typed note that must survive");
  // An admin resets the workstation's password: its token stops working at once.
  const ws = (await server.api(`/api/collections/workstations/records?filter=${encodeURIComponent('username="backroom"')}`, { as: "admin" })).body.items[0];
  const fresh = "backroom-password-456";
  const r = await server.api(`/api/collections/workstations/records/${ws.id}`, { method: "PATCH", as: "admin", body: { password: fresh, passwordConfirm: fresh } });
  assert.equal(r.status, 200);
  // Choosing the name claims the job: the first request with the dead token.
  await chooseStaff(page, "Alex Kim");
  await page.locator("#signin[open] #signin-msg", { hasText: "expired" }).waitFor();
  await page.fill("#si-pass", fresh);
  await page.click("#signin-submit");
  await page.waitForFunction(() => !document.querySelector("#signin").open);
  assert.equal(await page.inputValue("#ad-text"), "Half-typed note that must survive");
  await page.click("#ad-submit");
  await page.waitForFunction(() => !document.querySelector("#action-dialog").open);
  const j = await server.api(`/api/collections/jobs/records/${job.id}`, { as: "admin" });
  assert.equal(j.body.notes.at(-1).text, "Half-typed note that must survive");
  assert.equal(j.body.notes.at(-1).workstation_name, "Back Room");
  await context.close();
});

test("files open in a slicer through signed links: the helper's printjob:// and the slicers' own deep links", async () => {
  const job = await submitJob(server, { first: "Slicer", last: "Link" });
  const { context, page } = await newPage();
  await signIn(page, server);
  const c = card(page, job.id);
  await c.waitFor();
  await c.locator(".open").click();
  await page.waitForSelector("#detail[open] [data-open=printjob]");
  const opened = async (key) => {
    await page.evaluate(() => { delete document.body.dataset.lastExternalLink; });
    await page.locator(`#detail [data-open=${key}]`).first().click();
    await page.waitForFunction(() => document.body.dataset.lastExternalLink);
    return page.evaluate(() => document.body.dataset.lastExternalLink);
  };
  assert.match(await opened("printjob"), new RegExp(`^printjob://open\\?job=${job.id}&file=model&t=[A-Za-z0-9_.-]{20,400}$`));
  const orca = await opened("orcaslicer");
  assert.match(orca, /^orcaslicer:\/\/open\?file=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fdl%2F/);
  // The deep link's URL serves the sanitized model to anyone holding it, with no sign-in.
  const dl = decodeURIComponent(orca.slice("orcaslicer://open?file=".length));
  const res = await fetch(dl);
  assert.equal(res.status, 200);
  assert.match(dl, /_Filament_.*\.3mf$/);
  assert.ok(await page.locator("#detail [data-open^=bambustudio]").count() >= 1);
  // Each link was recorded on the job's history as a file being opened.
  const evs = await events(server, job.id);
  assert.ok(evs.filter((e) => e.type === "file_opened").length >= 2, "file_opened events");
  await context.close();
});
