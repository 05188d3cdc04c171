// The status and confirm pages in Chromium: a staff action shows up live, the
// emailed confirmation link confirms once and explains itself the second time,
// cancel works until printing starts, and nothing outside the public fields
// ever reaches the student's browser (responses and the realtime stream).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, axeViolations, sideScroll, screenshot, PHONE, WORKSTATION } from "./harness.mjs";
import { studentServer, submit, act, latestEmail, recordedPage } from "./student-lib.mjs";

let server, browser;
before(async () => {
  server = await studentServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const statusPath = (job) => `/status/#${job.id}.${job.key}`;
const pill = (page) => page.textContent("#status-pill");
/** primaryButtons are the labels of the main-action buttons a student can see. */
const primaryButtons = (page) => page.locator(".btn-primary:visible").allTextContents();

test("status live, confirm once, cancel, and no private data in the traffic", async () => {
  const email = "jane.private@student.example.edu";
  const job = await submit(server, { first: "Jane", last: "Secretlast", email });
  const { context, page, seen, sse } = await recordedPage(browser);
  await page.goto(server.url + statusPath(job));
  await page.waitForSelector("#job:not([hidden])");
  assert.equal(await pill(page), "Uploaded");
  assert.match(await page.textContent("#queue"), /review queue/);
  await page.waitForFunction(() => document.querySelector("#live").dataset.live === "on");
  await page.waitForFunction(() => !document.querySelector("#thumb").hidden, null, { timeout: 5000 });
  assert.deepEqual(await axeViolations(page), []);

  // Staff notes and approves: the page changes within a second, without reload.
  await act(server, job.id, "note", "uploaded", { text: "STAFF-SECRET-NOTE" });
  const t0 = Date.now();
  await act(server, job.id, "approve", "uploaded", { grams: 42, hours: 2 });
  await page.waitForFunction(() => document.querySelector("#status-pill").textContent === "Pending confirmation", null, { timeout: 3000 });
  const took = Date.now() - t0;
  assert.ok(took < 1500, `live update took ${took} ms`);
  assert.match(await page.textContent("#details"), /\$4\.20/);
  await screenshot(page, "student-status-pending");

  // The link from the outbox confirms once.
  const mail = await latestEmail(server, job.id, "confirm");
  const token = mail.text.match(/\/confirm\/#([A-Za-z0-9_-]{32})/)[1];
  const confirmPage = await context.newPage();
  await confirmPage.goto(`${server.url}/confirm/#${token}`);
  await confirmPage.waitForSelector("#quote:not([hidden])");
  assert.match(await confirmPage.textContent("#q-price"), /\$4\.20/);
  // The price says what it is and what it covers; confirming is the one main action.
  assert.equal(await confirmPage.textContent("#q-price-box dt"), "Quoted price");
  assert.equal(await confirmPage.textContent("#q-price-note"), "For about 42.0 g of filament and about 2 h of printing.");
  assert.deepEqual(await primaryButtons(confirmPage), ["Confirm and print"]);
  assert.deepEqual(await axeViolations(confirmPage), []);
  await screenshot(confirmPage, "student-confirm");
  // When the network drops the request, the button says what to do in a
  // student's words, and works once the network is back.
  await confirmPage.route("**/api/printlab/confirm/**", (r) => r.abort("internetdisconnected"), { times: 1 });
  await confirmPage.click("#confirm-button");
  await confirmPage.waitForSelector("#message:not([hidden])");
  assert.equal(await confirmPage.textContent("#message"), "We can't reach the lab's website right now. Check your internet connection and try again.");
  assert.ok(await confirmPage.locator("#confirm-button").isEnabled(), "the button can be pressed again");
  const offline = await confirmPage.textContent("#message");
  await confirmPage.click("#confirm-button");
  await confirmPage.waitForFunction((was) => document.querySelector("#message").textContent !== was, offline);
  assert.match(await confirmPage.textContent("#message"), /confirmed/);
  await page.waitForFunction(() => document.querySelector("#status-pill").textContent === "Ready to print", null, { timeout: 3000 });
  assert.match(await page.textContent("#queue"), /print queue/);

  // The second time the link explains itself.
  await confirmPage.reload();
  await confirmPage.waitForSelector("#message:not([hidden])");
  assert.match(await confirmPage.textContent("#message"), /already used/);
  assert.equal(await confirmPage.textContent("h1"), "Quote already confirmed", "the heading says what happened, not \"Confirm your quote\"");
  assert.ok(await confirmPage.locator("#confirm-button").isHidden());
  await screenshot(confirmPage, "student-confirm-used");

  // Cancel with a confirm step.
  await page.click("#cancel-open");
  await page.waitForSelector("#cancel-dialog[open]");
  await page.click("#cancel-keep");
  assert.equal(await pill(page), "Ready to print", "keeping the request changes nothing");
  await page.click("#cancel-open");
  await page.fill("#cancel-reason", "Found one at home");
  await page.click("#cancel-confirm");
  await page.waitForFunction(() => document.querySelector("#status-pill").textContent === "Cancelled");
  assert.ok(await page.locator("#cancel-card").isHidden());

  // Privacy: every JSON response and every realtime message.
  const traffic = seen.join("\n") + "\n" + await sse();
  assert.match(traffic, /pending/, "the recording saw the live messages");
  const staff = (await server.api("/api/collections/staff/records?perPage=200", { as: "admin" })).body.items.map((s) => s.name);
  // The student's own name is in the standard file name; their email is not shown anywhere.
  const forbidden = [email, "STAFF-SECRET-NOTE", "token_hash", "status_key_salt", "confirm_token", WORKSTATION.name, "claim_", "notes", ...staff];
  for (const f of forbidden) assert.ok(!traffic.includes(f), `the student's browser received ${f}`);
  await context.close();
});

test("cancel is refused once printing; the pages fit a 390 px phone", async () => {
  const job = await submit(server, { first: "Pat", size: [30, 30, 30] });
  await act(server, job.id, "approve", "uploaded", { grams: 10, hours: 1 });
  const token = (await latestEmail(server, job.id, "confirm")).text.match(/\/confirm\/#([A-Za-z0-9_-]{32})/)[1];
  const r = await fetch(`${server.url}/api/printlab/confirm/${token}`, { method: "POST" });
  assert.equal(r.status, 200);
  await act(server, job.id, "start", "ready_to_print");

  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.goto(server.url + statusPath(job));
  await page.waitForSelector("#job:not([hidden])");
  assert.equal(await pill(page), "Printing");
  assert.ok(await page.locator("#cancel-card").isHidden(), "no cancel button while printing");
  const refused = await fetch(`${server.url}/api/printlab/status/${job.id}/cancel`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ key: job.key }) });
  assert.equal(refused.status, 409);
  assert.match((await refused.json()).message, /can no longer be cancelled online/);
  assert.ok(await sideScroll(page) <= 0);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, "student-status-phone");

  // Finished: the page shows where, when and how to pick it up, live.
  await act(server, job.id, "complete", "printing");
  await page.waitForSelector("#pickup:not([hidden])", { timeout: 3000 });
  assert.equal(await pill(page), "Completed");
  assert.ok((await page.textContent("#pickup-price")).includes("$3.00"));
  assert.ok(await sideScroll(page) <= 0);
  await screenshot(page, "student-status-completed-phone");

  await page.goto(`${server.url}/confirm/#${token}`);
  await page.waitForSelector("#message:not([hidden])");
  assert.ok(await sideScroll(page) <= 0);
  await page.goto(`${server.url}/confirm/#resend-${job.short_id}`);
  await page.fill("#resend-email", "pat@student.example.edu");
  await page.click("#resend-button");
  await page.waitForFunction(() => document.querySelector("#resend-result").textContent.length > 0);
  assert.match(await page.textContent("#resend-result"), /If the request number and email match/);
  assert.deepEqual(await primaryButtons(page), ["Email me a new link"], "asking for a new link is the main action here");
  assert.ok(await sideScroll(page) <= 0);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, "student-resend-phone");
  await context.close();
});

// The connection drops (the server restarts, or the wifi does) and staff act
// while the page is away: when it is back, the page fetches what it missed.
test("after a dropped connection the status page catches up", async () => {
  const job = await submit(server, { first: "Robin" });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url + statusPath(job));
  await page.waitForFunction(() => document.querySelector("#live").dataset.live === "on");
  assert.equal(await pill(page), "Uploaded");

  // Hold the page off until the change has been made behind its back.
  await page.route("**/api/realtime**", (route) => route.abort());
  await server.restart();
  await page.waitForFunction(() => document.querySelector("#live").dataset.live === "off", null, { timeout: 5000 });
  assert.equal(await page.textContent("#live"), "Reconnecting…");
  await act(server, job.id, "approve", "uploaded", { grams: 10, hours: 1 });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await pill(page), "Uploaded", "the page cannot know yet");

  await page.unroute("**/api/realtime**");
  await page.waitForFunction(() => document.querySelector("#status-pill").textContent === "Pending confirmation", null, { timeout: 10000 });
  await page.waitForFunction(() => document.querySelector("#live").dataset.live === "on");
  await context.close();
});

test("a rejection's reasons read as a plain list under their step; cancel's buttons fit a phone", async () => {
  const job = await submit(server, { first: "Rae", email: "rae@student.example.edu", size: [21, 22, 23] });
  await act(server, job.id, "reject", "uploaded", { reasons: ["Walls too thin", "Not scaled correctly"] });
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.goto(server.url + statusPath(job));
  await page.waitForSelector("#timeline .extra li");
  // Only the steps carry the timeline's dots and line; the reasons are one plain bulleted list.
  const marks = await page.evaluate(() => [...document.querySelectorAll("#timeline li")].map((li) => ({
    nested: !!li.parentElement.closest("li"), dot: getComputedStyle(li, "::before").content !== "none",
  })));
  assert.ok(marks.some((m) => m.nested), "the reasons are listed");
  assert.deepEqual(marks.filter((m) => m.nested && m.dot), [], "no timeline dot on a reason");
  assert.ok(marks.filter((m) => !m.nested).every((m) => m.dot), "every step has its dot");
  // The way forward: a new request, offered kindly, beside the reasons.
  const again = page.getByRole("link", { name: "Send a new request" });
  assert.ok(await again.isVisible(), "a rejected request links to a new one");
  assert.equal(new URL(await again.getAttribute("href"), server.url).href, `${server.url}/`);
  assert.match(await page.textContent("#next-text"), /welcome to send it again/);
  await screenshot(page, "student-status-rejected-phone");
  await context.close();

  // The cancel dialog on a phone: both buttons full width, on screen.
  const other = await submit(server, { first: "Kim", email: "kim@student.example.edu", size: [24, 25, 26] });
  const c2 = await browser.newContext({ viewport: PHONE });
  const p2 = await c2.newPage();
  await p2.goto(server.url + statusPath(other));
  await p2.waitForSelector("#cancel-card:not([hidden]) button");
  await p2.click("#cancel-card button");
  await p2.waitForSelector("#cancel-dialog[open]");
  const widths = await p2.evaluate(() => [...document.querySelectorAll("#cancel-dialog .dialog-foot .btn")].map((b) => {
    const r = b.getBoundingClientRect();
    return { w: r.width, foot: b.parentElement.clientWidth, bottom: r.bottom, vh: innerHeight };
  }));
  assert.equal(widths.length, 2);
  for (const b of widths) {
    assert.ok(b.w >= b.foot - 50, `a full-width button (${b.w} of ${b.foot})`);
    assert.ok(b.bottom <= b.vh, "on screen");
  }
  await c2.close();
});

// Links that can't help: a request that isn't found, a link cut short, an
// unknown or expired confirmation link, an address the site does not have.
// Each names the lab (not the product) and offers a way on.
test("pages for links that fail name the lab and offer a next step", async () => {
  const settings = (await server.api("/api/collections/lab_settings/records?perPage=1", { as: "admin" })).body.items[0];
  const setName = (lab_name) => server.api(`/api/collections/lab_settings/records/${settings.id}`, { method: "PATCH", as: "admin", body: { lab_name } });
  await setName("Hillside Fab Lab");
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const namesTheLab = async (what) => {
    const named = await page.locator("header [data-lab-name]", { hasText: "Hillside Fab Lab" }).waitFor({ timeout: 5000 }).then(() => true, () => false);
    const shown = await page.locator("header [data-lab-name]").textContent({ timeout: 1000 }).catch(() => "no name at all");
    assert.ok(named, `${what}: the header names the lab, not ${shown}`);
    assert.match(await page.title(), / · Hillside Fab Lab$/, `${what}: the tab names the lab`);
  };
  const offersNewRequest = async (what) => {
    const link = page.getByRole("link", { name: "Send a new request" });
    assert.ok(await link.isVisible(), `${what}: a way to a new request`);
    assert.equal(new URL(await link.getAttribute("href"), server.url).href, `${server.url}/`);
  };
  try {
    for (const [what, path] of [["an unknown request", "/status/#nosuchjob00001.wrongkey"], ["a link cut short", "/status/"]]) {
      await page.goto(server.url + path);
      await page.reload(); // the hash alone does not reload
      await page.waitForSelector("#problem-view:not([hidden])");
      await namesTheLab(what);
      await offersNewRequest(what);
      assert.match(await page.getAttribute("#problem-resend", "href"), /^\/confirm\/#resend-$/);
      assert.deepEqual(await axeViolations(page), []);
    }
    await screenshot(page, "student-status-unknown-phone");

    await page.goto(`${server.url}/confirm/#${"x".repeat(32)}`);
    await page.waitForSelector("#message:not([hidden])");
    await namesTheLab("an unknown confirmation link");
    assert.match(await page.textContent("#message"), /don't recognise this confirmation link/);
    assert.equal(await page.textContent("h1"), "Link not recognised");
    assert.deepEqual(await primaryButtons(page), ["Email me a new link"]);

    const res = await page.goto(`${server.url}/stat`);
    assert.equal(res.status(), 404);
    await namesTheLab("an address the site does not have");
    await offersNewRequest("an address the site does not have");
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, "student-notfound-phone");

    // An expired link: the price keeps its label, and the new link is the one main action.
    const job = await submit(server, { first: "Eli", email: "eli@student.example.edu", size: [27, 28, 29] });
    await act(server, job.id, "approve", "uploaded", { grams: 42, hours: 2 });
    const token = (await latestEmail(server, job.id, "confirm")).text.match(/\/confirm\/#([A-Za-z0-9_-]{32})/)[1];
    const r = await server.api(`/api/collections/jobs/records/${job.id}`, { method: "PATCH", as: "admin", body: { confirm_expires: "2020-01-01 00:00:00.000Z" } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await page.goto(`${server.url}/confirm/#${token}`);
    await page.waitForSelector("#message:not([hidden])");
    assert.match(await page.textContent("#message"), /expired/);
    assert.equal(await page.textContent("h1"), "This link has expired");
    await namesTheLab("an expired confirmation link");
    assert.match(await page.title(), /^This link has expired · /);
    assert.equal(await page.textContent("#q-price-box dt"), "Quoted price");
    assert.deepEqual(await primaryButtons(page), ["Email me a new link"]);
    assert.doesNotMatch(await page.textContent("#q-facts"), /Link valid until/, "a dead link does not say until when it works");
    await screenshot(page, "student-confirm-expired-phone");
  } finally {
    await context.close();
    await setName(settings.lab_name);
  }
});
