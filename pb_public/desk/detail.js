// The job detail panel: every field, model stats, the 3D viewer (loaded on
// demand), the event timeline, emails with Resend, notes, files and, for
// workstations allowed to, the admin override.
import { h, clear, $, breakable } from "/shared/dom.js";
import { statusLabel } from "/shared/status.js";
import { money, dateTime, mm, grams as fmtGrams, hours as fmtHours } from "/shared/format.js";
import { toast } from "/shared/toast.js";
import { loadCatalog, swatchOf } from "/shared/swatches.js";
import { pb, call, fileURL } from "./lib.js";
import { ctx, badges } from "./app.js";
import { actionsFor, openAction } from "./dialogs.js";

let current = null; // {id, job}

/** detailJob is the id of the job shown in the detail panel, if open. */
export function detailJob() { return $("#detail").open ? current?.id : null; }

/** openDetail shows job id in the side panel. */
export async function openDetail(id) {
  if (!id) return;
  const d = $("#detail");
  current = { id, returnFocus: document.activeElement };
  clear(d,
    h("div", { class: "dialog-head" }, h("h2", { id: "dt-title" }, "Loading…"),
      h("button", { type: "button", class: "btn btn-sm btn-ghost", "data-close": true }, "Close")),
    h("div", { class: "dialog-body stack", id: "dt-body" },
      h("div", { id: "dt-main" }), h("section", { id: "dt-viewer", class: "viewer-box", "aria-label": "3D view" }),
      h("div", { id: "dt-history" })));
  if (!d.open) d.showModal();
  follow(id);
  d.addEventListener("close", () => {
    follow(null);
    const back = current?.returnFocus?.isConnected ? current.returnFocus : document.querySelector(`#job-${CSS.escape(id)} .open`);
    back?.focus({ preventScroll: true });
    current = null;
  }, { once: true });
  await render();
}

let unfollow = null;
/**
 * follow subscribes to the shown job's events and emails, which change without
 * the job changing (a file opened, a reminder sent, an email delivered or
 * failed); only the open panel's job, so other changes cost no dashboard anything.
 */
function follow(id) {
  const stop = unfollow;
  unfollow = null;
  stop?.();
  if (!id) return;
  const opts = { filter: pb.filter("job = {:id}", { id }), fields: "id,job" };
  // One move writes an event and queues an email, which is then sent: one re-render for the burst.
  let timer;
  const changed = () => { clearTimeout(timer); timer = setTimeout(() => { if (detailJob() === id) refreshDetail(); }, 250); };
  const subs = ["events", "emails"].map((col) => pb.collection(col).subscribe("*", changed, opts).catch(() => null));
  unfollow = () => { clearTimeout(timer); subs.forEach((p) => p.then((un) => un?.()).catch(() => {})); };
}

/** refreshDetail re-renders after a realtime change, keeping scroll and the viewer. */
export async function refreshDetail() {
  const body = document.getElementById("dt-body");
  const top = body?.scrollTop;
  await render();
  if (body) body.scrollTop = top;
}

async function render() {
  const id = current?.id;
  if (!id) return;
  const byJob = { filter: pb.filter("job = {:id}", { id }), sort: "created", requestKey: null };
  const [job, events, emails, payments] = await Promise.all([
    pb.collection("jobs").getOne(id, { requestKey: null }),
    pb.collection("events").getFullList(byJob),
    pb.collection("emails").getFullList(byJob),
    pb.collection("payments").getFullList(byJob),
  ]);
  if (current?.id !== id) return;
  current.job = job;
  // Re-rendering replaces the panel's buttons: keep focus on the same one, or
  // on the title when that action no longer applies (never lose it to <body>).
  const had = document.activeElement;
  const keep = had && had !== document.body && $("#detail").contains(had) ? had.textContent : null;
  const name = `${job.first_name} ${job.last_name}`;
  clear($("#dt-title"), name, " ", h("span", { class: "status-pill", dataset: { status: job.status } }, statusLabel(job.status)));
  const mat = ctx.material(job.material);
  const facts = [
    ["Job", job.short_id], ["File", job.display_name && breakable(job.display_name)], ["Email", job.email], ["Discipline", job.discipline], ["Course", job.course],
    ["Method", job.method === "resin" ? "Resin" : "Filament"], ["Material", mat?.name], ["Colour", job.color],
    ["Printer", ctx.printerName(job.printer)], ["Submitted", dateTime(job.created)], ["In this status since", dateTime(job.status_changed)],
    ["Instant estimate", job.estimate_cents ? money(job.estimate_cents) : ""],
    ["Quote", job.quote_cents ? `${money(job.quote_cents)} · ${fmtGrams(job.grams)} · ${fmtHours(job.hours)}` : ""],
    ["Confirmation link expires", job.status === "pending" ? dateTime(job.confirm_expires) : ""],
    ["Confirmed", dateTime(job.confirmed_at)], ["Completed", dateTime(job.completed_at)],
    ["Final price", job.final_cents ? `${money(job.final_cents)} · ${fmtGrams(job.final_grams)}` : ""],
    ["Picked up", dateTime(job.picked_up_at)], ["Failed prints", job.failure_count ? String(job.failure_count) : ""],
  ].filter(([, v]) => v);
  // "Add note" sits with the notes below; the rest lead the panel.
  const acts = actionsFor(job).filter((a) => a.action !== "note").map((a) => h("button", { type: "button", class: `btn btn-sm ${a.primary ? "btn-primary" : ""}`,
    onclick: () => openAction(job.id, a.action) }, a.label));
  const flags = badges(job);
  clear($("#dt-main"),
    flags.length ? h("div", { class: "cluster" }, flags) : null,
    h("div", { class: "cluster dt-actions" }, acts),
    h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    await filesSection(job),
    statsSection(job.model_stats),
    paymentsSection(payments));
  if (!document.getElementById("dt-viewer").dataset.job || document.getElementById("dt-viewer").dataset.job !== job.id) viewerSection(job);
  clear($("#dt-history"), notesSection(job), timeline(events), emailsSection(emails));
  if (keep !== null && !had.isConnected && (document.activeElement === document.body || !document.activeElement)) {
    const same = [...$("#detail").querySelectorAll("button")].find((b) => b.textContent === keep);
    const title = $("#dt-title");
    title.tabIndex = -1;
    (same || title).focus({ preventScroll: true });
  }
}

async function filesSection(job) {
  const rows = [];
  const links = [];
  for (const [which, field, label, name] of [["model", "model", "Model", job.display_name], ["print", "print_file", "Print file", job.print_name]]) {
    if (!job[field]) continue;
    // A file link carries a token that lasts a few minutes: each click signs it afresh first.
    const download = h("a", { class: "btn btn-sm", href: await fileURL(job, job[field], { download: 1 }), download: name || "", onclick: async (ev) => {
      if (download.dataset.signed) { delete download.dataset.signed; return; }
      ev.preventDefault();
      try {
        download.href = await fileURL(job, job[field], { download: 1 });
        download.dataset.signed = "1";
        download.click();
      } catch (err) { toast(`The download could not start: ${err.message}`, "error"); }
    } }, "Download");
    const slicer = h("span", { class: "slicer-slot" });
    links.push([which, slicer]);
    const est = which === "print" ? estimateText(job.print_estimate) : "";
    rows.push(h("li", {}, h("span", { class: "label" }, label), " ", h("span", { class: "mono" }, name || job[field]),
      est ? h("span", { class: "hint block" }, est) : null,
      h("span", { class: "cluster" }, download, slicer)));
  }
  // Each "Open in slicer" link is fetched on click (it lasts 10 minutes and is logged as the file being
  // opened). The helper's printjob:// link is the default; OrcaSlicer and Bambu
  // Studio can also fetch the signed URL themselves, for PCs without the helper.
  const mac = /Mac/.test(navigator.platform || navigator.userAgent);
  const targets = [
    ["printjob", "Open in slicer"],
    ["orcaslicer", "OrcaSlicer"],
    [mac ? "bambustudio_mac" : "bambustudio", "Bambu Studio"],
  ];
  for (const [which, slot] of links) {
    for (const [key, label] of targets) {
      slot.append(h("button", { type: "button", class: "btn btn-sm",
        "data-open": key, "aria-label": `${label}: ${which === "model" ? "model" : "print file"}`,
        onclick: async () => {
          try {
            const res = await call(`/api/printlab/jobs/${encodeURIComponent(job.id)}/links`, { file: which, staff: "" });
            if (res?.[key]) openExternal(res[key], key === "printjob");
          } catch (err) { toast(err.message, "error"); }
        } }, label));
    }
  }
  return h("section", { "aria-labelledby": "dt-files" }, h("h3", { id: "dt-files" }, "Files"),
    rows.length ? h("ul", { class: "plain stack-sm" }, rows) : h("p", { class: "muted" }, "No files (they may have been pruned)."));
}

/**
 * openExternal hands a link to the operating system. When the helper is not
 * installed nothing happens and the page keeps focus: after a moment a hint says
 * what to do instead.
 */
function openExternal(url, viaHelper) {
  document.body.dataset.lastExternalLink = url; // read by the browser tests
  let left = false;
  const onBlur = () => { left = true; };
  window.addEventListener("blur", onBlur, { once: true });
  window.location.href = url;
  if (!viaHelper) return;
  setTimeout(() => {
    window.removeEventListener("blur", onBlur);
    if (!left && document.hasFocus()) {
      toast("No slicer opened? This PC needs the PrintLab slicer helper (ask IT: slicer-opener install). Meanwhile use OrcaSlicer, Bambu Studio or Download.", "info", 9000);
    }
  }, 2000);
}

function estimateText(e) {
  if (!e) return "";
  if (e.none) return "No slicer estimate in this file.";
  return `${e.slicer || "Slicer"} ${e.slicer_version || ""}: ${e.grams ? fmtGrams(e.grams) : "?"} · ${e.seconds ? fmtHours(e.seconds / 3600) : "?"}`;
}

function statsSection(s) {
  if (!s) return null;
  const fits = Array.isArray(s.fits) ? s.fits.map((f) => (typeof f === "string" ? ctx.printerName(f) || f : f.name || ctx.printerName(f.printer) || "")).filter(Boolean).join(", ") : "";
  const rows = [
    ["Size", s.size_mm ? mm(s.size_mm) : ""],
    ["Volume", s.volume ?? s.volume_mm3 ? `${Math.round((s.volume ?? s.volume_mm3) / 1000 * 10) / 10} cm³` : ""],
    ["Surface", s.area ?? s.area_mm2 ? `${Math.round((s.area ?? s.area_mm2) / 100) / 1} cm²` : ""],
    ["Triangles", s.triangles ? Number(s.triangles).toLocaleString("en-US") : ""],
    ["Closed mesh", s.closed === undefined ? "" : s.closed ? "Yes" : "No — may have holes"],
    ["Units", s.units_warning || s.units || ""],
    ["Fits", fits],
  ].filter(([, v]) => v);
  return h("section", { "aria-labelledby": "dt-stats" }, h("h3", { id: "dt-stats" }, "Model"),
    h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
}

function paymentsSection(list) {
  if (!list.length) return null;
  return h("section", { "aria-labelledby": "dt-pay" }, h("h3", { id: "dt-pay" }, "Payments"),
    h("ul", { class: "plain" }, list.map((p) => h("li", {}, `${money(p.amount_cents)} · ref ${p.reference} · picked up by ${p.picked_up_by} · ${dateTime(p.created)}`,
      p.voided ? h("span", { class: "badge badge-danger" }, "voided") : null))));
}

function viewerSection(job) {
  const box = $("#dt-viewer");
  box.dataset.job = job.id;
  if (!job.model) { clear(box); return; }
  clear(box, h("button", { type: "button", class: "btn btn-sm", onclick: async (e) => {
    e.target.disabled = true;
    e.target.textContent = "Loading the 3D view…";
    try {
      const { showModel } = await import("./viewer.js");
      // Without the catalog the model is still worth seeing, in the default colour.
      const [url, catalog] = await Promise.all([fileURL(job, job.model), loadCatalog().catch(() => null)]);
      await showModel(box, url, job.model, swatchOf(catalog, job.color));
    } catch (err) {
      clear(box, h("p", { class: "field-error" }, `The 3D view could not load: ${err.message}`));
    }
  } }, "Show 3D view"));
}

const EVENT_LABELS = {
  submit: "Submitted", review: "Marked reviewed", unreview: "Marked not reviewed", approve: "Approved and quoted", reject: "Rejected",
  requote: "Re-quoted", confirm: "Confirmed", cancel: "Cancelled", start: "Started printing", fail: "Print failed", complete: "Completed",
  pickup: "Paid and picked up", undo: "Undone", override: "Status overridden", release: "Claim released", note: "Note added",
  archive: "Archived", print_file: "Print file attached", email_resent: "Email resent",
  file_opened: "File opened", reminder_sent: "Reminder emailed", confirm_expired: "Confirmation link expired",
  uncollected: "Marked uncollected", claim_released: "Expired claim cleared", files_pruned: "Files deleted after the retention period",
};

const FILE_OF = { model: "the model", print: "the print file" };

function timeline(events) {
  return h("section", { "aria-labelledby": "dt-tl" }, h("h3", { id: "dt-tl" }, "History"),
    h("ol", { class: "timeline" }, events.slice().reverse().map((e) => {
      const who = e.staff ? `${ctx.staffName(e.staff)}${e.workstation ? ` at ${ctx.wsName(e.workstation)}` : ""}` :
        e.workstation ? `someone at ${ctx.wsName(e.workstation)}` :
        e.actor === "student" ? "the student" : e.actor === "system" ? "PrintLab" : e.details?.superuser || "";
      const d = e.details || {};
      const extra = [d.reasons?.length ? d.reasons.join("; ") : "", d.note, d.reason, d.text,
        d.quote_cents ? money(d.quote_cents) : "", d.amount_cents ? money(d.amount_cents) : "",
        e.type === "file_opened" ? `${FILE_OF[d.file] || "a file"}${d.name ? ` (${d.name})` : ""}` : d.name,
        e.type === "uncollected" && d.days ? `${d.days} days after completion` : "",
        e.type === "override" ? `${statusLabel(e.from_status)} → ${statusLabel(e.to_status)}` : ""].filter(Boolean).join(" · ");
      return h("li", {}, h("strong", {}, EVENT_LABELS[e.type] || e.type), who ? ` by ${who}` : "",
        extra ? h("span", { class: "block muted" }, extra) : null, h("time", { datetime: e.created }, dateTime(e.created)));
    })));
}

const EMAIL_STATE = { queued: ["Queued", "badge"], sent: ["Sent", "badge-success"], failed: ["Failed", "badge-danger"], file: ["Written to file (not delivered)", "badge-warning"] };

function emailsSection(emails) {
  const active = ctx.staff.filter((s) => s.active);
  return h("section", { "aria-labelledby": "dt-em" }, h("h3", { id: "dt-em" }, "Emails"),
    emails.length ? h("ul", { class: "plain stack-sm" }, emails.slice().reverse().map((m) => {
      const [label, cls] = EMAIL_STATE[m.state] || [m.state, "badge"];
      const sel = h("select", { "aria-label": `Resend “${m.subject || m.kind}” as` }, h("option", { value: "" }, "Resend as…"), active.map((s) => h("option", { value: s.id }, s.name)));
      const btn = h("button", { type: "button", class: "btn btn-sm", onclick: async () => {
        if (!sel.value) { sel.focus(); toast("Choose who is resending the email.", "error"); return; }
        btn.disabled = true;
        try {
          await call(`/api/printlab/emails/${encodeURIComponent(m.id)}/resend`, { staff: sel.value });
          toast("Email queued again.", "success");
          refreshDetail();
        } catch (err) { toast(err.message, "error"); btn.disabled = false; }
      } }, "Resend");
      return h("li", { class: "email-row" }, h("div", {}, h("strong", {}, m.subject || m.kind), " ", h("span", { class: `badge ${cls}` }, label),
        h("span", { class: "block hint" }, `${m.recipient} · ${dateTime(m.sent_at || m.created)}${m.last_error ? ` · ${m.last_error}` : ""}`)),
        h("div", { class: "cluster" }, sel, btn));
    })) : h("p", { class: "muted" }, "No emails yet."));
}

function notesSection(job) {
  const notes = job.notes || [];
  return h("section", { "aria-labelledby": "dt-notes" }, h("div", { class: "spread" }, h("h3", { id: "dt-notes" }, "Notes"),
    h("button", { type: "button", class: "btn btn-sm", onclick: () => openAction(job.id, "note") }, "Add note")),
    notes.length ? h("ul", { class: "plain stack-sm notes" }, notes.map((n) => h("li", {}, h("p", { class: "note-text" }, n.text),
      h("span", { class: "hint" }, `${n.staff_name || "staff"}${n.workstation_name ? ` at ${n.workstation_name}` : ""} · ${dateTime(n.at)}`))))
      : h("p", { class: "muted" }, "No notes."));
}
