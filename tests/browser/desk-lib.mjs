// Helpers for the dashboard's browser tests: a server with two workstations,
// jobs submitted through the public route, and a signed-in dashboard page.
import { startServer, WORKSTATION, DESKTOP } from "./harness.mjs";

export const BACKROOM = { username: "backroom", password: "backroom-password-123", name: "Back Room" };

/** cubeSTL is a 20 mm binary STL cube, a model every parser accepts. */
export function cubeSTL(size = 20) {
  const v = (x, y, z) => [x * size, y * size, z * size];
  const quads = [
    [[0, 0, 0], [0, 1, 0], [1, 1, 0], [1, 0, 0]], [[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]],
    [[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]], [[0, 1, 0], [0, 1, 1], [1, 1, 1], [1, 1, 0]],
    [[0, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0]], [[1, 0, 0], [1, 1, 0], [1, 1, 1], [1, 0, 1]],
  ];
  const tris = quads.flatMap(([a, b, c, d]) => [[a, b, c], [a, c, d]]);
  const buf = Buffer.alloc(84 + tris.length * 50);
  buf.writeUInt32LE(tris.length, 80);
  tris.forEach((t, i) => {
    const o = 84 + i * 50 + 12;
    t.forEach((p, j) => v(...p).forEach((c, k) => buf.writeFloatLE(c, o + j * 12 + k * 4)));
  });
  return buf;
}

/** deskServer starts PrintLab with demo data, a second workstation and no submit rate limit. */
export async function deskServer() {
  const server = await startServer();
  const settings = await server.api("/api/collections/lab_settings/records?perPage=1", { as: "admin" });
  const sid = settings.body.items[0].id;
  const r = await server.api(`/api/collections/lab_settings/records/${sid}`, { method: "PATCH", as: "admin", body: { submits_per_ip_hour: 0 } });
  if (r.status !== 200) throw new Error(`settings: ${JSON.stringify(r.body)}`);
  const ws = await server.api("/api/collections/workstations/records", {
    method: "POST", as: "admin",
    body: { username: BACKROOM.username, name: BACKROOM.name, password: BACKROOM.password, passwordConfirm: BACKROOM.password },
  });
  if (ws.status !== 200) throw new Error(`workstation: ${JSON.stringify(ws.body)}`);
  const staff = (await server.api("/api/collections/staff/records?sort=name", { as: "admin" })).body.items;
  server.staff = Object.fromEntries(staff.map((s) => [s.name, s.id]));
  const printers = (await server.api("/api/collections/printers/records?sort=sort", { as: "admin" })).body.items;
  const materials = (await server.api("/api/collections/materials/records", { as: "admin" })).body.items;
  server.filament = { printer: printers.find((p) => p.method === "filament" && p.active), material: materials.find((m) => m.method === "filament") };
  return server;
}

/** submitJob sends a job through the public submit route and returns {id, short_id}. */
export async function submitJob(server, { first = "Jane", last = "Doe", email, course = "ART 101", color = "True Red" } = {}) {
  const fd = new FormData();
  const f = { first_name: first, last_name: last, email: email || `s${Date.now()}${Math.random().toString(36).slice(2, 6)}@student.example.edu`,
    discipline: "Art", course, method: "filament", material: server.filament.material.id, color,
    printer: server.filament.printer.id, ack_min_charge: "true", ack_mm: "true" };
  for (const [k, v] of Object.entries(f)) fd.append(k, v);
  fd.append("model", new Blob([cubeSTL()]), "cube.stl");
  const r = await fetch(`${server.url}/api/printlab/submit`, { method: "POST", body: fd });
  const body = await r.json();
  if (r.status !== 201) throw new Error(`submit: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

/** signIn opens the dashboard in page and signs in as ws (Front Desk by default). */
export async function signIn(page, server, ws = WORKSTATION, query = "") {
  await page.goto(`${server.url}/desk/${query}`);
  await page.fill("#si-user", ws.username);
  await page.fill("#si-pass", ws.password);
  await page.click("#signin-submit");
  await page.waitForSelector("body[data-ready]");
}

/** openPage opens a page in its own context that fails the test on any browser dialog. */
export async function openPage(browser, viewport = DESKTOP, options = {}) {
  const context = await browser.newContext({ viewport, ...options });
  const page = await context.newPage();
  page.on("dialog", (d) => { throw new Error(`unexpected browser dialog: ${d.message()}`); });
  page.on("pageerror", (e) => console.error("pageerror:", e.message));
  return { context, page };
}

/** chooseStaff picks the "Performing action as" name in the open dialog. */
export const chooseStaff = (page, name = "Sam Lee") => page.selectOption("#ad-staff", { label: name });

/** tab switches the dashboard to a status tab. */
export async function tab(page, status) {
  await page.click(`#tab-${status}`);
  await page.waitForFunction((s) => document.querySelector(`#tab-${s}`).getAttribute("aria-selected") === "true", status);
}

/** card is the locator of a job's card. */
export const card = (page, id) => page.locator(`#job-${id}`);

/** events reads a job's events through the API as a superuser. */
export async function events(server, jobId) {
  const r = await server.api(`/api/collections/events/records?perPage=200&sort=created&filter=${encodeURIComponent(`job="${jobId}"`)}`, { as: "admin" });
  return r.body.items;
}
