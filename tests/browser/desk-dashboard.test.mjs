// The staff dashboard end to end in Chromium: a job's whole life through the UI,
// two workstations seeing each other live, the new-submission sound, realtime
// reconnection, keyboard-only work, student text rendered as text, axe-core, and
// the 3D view in the job's colour.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, axeViolations, sideScroll, screenshot, catalogSwatch, centrePixel, WORKSTATION, DESKTOP, PHONE } from "./harness.mjs";
import { deskServer, submitJob, signIn, card, events, openPage, chooseStaff, tab, BACKROOM } from "./desk-lib.mjs";

let server, browser;
before(async () => {
  server = await deskServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const newPage = (viewport = DESKTOP) => openPage(browser, viewport);

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
  await step("confirm", async () => {
    // Confirming for the student agrees to the quote they were sent: the dialog shows it
    // (10 g at 10 ¢/g is below the $3.00 minimum; 1.2 h is rounded up to the half hour).
    const text = await page.textContent("#action-dialog");
    assert.match(text, /Quote: \$3\.00/);
    assert.match(text, /10\.0 g · 1 h 30 min of printing/);
    await page.fill("#ad-reason", "Confirmed in person at the desk");
  });
  await c.waitFor({ state: "detached" });
  await tab(page, "ready_to_print");
  await step("start");
  await c.waitFor({ state: "detached" });
  await tab(page, "printing");
  await step("complete");
  await c.waitFor({ state: "detached" });
  await tab(page, "completed");
  // 50 g at 10 ¢/g is $5.00, far above the $3.00 quote: the desk is warned while
  // typing, and again by the server on saving.
  await step("pickup", async () => {
    await page.fill("#ad-grams", "5");
    assert.equal(await page.isVisible("#ad-over"), false, "no warning at the quoted price");
    await page.fill("#ad-grams", "50");
    await page.locator("#ad-over", { hasText: "more than 20% above the confirmed quote of $3.00" }).waitFor();
    assert.doesNotMatch(await page.textContent("#ad-price"), /of printing/, "pickup prices the weight only");
    // What to charge is read before the payment is taken and its reference typed.
    assert.match(await page.textContent("#ad-price"), /^To charge: \$5\.00 · 50\.0 g of \w+ at \$0\.10\/g$/);
    const [price, reference] = [await page.locator("#ad-price").boundingBox(), await page.locator("#ad-reference").boundingBox()];
    assert.ok(price.y + price.height <= reference.y, `the amount (y ${price.y}) shows above the payment reference (y ${reference.y})`);
    await screenshot(page, "desk-pickup");
    await page.fill("#ad-reference", "TXN-1234");
  });
  await page.locator("#ad-msg").getByText("above the confirmed quote").waitFor();
  await page.click("#ad-accept");
  await c.waitFor({ state: "detached" });
  await tab(page, "picked_up");
  await c.waitFor();
  // A finished job has no age to worry about and no bulk action to select it for.
  assert.equal(await c.locator(".age").count(), 0, "no age badge once picked up");
  assert.equal(await c.locator(".pick").count(), 0, "no selection box where no bulk action applies");

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

test("the 3D view draws the model in the job's colour, a lab's own colour too, and one no longer listed in the default", async () => {
  const mat = server.filament.material;
  const setColors = async (colors) => {
    const r = await server.api(`/api/collections/materials/records/${mat.id}`, { method: "PATCH", as: "admin", body: { colors } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  await setColors([...mat.colors, "Navy Blue"]);
  try {
    const job = await submitJob(server, { first: "Navy", last: "Model", color: "Navy Blue" });
    const navy = await catalogSwatch(server, "Navy Blue");
    // Each look is a new context, so the catalog is read afresh (browsers keep it for a minute).
    const viewOf = async (viewport) => {
      const { context, page } = await newPage(viewport);
      await signIn(page, server);
      await card(page, job.id).locator(".open").click();
      await page.locator("#dt-viewer button", { hasText: "Show 3D view" }).click();
      await page.waitForSelector("#dt-viewer .model-view canvas");
      return { context, page, color: await page.getAttribute("#dt-viewer .model-view", "data-model-color") };
    };
    const desk = await viewOf(DESKTOP);
    assert.equal(desk.color, navy);
    const [r, g, b] = await centrePixel(desk.page, "#dt-viewer canvas");
    assert.ok(b > r && b > g, `a navy model is drawn blue: rgb(${r}, ${g}, ${b})`);
    await desk.page.locator("#dt-viewer").scrollIntoViewIfNeeded();
    await screenshot(desk.page, "desk-detail-viewer-desktop");
    await desk.context.close();
    const phone = await viewOf(PHONE);
    assert.equal(phone.color, navy);
    assert.equal(await sideScroll(phone.page), 0);
    await screenshot(phone.page, "desk-detail-viewer-phone");
    await phone.context.close();

    // The lab drops the colour: the job keeps its name, the view falls back to the default colour.
    await setColors(mat.colors);
    const gone = await viewOf(DESKTOP);
    assert.equal(gone.color, "#ec8028"); // model3d.DefaultColor, as the thumbnails
    await gone.context.close();
  } finally {
    await setColors(mat.colors);
  }
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

test("action dialogs check their fields first, in plain words, clear each error once fixed, and give focus back", async () => {
  const job = await submitJob(server, { first: "Check", last: "Fields" });
  const { context, page } = await newPage();
  await signIn(page, server);
  let sent = 0;
  page.on("request", (r) => { if (/\/api\/printlab\/jobs\/[^/]+\/override$/.test(r.url())) sent++; });
  await card(page, job.id).locator(".open").click();
  await page.waitForSelector("#detail[open] .facts");
  assert.equal(await page.locator("#detail button", { hasText: "Add note" }).count(), 1, "one Add note button in the panel");

  // Override: nothing chosen. Each field says what to do; the alert doesn't repeat it.
  await page.locator("#detail button", { hasText: "Override status" }).click();
  await page.waitForSelector("#action-dialog[open]");
  assert.match(await page.getAttribute("#ad-submit", "class"), /btn-danger/);
  await page.click("#ad-submit");
  assert.equal(await page.textContent("#ad-staff-err"), "Choose who is performing this action.");
  await chooseStaff(page);
  assert.equal(await page.textContent("#ad-staff-err"), "", "the name's error goes once a name is chosen");
  assert.equal(await page.getAttribute("#ad-staff", "aria-invalid"), null);
  await page.click("#ad-submit");
  assert.equal(await page.textContent("#ad-to-err"), "Choose the new status.");
  assert.match(await page.textContent("#ad-reason-err"), /Say why/);
  assert.equal((await page.textContent("#ad-msg")).trim(), "Check the 2 highlighted fields.");
  assert.equal(await page.evaluate(() => document.activeElement.id), "ad-to", "the first field to fix has focus");
  assert.ok(await page.locator("#ad-no-payment").isHidden(), "no payment warning before Picked up is chosen");
  await page.selectOption("#ad-to", "picked_up");
  assert.match(await page.locator("#ad-no-payment").innerText(), /An override records no payment/);
  await page.selectOption("#ad-to", "printing");
  assert.ok(await page.locator("#ad-no-payment").isHidden(), "the payment warning goes with another status");
  assert.equal(await page.textContent("#ad-to-err"), "");
  await page.fill("#ad-reason", "Started on the Prusa by hand");
  assert.equal(await page.textContent("#ad-reason-err"), "");
  assert.equal((await page.textContent("#ad-msg")).trim(), "", "the summary goes with the last error");
  assert.equal(sent, 0, "nothing was sent while fields were missing");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector("#action-dialog").open);
  assert.ok(await page.evaluate(() => document.querySelector("#detail").contains(document.activeElement)), "focus is back in the panel");

  // Approve from the panel: a print time must be entered, and 0 is accepted (as the server does).
  await page.locator("#detail .dt-actions button", { hasText: "Approve" }).click();
  await page.waitForSelector("#action-dialog[open]");
  await chooseStaff(page);
  await page.fill("#ad-grams", "12");
  await page.click("#ad-submit");
  assert.equal(await page.textContent("#ad-hours-err"), "Enter the print time in hours.");
  assert.equal((await page.textContent("#ad-msg")).trim(), "Check the highlighted field.");
  await page.fill("#ad-hours", "0");
  assert.equal(await page.textContent("#ad-hours-err"), "");
  await page.click("#ad-submit");
  await page.waitForFunction(() => !document.querySelector("#action-dialog").open);
  // The panel re-renders for the new status and its Approve button is gone: focus stays in the panel.
  await page.locator("#dt-title .status-pill", { hasText: "Pending confirmation" }).waitFor();
  await page.waitForTimeout(200);
  assert.ok(await page.evaluate(() => document.activeElement !== document.body && document.querySelector("#detail").contains(document.activeElement)),
    `focus after approving: ${await page.evaluate(() => document.activeElement.outerHTML.slice(0, 80))}`);
  await context.close();
});

test("on a phone a long dialog keeps its title and buttons in view; only its body scrolls", async () => {
  const job = await submitJob(server, { first: "Phone", last: "Dialog" });
  const { context, page } = await newPage(PHONE);
  await signIn(page, server);
  await card(page, job.id).locator("[data-action=approve]").click();
  await page.waitForSelector("#action-dialog[open]");
  const layout = () => page.evaluate(() => {
    const r = (s) => document.querySelector(s).getBoundingClientRect();
    const body = document.querySelector("#action-dialog .dialog-body");
    return { title: r("#ad-title"), submit: r("#ad-submit"), scrolls: body.scrollHeight > body.clientHeight, vh: innerHeight };
  });
  let l = await layout();
  assert.ok(l.scrolls, "the approval dialog is taller than a phone, so its body scrolls");
  assert.ok(l.submit.bottom <= l.vh && l.submit.top >= 0, "the Approve button is on screen without scrolling");
  await page.evaluate(() => { const b = document.querySelector("#action-dialog .dialog-body"); b.scrollTop = b.scrollHeight; });
  l = await layout();
  assert.ok(l.title.top >= 0 && l.title.bottom <= l.vh, "the title stays on screen after scrolling the body");
  assert.ok(l.submit.bottom <= l.vh, "so do the buttons");
  await page.click("#ad-submit");
  assert.equal(await page.evaluate(() => document.activeElement.id), "ad-staff", "the first field to fix is focused and scrolled to");
  await context.close();
});

test("every status tab is reachable: all in view on a desk PC, a sideways row with a cue on a phone", async () => {
  const { context, page } = await newPage({ width: 1366, height: 850 });
  await signIn(page, server);
  const tabs = () => page.evaluate(() => {
    const w = document.querySelector(".tabs-wrap").getBoundingClientRect();
    return [...document.querySelectorAll("#tabs .tab")].map((t) => {
      const r = t.getBoundingClientRect();
      return { id: t.id, inside: r.left >= w.left - 0.5 && r.right <= w.right + 0.5 && r.right <= innerWidth };
    });
  });
  const all = await tabs();
  assert.equal(all.length, 9);
  assert.deepEqual(all.filter((t) => !t.inside).map((t) => t.id), [], "no tab is cut off at 1366 px");
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(100);
  assert.equal(await sideScroll(page), 0, "the tab row doesn't push the page sideways");
  const wrap = page.locator(".tabs-wrap");
  assert.equal(await wrap.getAttribute("data-more-right"), "true", "a fade says more tabs are to the right");
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press("9");
  await page.waitForFunction(() => document.querySelector("#tab-archived").getAttribute("aria-selected") === "true");
  await page.waitForFunction(() => {
    const r = document.querySelector("#tab-archived").getBoundingClientRect();
    return r.left >= 0 && r.right <= innerWidth;
  }, null, { timeout: 2000 });
  assert.equal(await wrap.getAttribute("data-more-right"), "false", "at the end of the row the right fade goes");
  assert.equal(await wrap.getAttribute("data-more-left"), "true");
  await context.close();
});

/**
 * searchHintFits says whether the search box shows its whole hint: the text's
 * width in the box's font, plus the room Chromium keeps for the clear button
 * (about 1 em; 1.25 em allowed), within the box's content width.
 */
const searchHintFits = (page) => page.evaluate(() => {
  const q = document.getElementById("q");
  const st = getComputedStyle(q);
  const pen = document.createElement("canvas").getContext("2d");
  pen.font = `${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
  const room = q.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) - 1.25 * parseFloat(st.fontSize);
  return pen.measureText(q.placeholder).width <= room;
});

test("ticking a job brings the bulk bar without moving a card; a bulk move is offered for, and made on, only the jobs it applies to", async () => {
  const done = await submitJob(server, { first: "Bulk", last: "Reviewed" });
  const fresh = [await submitJob(server, { first: "Bulk", last: "NewOne" }), await submitJob(server, { first: "Bulk", last: "NewTwo" })];
  const r = await server.api(`/api/printlab/jobs/${done.id}/review`, { method: "POST", as: "ws", body: { staff: server.staff["Alex Kim"], expected_status: "uploaded" } });
  assert.equal(r.status, 200);
  const { context, page } = await newPage();
  await signIn(page, server);
  await card(page, fresh[1].id).waitFor();
  // Where the cards are on the page (not the window: ticking may scroll it).
  const where = () => page.evaluate((id) => {
    const at = (el) => { const b = el.getBoundingClientRect(); return { x: b.x + scrollX, y: b.y + scrollY, w: b.width, h: b.height }; };
    return { first: at(document.querySelector("#cards .job")), ticked: at(document.getElementById(`job-${id}`)) };
  }, done.id);
  const before = await where();
  await card(page, done.id).locator("input.pick").check();
  await page.locator("#bulkbar").waitFor();
  assert.deepEqual(await where(), before, "the cards stay where they were when the bar appears");
  const bar = await page.locator("#bulkbar").boundingBox();
  const vp = page.viewportSize();
  assert.ok(bar.y >= 0 && bar.y + bar.height <= vp.height, "the bar is in the window");

  // The one job ticked is reviewed already: nothing to mark.
  assert.equal(await page.locator("#bulk-actions button").count(), 0, "no Mark reviewed for a reviewed job");
  assert.match(await page.textContent("#bulk-actions"), /No bulk action applies to this job/);
  for (const j of fresh) await card(page, j.id).locator("input.pick").check();
  const mark = page.locator("#bulk-actions button");
  assert.deepEqual(await mark.allTextContents(), ["Mark reviewed (2 of 3)"]);
  await screenshot(page, "desk-bulkbar");
  await mark.click();
  await page.waitForSelector("#action-dialog[open]");
  assert.match(await page.textContent("#ad-title"), /Mark reviewed · 2 jobs/);
  const listed = await page.textContent("#action-dialog .dialog-body");
  assert.match(listed, /Bulk NewOne/);
  assert.match(listed, /Bulk NewTwo/);
  assert.doesNotMatch(listed, /Bulk Reviewed/, "the reviewed job is not in the move");
  await chooseStaff(page);
  await page.click("#ad-submit");
  await page.waitForFunction(() => !document.querySelector("#action-dialog").open);
  await page.locator(".toast", { hasText: "2 jobs marked reviewed." }).waitFor();
  const reviews = async (j) => (await events(server, j.id)).filter((e) => e.type === "review");
  assert.equal((await reviews(done)).length, 1, "the job already reviewed was not marked again");
  for (const j of fresh) assert.deepEqual((await reviews(j)).map((e) => e.staff), [server.staff["Sam Lee"]]);
  // The jobs the move was made on drop out of the selection; what is left still needs a decision.
  assert.equal(await page.textContent("#bulk-count"), "1 selected");
  assert.equal(await card(page, fresh[0].id).locator("input.pick").isChecked(), false);
  await context.close();
});

test("jobs waiting on the student show how long without the urgency colours; jobs waiting on staff keep them", async () => {
  const job = await submitJob(server, { first: "Waiting", last: "OnStudent" });
  const q = await server.api(`/api/printlab/jobs/${job.id}/approve`, { method: "POST", as: "ws",
    body: { staff: server.staff["Sam Lee"], expected_status: "uploaded", grams: 10, hours: 1 } });
  assert.equal(q.status, 200);
  const { context, page } = await newPage();
  await signIn(page, server);
  // The four urgency colours as the dashboard draws them (SPEC §6: green, yellow, orange, red).
  const urgent = await page.evaluate(() => ["age-green", "age-yellow", "age-orange", "age-red"].map((c) => {
    const s = document.body.appendChild(Object.assign(document.createElement("span"), { className: `age ${c}` }));
    const bg = getComputedStyle(s).backgroundColor;
    s.remove();
    return bg;
  }));
  assert.equal(new Set(urgent).size, 4);
  const ages = () => page.$$eval("#cards .age", (els) => els.map((e) => ({ text: e.textContent, bg: getComputedStyle(e).backgroundColor })));
  const staffSide = await ages();
  assert.ok(staffSide.length >= 3 && staffSide.every((a) => urgent.includes(a.bg)), "uploaded jobs wait on the lab: urgency colours");
  await tab(page, "pending");
  await card(page, job.id).waitFor();
  const studentSide = await ages();
  assert.ok(studentSide.length >= 2, "the demo's quoted job (days old) and this one");
  for (const a of studentSide) {
    assert.ok(!urgent.includes(a.bg), `"${a.text}" is not drawn as late (${a.bg})`);
    assert.match(a.text, /^With student \d/);
  }
  await screenshot(page, "desk-pending");
  await context.close();
});

test("sign-in is padded evenly like the other dialogs; the header names the workstation as who is signed in; the search hint fits", async () => {
  const { context, page } = await newPage({ width: 1280, height: 800 });
  await page.goto(`${server.url}/desk/`);
  await page.waitForSelector("#signin[open]");
  await screenshot(page, "desk-signin");
  const box = (sel) => page.evaluate((s) => { const b = document.querySelector(s).getBoundingClientRect(); return { top: b.top, bottom: b.bottom, left: b.left, height: b.height }; }, sel);
  const body = await box("#signin .dialog-body");
  const first = await box("#signin .dialog-body .field:first-of-type");
  const last = await box("#signin .dialog-body .field:last-of-type");
  const gaps = { top: first.top - body.top, bottom: body.bottom - last.bottom, side: first.left - body.left };
  assert.ok(Math.abs(gaps.top - gaps.bottom) <= 1 && Math.abs(gaps.top - gaps.side) <= 1, `even padding around the fields: ${JSON.stringify(gaps)}`);
  const signinHead = await box("#signin .dialog-head");
  await page.fill("#si-user", WORKSTATION.username);
  await page.fill("#si-pass", WORKSTATION.password);
  await page.click("#signin-submit");
  await page.waitForSelector("body[data-ready]");
  await page.click("#export-btn");
  await page.waitForSelector("#export[open]");
  const exportHead = await box("#export .dialog-head");
  assert.ok(Math.abs(signinHead.height - exportHead.height) <= 1, `sign-in's head (${signinHead.height} px) is as tall as the others' (${exportHead.height} px)`);
  await page.keyboard.press("Escape");

  // The workstation's name is identity beside Sign out, not a filled pill like the selected tab.
  const ws = await page.evaluate(() => {
    const el = document.getElementById("ws-name");
    const st = getComputedStyle(el);
    const selected = getComputedStyle(document.querySelector(".tab[aria-selected=true]"));
    return { text: el.textContent, bg: st.backgroundColor, color: st.color, tabBg: selected.backgroundColor, next: el.nextElementSibling?.id };
  });
  assert.equal(ws.text, "Signed in as workstation Front Desk");
  assert.equal(ws.bg, "rgba(0, 0, 0, 0)", "no filled background");
  assert.notEqual(ws.color, ws.tabBg, "not in the selected tab's colour");
  assert.equal(ws.next, "signout", "next to Sign out");

  assert.ok(await searchHintFits(page), "the search hint is not cut off at 1280 px");
  await page.setViewportSize(PHONE);
  assert.ok(await searchHintFits(page), "nor on a phone");
  await context.close();
});

test("on a phone the filters fold behind a toggle that counts them, and the first card starts near the top", async () => {
  const { context, page } = await newPage(PHONE);
  await signIn(page, server, WORKSTATION, "?method=resin");
  await page.locator("#cards .job").first().waitFor();
  const gap = await page.evaluate(() => document.querySelector("#cards .job").getBoundingClientRect().top - document.querySelector(".tabs-wrap").getBoundingClientRect().bottom);
  assert.ok(gap < 110, `the first card starts ${gap} px below the tabs`);
  assert.ok(await page.locator("#f-method").isHidden(), "the filters are folded");
  const toggle = page.getByRole("button", { name: "Filters (1)", exact: true });
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  assert.ok(await searchHintFits(page), "the search hint fits beside the toggle and its count");
  await screenshot(page, "desk-phone-filters");
  await toggle.click();
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  assert.ok(await page.locator("#f-method").isVisible());
  assert.equal(await page.inputValue("#f-method"), "resin");
  await page.selectOption("#f-method", "");
  await page.getByRole("button", { name: "Filters", exact: true }).waitFor();
  await screenshot(page, "desk-phone-filters-open");
  // A desk PC shows every filter and no toggle.
  await page.setViewportSize(DESKTOP);
  assert.ok(await page.locator("#filters-toggle").isHidden());
  assert.ok(await page.locator("#f-printer").isVisible());
  await context.close();
});

test("the header takes two rows on a phone, the filters one row on a 1024 px screen, and file names wrap between their parts", async () => {
  const { context, page } = await newPage(PHONE);
  await signIn(page, server);
  await page.locator("#cards .job").first().waitFor();
  const rows = await page.evaluate(() => {
    const mid = (el) => { const b = el.getBoundingClientRect(); return (b.top + b.bottom) / 2; };
    const items = [document.querySelector(".brand"), ...document.querySelectorAll("#session > :not([hidden])")].filter((el) => el.getClientRects().length);
    const centres = items.map(mid).sort((a, b) => a - b);
    const count = centres.filter((c, i) => i === 0 || c - centres[i - 1] > 10).length;
    const at = (sel) => Math.round(mid(document.querySelector(sel)));
    return { count, brand: at(".brand"), signout: at("#signout"), analytics: at("#analytics-link"), ws: at("#ws-name") };
  });
  assert.equal(rows.count, 2, `two rows in the header: ${JSON.stringify(rows)}`);
  assert.ok(Math.abs(rows.signout - rows.brand) <= 10, `Sign out sits beside the brand: ${JSON.stringify(rows)}`);
  assert.ok(rows.analytics > rows.brand + 10 && Math.abs(rows.analytics - rows.ws) <= 10, `the links and the workstation share the second row: ${JSON.stringify(rows)}`);
  await screenshot(page, "desk-phone-header");

  await page.setViewportSize({ width: 1024, height: 768 });
  const fields = await page.evaluate(() => [...document.querySelectorAll("#filters .field")].map((f) => {
    const ctl = f.querySelector("input, select");
    return { top: Math.round(f.getBoundingClientRect().top), fits: ctl.tagName !== "SELECT" || ctl.scrollWidth <= ctl.clientWidth };
  }));
  assert.equal(new Set(fields.map((f) => f.top)).size, 1, `every filter on one row: ${JSON.stringify(fields)}`);
  assert.ok(await searchHintFits(page), "the search hint is not cut off at 1024 px");

  // A name too long for its card breaks after an underscore, never inside a
  // part that would fit on a line of its own.
  await page.setViewportSize(PHONE);
  const broken = await page.evaluate(() => [...document.querySelectorAll("#cards .job-file")].flatMap((el) => {
    // Each part of the name ("MayaChen_", "Filament_", …) as a range over the card's text.
    const texts = [];
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(), at = 0; n; at += n.length, n = walk.nextNode()) texts.push({ n, at });
    const point = (i) => { const t = texts.findLast((x) => x.at <= i); return [t.n, i - t.at]; };
    const parts = el.textContent.match(/[^_]+_?/g) || [];
    let start = 0;
    return parts.filter((part) => {
      const r = document.createRange();
      r.setStart(...point(start));
      r.setEnd(...point(start + part.length - 1));
      start += part.length;
      if (new Set([...r.getClientRects()].filter((b) => b.width).map((b) => Math.round(b.top))).size < 2) return false;
      const probe = el.appendChild(Object.assign(document.createElement("span"), { textContent: part }));
      probe.style.whiteSpace = "nowrap";
      const fits = probe.getBoundingClientRect().width <= el.clientWidth;
      probe.remove();
      return fits;
    });
  }));
  const wrapped = await page.evaluate(() => [...document.querySelectorAll("#cards .job-file")].some((el) => el.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(el).lineHeight)));
  assert.ok(wrapped, "some file name is long enough to wrap at this width");
  assert.deepEqual(broken, [], "no part of a file name that fits a line is split across lines");
  await context.close();
});
