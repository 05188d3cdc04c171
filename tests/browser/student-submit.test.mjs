// The submit page end to end in Chromium: the form with its dependent choices,
// validation, a real STL previewed and measured in the browser, the warning
// for a printer it does not fit, the upload's progress, and the success view;
// the chosen colour as a swatch and on the preview.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { launchBrowser, axeViolations, sideScroll, screenshot, catalogSwatch, cssRGB, centrePixel, DESKTOP, PHONE } from "./harness.mjs";
import { studentServer, boxSTL, submit, act } from "./student-lib.mjs";

/** contrast is the WCAG contrast ratio of two colours as getComputedStyle reports them. */
function contrast(a, b) {
  const lum = (css) => {
    const [r, g, bl] = css.match(/\d+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

let server, browser, dir;
before(async () => {
  server = await studentServer();
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), "printlab-student-"));
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a student submits a real STL: preview, size, fit warning, progress, success", async () => {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(server.url + "/");
  await page.waitForSelector("input[name=method]");

  // Submitting empty shows every message and focuses the first field.
  await page.click("#submit-button");
  assert.match(await page.textContent("#first_name-error"), /Enter your first name/);
  assert.match(await page.textContent("#model-error"), /Choose your model file/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "first_name");
  // A missing print method is one error at the method, not three more on what depends on it.
  assert.match(await page.textContent("#method-error"), /Choose a print method/);
  for (const dep of ["material", "color", "printer"]) assert.equal(await page.textContent(`#${dep}-error`), "", `no ${dep} error before a method`);
  // The summary counts the messages the student can see, and an unticked box is marked red.
  const shown = await page.locator(".field-error:not(:empty)").count();
  assert.equal(await page.textContent("#form-error"), `Please correct the ${shown} highlighted fields.`);
  assert.equal(await page.getAttribute("#ack_mm", "aria-invalid"), "true");
  assert.equal(await page.locator("#ack_mm").evaluate((el) => getComputedStyle(el).outlineColor), "rgb(180, 35, 24)");

  await page.fill("#first_name", "Jane");
  await page.fill("#last_name", "<b>Doe</b>");
  await page.fill("#email", "jane@");
  await page.locator("#email").blur();
  assert.match(await page.textContent("#email-error"), /doesn't look like an email/);
  await page.fill("#email", "jane@student.example.edu");
  assert.equal(await page.textContent("#email-error"), "", "the message clears while typing");
  await page.selectOption("#discipline", "Engineering");
  await page.fill("#course", "ENGR 110");

  // Colours and printers follow the method.
  await page.check("input[name=method][value=resin]");
  assert.ok((await page.locator("#color option").allTextContents()).includes("Clear"));
  assert.ok(await page.getByText("Formlabs Form 3").isVisible());
  await page.check("input[name=method][value=filament]");
  assert.ok((await page.locator("#color option").allTextContents()).includes("True Red"));
  // The colour's swatch: none before a colour is chosen, then the server's colour for the name, decorative.
  const swatch = page.locator("#color-swatch");
  assert.equal(await swatch.isVisible(), false, "no swatch before a colour is chosen");
  await page.selectOption("#color", "True Red");
  const red = await catalogSwatch(server, "True Red");
  assert.equal(await swatch.evaluate((el) => getComputedStyle(el).backgroundColor), cssRGB(red));
  assert.equal(await swatch.getAttribute("aria-hidden"), "true");
  assert.equal(await page.locator("label[for=color]").textContent(), "Colour", "the name, not the swatch, labels the list");
  // True Black's chip looks black, not the grey thumbnails lift it to, and its border still sets it off.
  await page.selectOption("#color", "True Black");
  const [chip, edge] = await swatch.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderTopColor]);
  const chipRGB = chip.match(/\d+/g).map(Number);
  assert.ok(chipRGB.every((c) => c <= 40), `True Black's chip is black: ${chip}`);
  assert.ok(contrast(chip, edge) >= 3, `the chip stands off its border: ${chip} against ${edge}`);
  await page.selectOption("#color", "True Red");
  await page.locator(".choice", { hasText: "Prusa MK4S" }).click();
  assert.match(await page.textContent("#printer-options"), /250 × 210 × 220 mm/);

  // A 300 mm long part does not fit the MK4S in any orientation: warned, with printers it fits.
  const file = join(dir, "long bracket.stl");
  writeFileSync(file, boxSTL(300, 40, 20, 60000)); // 3 MB
  assert.match(await page.textContent("#dropzone"), /Choose your model file/);
  await page.setInputFiles("#model", file);
  // The drop zone names the chosen file and offers another, rather than asking again.
  const zone = await page.textContent("#dropzone");
  assert.match(zone, /long bracket\.stl \(2\.9 MB\)/);
  assert.match(zone, /Choose another file/);
  assert.doesNotMatch(zone, /Choose your model file/);
  await page.waitForSelector("#viewer canvas");
  await page.waitForFunction(() => !document.querySelector("#model-facts").hidden);
  assert.equal(await page.textContent("#fact-size"), "300 × 40 × 20 mm");
  assert.equal(await page.textContent("#fact-volume"), "240.0 cm³");
  const warning = await page.textContent("#model-warnings");
  assert.match(warning, /does not fit the Prusa MK4S/);
  assert.match(warning, /fits the Prusa XL/);
  assert.match(await page.textContent("#estimate"), /estimate/i);
  assert.match(await page.textContent("#estimate-value"), /about \$\d+\.\d\d/);
  // The preview is drawn in the chosen colour and follows a change of colour.
  assert.equal(await page.getAttribute("#viewer", "data-model-color"), red);
  const [r, g, b] = await centrePixel(page, "#viewer canvas");
  assert.ok(r > 2 * g && r > 2 * b, `a red model is drawn red: rgb(${r}, ${g}, ${b})`);
  await page.selectOption("#color", "Forest Green");
  const green = await catalogSwatch(server, "Forest Green");
  assert.equal(await swatch.evaluate((el) => getComputedStyle(el).backgroundColor), cssRGB(green));
  assert.equal(await page.getAttribute("#viewer", "data-model-color"), green);
  const [r2, g2, b2] = await centrePixel(page, "#viewer canvas");
  assert.ok(g2 > r2 && g2 > b2, `a green model is drawn green: rgb(${r2}, ${g2}, ${b2})`);
  await screenshot(page, "student-submit-desktop");

  await page.locator(".choice", { hasText: "Prusa XL" }).click();
  await page.waitForFunction(() => !document.querySelector("#model-warnings").textContent.includes("does not fit"));
  await page.check("#ack_min_charge");
  await page.check("#ack_mm");
  assert.deepEqual(await axeViolations(page), []);

  // Upload, slowed down so the progress bar is seen.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 1.5e6 }); // bytes/s
  const progress = [];
  await page.exposeFunction("__progress", (v) => progress.push(v));
  await page.evaluate(() => new MutationObserver(() => window.__progress(document.querySelector("#upload-bar").getAttribute("aria-valuenow")))
    .observe(document.querySelector("#upload-bar"), { attributes: true }));
  await page.click("#submit-button");
  await page.waitForSelector("#upload:not([hidden])");
  await page.waitForSelector("#success-view:not([hidden])", { timeout: 20000 });
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  assert.ok(progress.some((v) => Number(v) > 0 && Number(v) < 100), `progress seen: ${progress.join(",")}`);
  const shortId = await page.textContent("#success-id");
  assert.match(shortId, /^[0-9A-Z]{6}$/);
  assert.match(await page.getAttribute("#success-link", "href"), /^\/status\/#[a-z0-9]+\.[A-Za-z0-9_-]+$/);
  assert.match(await page.textContent("#success-view"), /What happens next/);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, "student-submit-success");

  // The server has the job with the student's text as typed.
  const jobs = await server.api(`/api/collections/jobs/records?filter=short_id="${shortId}"`, { as: "ws" });
  assert.equal(jobs.body.items[0].last_name, "<b>Doe</b>");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a file the browser can't read: a plain explanation, no parser error text", async () => {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  await page.goto(server.url + "/");
  await page.waitForSelector("input[name=method]");
  await page.setInputFiles("#model", { name: "bracket.stl", mimeType: "application/octet-stream", buffer: Buffer.from("this is not an stl file at all".repeat(3)) });
  const note = page.locator("#preview-error");
  await note.waitFor();
  const text = await note.textContent();
  assert.match(text, /could not be read as an STL, OBJ or 3MF model/);
  assert.match(text, /You can still send it/);
  assert.doesNotMatch(text, /buffer|allocation|undefined|Error/i, text);
  await context.close();
});

test("the submit page on a 390 px phone: no sideways scroll, accessible", async () => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.goto(server.url + "/");
  await page.waitForSelector("input[name=method]");
  await page.check("input[name=method][value=filament]");
  await page.selectOption("#color", "True Red");
  await page.setInputFiles("#model", { name: "cube.stl", mimeType: "application/octet-stream", buffer: boxSTL(20, 20, 20) });
  await page.waitForFunction(() => !document.querySelector("#model-facts").hidden);
  // A 20 mm cube costs less than the minimum by weight: the estimate says it is the minimum, not "about".
  assert.equal(await page.textContent("#estimate-value"), "$3.00 — the lab's minimum charge");
  assert.match(await page.textContent("#estimate-note"), /less than the minimum/);
  assert.ok(await sideScroll(page) <= 0, "nothing scrolls sideways at 390 px");
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390));
  assert.deepEqual(await axeViolations(page), []);
  // Text boxes and drop-downs side by side are one height.
  const heights = await page.evaluate(() => [...document.querySelectorAll("main input[type=text], main input[type=email], main select")]
    .filter((e) => e.offsetParent).map((e) => `${e.id || e.name}:${e.getBoundingClientRect().height}`));
  assert.ok(heights.length >= 5, heights.join(" "));
  assert.deepEqual([...new Set(heights.map((x) => x.split(":")[1]))], ["40"], heights.join(" "));
  await screenshot(page, "student-submit-phone");
  await context.close();
});

test("the same file again from the same student: told once, beside the file, with a way to a new link", async () => {
  const email = "twice.sent@student.example.edu";
  const first = await submit(server, { first: "Twice", last: "Sent", email, size: [21, 22, 23] });
  await act(server, first.id, "approve", "uploaded", { grams: 12, hours: 1 });
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  await page.goto(server.url + "/");
  await page.waitForSelector("input[name=method]");
  await page.fill("#first_name", "Twice");
  await page.fill("#last_name", "Sent");
  await page.fill("#email", email);
  await page.selectOption("#discipline", { index: 1 });
  await page.fill("#course", "N/A");
  await page.check("input[name=method][value=filament]");
  await page.selectOption("#color", { index: 1 });
  await page.locator(".choice", { hasText: "Prusa MK4S" }).click();
  await page.setInputFiles("#model", { name: "part.stl", mimeType: "application/octet-stream", buffer: boxSTL(21, 22, 23) });
  await page.waitForFunction(() => !document.querySelector("#model-facts").hidden);
  await page.check("#ack_min_charge");
  await page.check("#ack_mm");
  await page.click("#submit-button");
  await page.locator("#model-error", { hasText: `You already sent this same file as request ${first.short_id}` }).waitFor();
  const link = page.locator("#model-error a");
  assert.equal(await link.textContent(), "No longer have that email? Get a new link.");
  assert.match(await link.getAttribute("href"), new RegExp(`/confirm/#resend-${first.short_id}$`));
  assert.doesNotMatch(await page.textContent("#model-error"), /https?:\/\//, "the address is a link, not text");
  assert.equal(await page.textContent("#form-error"), "Please correct the highlighted field.", "the summary does not repeat the message");
  await screenshot(page, "student-submit-duplicate");
  await context.close();
});

// A message that appears as the student leaves a field must not push down what
// is below it: the click that left the field is on its way to the next one.
test("a field's message appears without moving the fields below it (1280 and 390 px)", async () => {
  for (const viewport of [{ width: 1280, height: 900 }, PHONE]) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await page.waitForSelector("input[name=method]");
    const top = (sel) => page.locator(sel).evaluate((el) => el.getBoundingClientRect().top + scrollY);
    for (const [field, value, below, message] of [
      ["#first_name", "", "#email", /Enter your first name/],
      ["#email", "jane@", "#discipline", /doesn't look like an email/],
      ["#course", "", "#method-field", /Enter a course number, or N\/A/],
    ]) {
      const before = [await top(below), await top("#submit-button")];
      await page.fill(field, value);
      await page.locator(field).blur();
      assert.match(await page.textContent(`${field}-error`), message);
      const after = [await top(below), await top("#submit-button")];
      assert.deepEqual(after, before, `at ${viewport.width} px, ${field}'s message moved ${below} and the send button`);
    }
    await screenshot(page, `student-submit-messages-${viewport.width}`);
    await context.close();
  }
});
