// The built binary serves its pages and the shared design system in a real browser.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser } from "./harness.mjs";

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("front page loads in Chromium with the vendored libraries", async () => {
  const page = await browser.newPage();
  const failed = [];
  page.on("response", (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
  await page.goto(server.url + "/");
  assert.match(await page.title(), /3D print request/);
  const ok = await page.evaluate(async () => {
    const m = await import("/vendor/pocketbase.es.mjs");
    return typeof m.default === "function";
  });
  assert.equal(ok, true, "the PocketBase SDK is served from /vendor");
  const css = await (await fetch(server.url + "/shared/base.css")).text();
  assert.match(css, /--c-accent|tokens\.css/);
  assert.deepEqual(failed, []);
  await page.close();
});
