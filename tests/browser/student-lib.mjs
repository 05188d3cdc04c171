// Helpers for the student pages' browser tests: a server without the submit
// rate limit, models made on the fly, the outbox read as a superuser, and a
// page that records every byte the server sends it.
import { startServer, DESKTOP } from "./harness.mjs";

/**
 * boxSTL is a closed binary STL box of x × y × z mm; pad adds that many
 * zero-area triangles at a corner, which change neither size nor volume but
 * make the file big enough for an upload to take visible time.
 */
export function boxSTL(x, y, z, pad = 0) {
  const quads = [
    [[0, 0, 0], [0, 1, 0], [1, 1, 0], [1, 0, 0]], [[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]],
    [[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]], [[0, 1, 0], [0, 1, 1], [1, 1, 1], [1, 1, 0]],
    [[0, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0]], [[1, 0, 0], [1, 1, 0], [1, 1, 1], [1, 0, 1]],
  ];
  const tris = quads.flatMap(([a, b, c, d]) => [[a, b, c], [a, c, d]]);
  const buf = Buffer.alloc(84 + (tris.length + pad) * 50);
  buf.writeUInt32LE(tris.length + pad, 80);
  tris.forEach((t, i) => {
    const o = 84 + i * 50 + 12;
    t.forEach((p, j) => [p[0] * x, p[1] * y, p[2] * z].forEach((c, k) => buf.writeFloatLE(c, o + j * 12 + k * 4)));
  });
  return buf;
}

/** studentServer starts PrintLab with demo data and no submit rate limit. */
export async function studentServer() {
  const server = await startServer();
  const settings = await server.api("/api/collections/lab_settings/records?perPage=1", { as: "admin" });
  const r = await server.api(`/api/collections/lab_settings/records/${settings.body.items[0].id}`,
    { method: "PATCH", as: "admin", body: { submits_per_ip_hour: 0 } });
  if (r.status !== 200) throw new Error(`settings: ${JSON.stringify(r.body)}`);
  server.staffId = (await server.api("/api/collections/staff/records?filter=active=true&sort=name", { as: "admin" })).body.items[0].id;
  return server;
}

/** submit sends a job through the public route and returns {id, short_id, status_url, key}. */
export async function submit(server, { first = "Jane", last = "Doe", email = "jane.private@student.example.edu", size = [20, 20, 20] } = {}) {
  const cat = await (await fetch(`${server.url}/api/printlab/catalog`)).json();
  const printer = cat.printers.find((p) => p.method === "filament");
  const material = cat.materials.find((m) => m.method === "filament");
  const fd = new FormData();
  const fields = { first_name: first, last_name: last, email, discipline: cat.disciplines[0], course: "N/A",
    method: "filament", material: material.id, color: material.colors[0], printer: printer.id, ack_min_charge: "true", ack_mm: "true" };
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  fd.append("model", new Blob([boxSTL(...size)]), "part.stl");
  const r = await fetch(`${server.url}/api/printlab/submit`, { method: "POST", body: fd });
  const body = await r.json();
  if (r.status !== 201) throw new Error(`submit: ${r.status} ${JSON.stringify(body)}`);
  body.key = body.status_url.slice(body.status_url.lastIndexOf(".") + 1);
  return body;
}

/** act makes a staff move through the workstation route. */
export async function act(server, id, action, expected, fields = {}) {
  const r = await server.api(`/api/printlab/jobs/${id}/${action}`, { method: "POST", as: "ws",
    body: { staff: server.staffId, expected_status: expected, ...fields } });
  if (r.status !== 200) throw new Error(`${action}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** latestEmail returns the newest outbox row of kind for the job (superuser: the bodies are hidden). */
export async function latestEmail(server, jobId, kind) {
  // The outbox worker writes the bodies when it sends the email, moments after the move.
  const q = new URLSearchParams({ filter: `job="${jobId}" && kind="${kind}"`, sort: "-created", perPage: "1" });
  for (const deadline = Date.now() + 5000; ; await new Promise((ok) => setTimeout(ok, 50))) {
    const r = await server.api(`/api/collections/emails/records?${q}`, { as: "admin" });
    const row = r.body.items[0];
    if ((row && row.text) || Date.now() > deadline) return row;
  }
}

/** recordedPage opens a page that keeps every response body and SSE chunk it receives. */
export async function recordedPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const seen = [];
  page.on("pageerror", (e) => seen.push(`pageerror: ${e.message}`));
  page.on("response", async (r) => {
    const type = r.headers()["content-type"] || "";
    if (!type.includes("json")) return;
    try { seen.push(await r.text()); } catch { /* body gone with a navigation */ }
  });
  // The SSE stream is long-lived, so its body never "finishes": read it inside the page.
  await page.addInitScript(() => {
    window.__sse = [];
    const Orig = window.EventSource;
    window.EventSource = class extends Orig {
      constructor(...a) {
        super(...a);
        const add = this.addEventListener.bind(this);
        this.addEventListener = (type, fn, o) => {
          add(type, (e) => { window.__sse.push(`${type} ${e.data}`); }, o);
          return add(type, fn, o);
        };
      }
    };
  });
  return { context, page, seen, sse: () => page.evaluate(() => window.__sse.join("\n")) };
}
