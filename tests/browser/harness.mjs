// Browser-test harness: runs the built printlab binary on a free port with a
// fresh data dir and demo data, drives Debian's Chromium through playwright-core,
// and offers axe-core checks and screenshots. Tests: `node --test tests/browser/`.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The binary under test: $PRINTLAB_BIN (make test sets it) or bin/printlab. */
export const BIN = process.env.PRINTLAB_BIN || join(root, "bin", "printlab");

export const WORKSTATION = { username: "frontdesk", password: "demo-password-123", name: "Front Desk" };
export const SUPERUSER = { email: "admin@example.com", password: "admin-password-123" };

async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * startServer seeds a temp data dir (`printlab demo`, a superuser) and serves it.
 * Returns {url, dir, stop, token(), adminToken(), api()}.
 */
export async function startServer({ demo = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "printlab-browser-"));
  if (demo) execFileSync(BIN, ["demo", `--dir=${dir}`, `--password=${WORKSTATION.password}`], { stdio: "pipe" });
  execFileSync(BIN, ["superuser", "upsert", SUPERUSER.email, SUPERUSER.password, `--dir=${dir}`], { stdio: "pipe" });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let proc;
  let output = "";
  async function launch() {
    proc = spawn(BIN, ["serve", `--http=127.0.0.1:${port}`, `--dir=${dir}`], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout.on("data", (d) => { output += d; });
    proc.stderr.on("data", (d) => { output += d; });
    const deadline = Date.now() + 20000;
    for (;;) {
      try {
        const r = await fetch(`${url}/api/printlab/health`);
        if (r.ok) break;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`printlab did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async function halt() {
    proc.kill("SIGINT");
    await new Promise((r) => { proc.once("exit", r); setTimeout(r, 5000); });
  }
  await launch();
  const tokens = {};
  async function auth(collection, identity, password) {
    const r = await fetch(`${url}/api/collections/${collection}/auth-with-password`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ identity, password }),
    });
    if (!r.ok) throw new Error(`auth ${collection}: ${r.status} ${await r.text()}`);
    return (await r.json()).token;
  }
  const server = {
    url, dir,
    get proc() { return proc; },
    output: () => output,
    /** token is a workstation (Front Desk) auth token. */
    async token() {
      tokens.ws ??= await auth("workstations", WORKSTATION.username, WORKSTATION.password);
      return tokens.ws;
    },
    /** adminToken is a superuser auth token (for reading hidden fields such as email bodies). */
    async adminToken() {
      tokens.su ??= await auth("_superusers", SUPERUSER.email, SUPERUSER.password);
      return tokens.su;
    },
    /** api calls the server with a token ("ws", "admin" or none) and returns {status, body}. */
    async api(path, { method = "GET", body, as } = {}) {
      const headers = { "Content-Type": "application/json" };
      if (as === "ws") headers.Authorization = await server.token();
      if (as === "admin") headers.Authorization = await server.adminToken();
      const r = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      let json = null;
      try { json = text ? JSON.parse(text) : null; } catch { json = text; }
      return { status: r.status, body: json };
    },
    /** restart stops the server and starts it again on the same port and data: every open connection drops. */
    async restart() {
      await halt();
      await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** launchBrowser starts Debian's headless Chromium with the flags this machine needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--use-gl=swiftshader", "--enable-unsafe-swiftshader"],
  });
}

const axeSource = readFileSync(join(root, "node_modules", "axe-core", "axe.min.js"), "utf8");

/** axeViolations runs axe-core (WCAG 2.1 AA) and returns serious and critical violations. */
export async function axeViolations(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

/** sideScroll is how far the page scrolls sideways at its viewport (0 is right). */
export async function sideScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** shotDir is where screenshots go (outside the repo). */
export const shotDir = process.env.PRINTLAB_SHOTS || join(tmpdir(), "printlab-shots");

/** screenshot saves a full-page PNG under shotDir and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(shotDir, { recursive: true });
  const path = join(shotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** phone and desktop viewports used for screenshots and layout checks. */
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

/** catalogSwatch is the server's "#rrggbb" for colour name, from the public catalog's swatches. */
export async function catalogSwatch(server, name) {
  const cat = await (await fetch(`${server.url}/api/printlab/catalog`)).json();
  const hex = cat.materials.map((m) => m.swatches?.[name]).find(Boolean);
  if (!hex) throw new Error(`no swatch for ${name} in the catalog`);
  return hex;
}

/** cssRGB writes "#rrggbb" as getComputedStyle reports a colour: "rgb(r, g, b)". */
export function cssRGB(hex) {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
}

/** centrePixel is the [r, g, b] drawn at the middle of the canvas at selector (a viewer frames its model there). */
export async function centrePixel(page, selector) {
  return page.evaluate((sel) => {
    const src = document.querySelector(sel);
    const c = document.createElement("canvas");
    c.width = src.width;
    c.height = src.height;
    const g = c.getContext("2d");
    g.drawImage(src, 0, 0);
    return [...g.getImageData(src.width >> 1, src.height >> 1, 1, 1).data.slice(0, 3)];
  }, selector);
}
