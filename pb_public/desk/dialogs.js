// One dialog per lifecycle action (SPEC §2): the mandatory "Performing action
// as" choice, the action's fields, the status the screen showed, the server's
// own message on refusal. The job is claimed as the dialog opens (other
// dashboards show "being handled at Front Desk"), claimed again with the name
// once the staff member is chosen, renewed while open and released on close.
import { h, clear, $ } from "/shared/dom.js";
import { STATUSES, statusLabel } from "/shared/status.js";
import { money, hours as fmtHours, grams as fmtGrams } from "/shared/format.js";
import { toast } from "/shared/toast.js";
import { pb, act, upload, quote } from "./lib.js";
import { ctx, claimedElsewhere } from "./app.js";

const SLICED = [".3mf", ".gcode", ".gco", ".g", ".bgcode", ".form", ".idea"];
const CLAIM_RENEW_MS = 2 * 60 * 1000;

// Undo takes back the last move, which the job's status tells (hooks/jobs/table.go):
// a completed job was just completed, a picked-up one just paid for.
const UNDOES = {
  completed: { move: "complete", done: "completed", back: "printing" },
  picked_up: { move: "payment & pickup", done: "paid and picked up", back: "completed" },
};
/** undoLabel names the move Undo takes back from r, and (long) where the job goes. */
function undoLabel(r, long) {
  const u = UNDOES[r.status];
  if (!u) return "Undo"; // moved on elsewhere since the button was drawn: the server explains
  return long ? `Undo ${u.move} — back to ${statusLabel(u.back)}` : `Undo ${u.move}`;
}

/**
 * undoOpen says whether r's last move is still within the lab's undo window
 * (undo_minutes after it, by status_changed). This PC's clock may be a little
 * off: the server decides, and explains a refusal.
 */
function undoOpen(r) {
  const at = Date.parse(String(r.status_changed || "").replace(" ", "T"));
  return !Number.isFinite(at) || Date.now() - at < (ctx.settings?.undo_minutes ?? 15) * 60000;
}

/**
 * ACTIONS: label, the statuses it starts from, whether it shows on the card;
 * labelOf and titleOf, where the label should name what it does to the job.
 */
const ACTIONS = {
  review: { label: "Mark reviewed", from: ["uploaded"], card: true, when: (r) => !r.reviewed, verb: "marked reviewed" },
  unreview: { label: "Mark not reviewed", from: ["uploaded"], when: (r) => r.reviewed, verb: "marked not reviewed" },
  approve: { label: "Approve", from: ["uploaded"], card: true, primary: true, verb: "approved" },
  reject: { label: "Reject", from: ["uploaded"], card: true, danger: true, verb: "rejected" },
  requote: { label: "Re-quote / resend link", from: ["pending"], card: true, verb: "re-quoted" },
  attach: { label: "Attach sliced file", from: ["pending", "ready_to_print", "printing"], verb: "given a new print file", submit: "Done", local: true },
  confirm: { label: "Confirm for student", from: ["pending"], card: true, verb: "confirmed" },
  start: { label: "Start printing", from: ["ready_to_print"], card: true, primary: true, verb: "started" },
  fail: { label: "Print failed", from: ["printing"], card: true, danger: true, verb: "marked failed" },
  complete: { label: "Complete", from: ["printing"], card: true, primary: true, verb: "completed" },
  pickup: { label: "Payment & pickup", from: ["completed"], card: true, primary: true, verb: "paid and picked up" },
  undo: { label: "Undo", from: ["completed", "picked_up"], when: (r) => undoOpen(r), verb: "undone",
    labelOf: (r) => undoLabel(r, true), titleOf: (r) => undoLabel(r, false) },
  cancel: { label: "Cancel job", from: ["uploaded", "pending", "ready_to_print"], danger: true, verb: "cancelled" },
  note: { label: "Add note", from: STATUSES.map(([s]) => s), verb: "noted" },
  override: { label: "Override status", from: STATUSES.map(([s]) => s), admin: true, danger: true, verb: "overridden" },
  // Another workstation's dialog holds the job (and renews its claim while open): an admin can free it.
  release: { label: "Release claim", from: STATUSES.map(([s]) => s), admin: true, when: (r) => claimedElsewhere(r), verb: "released", noClaim: true },
};

/** actionsFor lists the actions this workstation can take on r now, each labelled for r. */
export function actionsFor(r) {
  return Object.entries(ACTIONS)
    .filter(([, a]) => a.from.includes(r.status) && (!a.when || a.when(r)) && (!a.admin || ctx.me?.can_override))
    .map(([action, a]) => ({ action, ...a, label: actionLabel(action, r) }));
}

/** actionLabel is an action's name on its buttons; some say what they do to job r (Undo names the move). */
export function actionLabel(action, r) {
  const a = ACTIONS[action];
  return r && a.labelOf ? a.labelOf(r) : a.label;
}

/** movesFrom says whether action can start from status (whatever else the job needs). */
export function movesFrom(action, status) {
  return !!ACTIONS[action]?.from.includes(status);
}

let state = null; // the open dialog: {ids, action, jobs, expected, claimStaff, renew, live, onDone}

/** dialogJob is the id of the job the action dialog is open for, if any. */
export function dialogJob() { return state && !state.bulk ? state.ids[0] : null; }

/** onJobChanged tells an open dialog that its job changed elsewhere. */
export function onJobChanged(r) {
  if (!state || state.bulk) return;
  state.live = r;
  const note = document.getElementById("ad-live");
  if (!note) return;
  if (r.status !== state.expected[r.id]) {
    note.hidden = false;
    note.textContent = `This job changed on another screen: it is now ${statusLabel(r.status)}.`;
  } else if (state.action !== "release" && claimedElsewhere(r)) { // the release dialog says who itself
    note.hidden = false;
    note.textContent = `${r.claim_staff ? ctx.staffName(r.claim_staff) : "Someone"} at ${ctx.wsName(r.claim_workstation)} is handling this job.`;
  } else note.hidden = true;
}

function staffField() {
  const active = ctx.staff.filter((s) => s.active);
  return h("div", { class: "field" },
    h("label", { for: "ad-staff" }, "Performing action as"),
    h("select", { id: "ad-staff", name: "staff", required: true, "aria-describedby": "ad-staff-err" },
      h("option", { value: "" }, "Choose your name…"), active.map((s) => h("option", { value: s.id }, s.name))),
    h("p", { class: "field-error", id: "ad-staff-err" }));
}

function field(name, label, input, hint) {
  input.id ||= `ad-${name}`;
  input.name ||= name;
  input.setAttribute("aria-describedby", `ad-${name}-err${hint ? ` ad-${name}-hint` : ""}`);
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input,
    hint ? h("p", { class: "hint", id: `ad-${name}-hint` }, hint) : null,
    h("p", { class: "field-error", id: `ad-${name}-err` }));
}
/** oneDecimal is a weight as the desk types it (55.3, not 55.31506…), or "" when there is none. */
const oneDecimal = (g) => (Number(g) > 0 ? String(+Number(g).toFixed(1)) : "");
const num = (attrs) => h("input", { type: "number", inputmode: "decimal", step: "any", min: "0", ...attrs });

/** fieldsFor builds the action's own inputs; job is the first (or only) of jobs. */
function fieldsFor(action, job, jobs = [job]) {
  const s = ctx.settings;
  const mat = ctx.material(job.material) || {};
  const rates = { centsPerGram: mat.cents_per_gram || 0, minChargeCents: s.min_charge_cents || 0, centsPerHour: s.cents_per_hour || 0 };
  const priceLine = () => h("p", { class: "price", id: "ad-price", "aria-live": "polite" });
  const updatePrice = (form, label, { showHours = true, empty = "enter the grams to see the price." } = {}) => {
    const g = parseFloat(form.elements.grams?.value), hr = parseFloat(form.elements.hours?.value ?? job.hours);
    const out = form.querySelector("#ad-price");
    if (!out) return null;
    if (!(g > 0)) { out.textContent = `${label}: ${empty}`; return null; }
    const p = quote(g, hr || 0, rates);
    out.textContent = `${label}: ${money(p.cents)}${p.minimum ? " (minimum charge)" : ""} · ${fmtGrams(g)} of ${mat.name || "material"} at ${money(rates.centsPerGram)}/g` +
      (showHours && hr > 0 ? ` · ${fmtHours(p.hours)} of printing` : "");
    return p;
  };
  // The server refuses a final price more than requote_percent above the quote
  // until the desk accepts it (hooks/jobs OverQuote): say so while typing.
  const overQuote = (form, p) => {
    const box = form.querySelector("#ad-over");
    const q = job.quote_cents || 0, pct = Number(s.requote_percent ?? 20);
    const over = p && q > 0 && p.cents * 100 > q * (100 + pct);
    box.hidden = !over;
    box.textContent = over ? `${money(p.cents)} is more than ${pct}% above the confirmed quote of ${money(q)}. Check the weight and tell the student; saving will ask you to accept the higher price.` : "";
  };
  const printers = ctx.printers.filter((p) => p.active && p.method === job.method);
  const printerSelect = () => h("select", {}, printers.map((p) => h("option", { value: p.id, selected: p.id === job.printer }, p.name)));
  // Several jobs keep their own printers unless one is chosen for all (of one method only).
  const bulkPrinterSelect = () => h("select", {}, h("option", { value: "", selected: true }, "Each job's own printer"),
    jobs.every((j) => j.method === job.method) ? printers.map((p) => h("option", { value: p.id }, p.name)) : null);
  switch (action) {
    case "approve": {
      const est = job.print_estimate && !job.print_estimate.none ? job.print_estimate : null;
      return {
        nodes: [
          dropZone(job),
          h("div", { class: "grid-2" },
            field("grams", "Material (g)", num({ required: true, value: oneDecimal(est?.grams || job.grams) })),
            field("hours", "Print time (h)", num({ required: true, value: est ? +(est.seconds / 3600).toFixed(2) : job.hours || "" }), "From the slicer; 0 if unknown. Rounded up to the half hour.")),
          field("printer", "Printer", printerSelect()),
          priceLine(),
          h("p", { class: "hint" }, "The student gets the quote by email and must confirm it before anything is printed."),
        ],
        live: (form) => updatePrice(form, "Quote"),
      };
    }
    case "requote":
      return {
        nodes: [dropZone(job), h("div", { class: "grid-2" },
          field("grams", "Material (g)", num({ value: oneDecimal(job.grams) })),
          field("hours", "Print time (h)", num({ value: job.hours || "" }))), priceLine(),
        h("p", { class: "hint" }, "A new confirmation link is emailed; the old one stops working.")],
        live: (form) => updatePrice(form, "New quote"),
      };
    case "reject":
      return {
        nodes: [h("fieldset", { id: "ad-reasons", "aria-describedby": "ad-reasons-err" }, h("legend", {}, "Reasons"),
          (s.rejection_reasons || []).map((r, i) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "reasons", value: r, id: `ad-r${i}` }), r)),
          h("p", { class: "field-error", id: "ad-reasons-err" })),
        field("note", "Message to the student (optional)", h("textarea", { maxlength: 5000 }))],
      };
    case "confirm":
      return { nodes: [quoteSummary(job), field("reason", "Why confirm for the student?", h("input", { type: "text", required: true, maxlength: 500 }), "E.g. “Confirmed in person at the desk.”")] };
    case "cancel":
      return { nodes: [field("reason", "Reason (optional)", h("input", { type: "text", maxlength: 500 })), h("p", { class: "hint" }, "The student gets a “cancelled” email.")] };
    case "start":
      return { nodes: [field("printer", jobs.length > 1 ? "Printer used (for all)" : "Printer used", jobs.length > 1 ? bulkPrinterSelect() : printerSelect())] };
    case "attach":
      return { nodes: [dropZone(job), h("p", { class: "hint" }, job.status === "pending"
        ? "The quote stays as it is: to change the price from the new file, use Re-quote."
        : "The new file replaces the print file; the price stays.")] };
    case "release": {
      const holder = job.claim_staff ? `${ctx.staffName(job.claim_staff)} at ${ctx.wsName(job.claim_workstation)}` : ctx.wsName(job.claim_workstation);
      return { nodes: [h("p", {}, `${holder} is handling this job. Release it only if they have left it open: other workstations can then act on it.`)] };
    }
    case "fail":
      return {
        nodes: [field("reason", "What went wrong", h("input", { type: "text", required: true, maxlength: 500 })),
          h("fieldset", { id: "ad-fault", "aria-describedby": "ad-fault-err" }, h("legend", {}, "Whose fault"),
            h("label", { class: "check" }, h("input", { type: "radio", name: "fault", value: "lab", required: true }), "The lab's (printer, material)"),
            h("label", { class: "check" }, h("input", { type: "radio", name: "fault", value: "student" }), "The model's"),
            h("p", { class: "field-error", id: "ad-fault-err" })),
          h("p", { class: "hint" }, "The job goes back to Ready to print; the price stays.")],
      };
    case "complete":
      return { nodes: [h("p", {}, "The student gets a “ready for pickup” email with the price and where to collect it.")] };
    case "pickup":
      // What to charge comes first: the desk takes the payment, then types its
      // reference. The warning goes last, so no field moves as it comes and goes.
      return {
        nodes: [h("div", { class: "ad-sum" }, priceLine(), h("p", { class: "hint" }, `Confirmed quote: ${money(job.quote_cents || 0)}.`)),
          field("grams", "Weighed (g)", num({ required: true })),
          field("reference", "Payment reference", h("input", { type: "text", required: true, maxlength: 120 })),
          field("picked_up_by", "Picked up by", h("input", { type: "text", required: true, maxlength: 120, value: `${job.first_name} ${job.last_name}` })),
          h("p", { class: "alert alert-warning", id: "ad-over", hidden: true })],
        live: (form) => overQuote(form, updatePrice(form, "To charge", { showHours: false, empty: "weigh the print and enter its grams below." })),
      };
    case "undo": {
      const u = UNDOES[job.status];
      const payment = job.status === "picked_up" ? " Its payment is voided: it stays on record, marked voided." : "";
      return { nodes: [h("p", { id: "ad-undo" }, u ? `The job goes back to ${statusLabel(u.back)}, as it was before it was ${u.done}.${payment}` : "Undo the last move on this job."),
        h("p", { class: "hint" }, `Allowed for ${s.undo_minutes ?? 15} minutes after the move.`)] };
    }
    case "note":
      return { nodes: [field("text", "Note (staff only; cannot be edited later)", h("textarea", { required: true, maxlength: 5000 }))] };
    case "override":
      return {
        nodes: [field("to", "New status", h("select", { required: true }, h("option", { value: "" }, "Choose…"),
          STATUSES.filter(([st]) => st !== job.status).map(([st, l]) => h("option", { value: st }, l)))),
        field("reason", "Reason", h("input", { type: "text", required: true, maxlength: 500 })),
        h("label", { class: "check" }, h("input", { type: "checkbox", name: "notify", id: "ad-notify" }), "Email the student about the change"),
        h("p", { class: "alert alert-warning", id: "ad-no-payment", hidden: true },
          job.status === "completed"
            ? "An override records no payment. If the student paid, use “Payment & pickup” instead, so the money shows in the analytics and the payments export."
            : "An override records no payment: the money for this job will not show in the analytics or the payments export.")],
        live: (form) => { form.querySelector("#ad-no-payment").hidden = form.elements.to.value !== "picked_up"; },
      };
    default:
      return { nodes: [] };
  }
}

/** quoteSummary is the quote a job's student was sent: what confirming on their behalf agrees to. */
function quoteSummary(job) {
  const made = [job.grams > 0 ? fmtGrams(job.grams) : "", job.hours > 0 ? `${fmtHours(job.hours)} of printing` : ""].filter(Boolean).join(" · ");
  return h("div", { class: "ad-sum", id: "ad-quote" },
    h("p", { class: "price" }, `Quote: ${money(job.quote_cents || 0)}`),
    made ? h("p", { class: "hint" }, made) : null);
}

/** dropZone takes the sliced file by drag and drop (or a file picker) and uploads it at once. */
function dropZone(job) {
  const input = h("input", { type: "file", id: "ad-file", name: "file", accept: SLICED.join(","), class: "visually-hidden", "aria-describedby": "ad-file-err" });
  const status = h("p", { class: "hint", id: "ad-file-status", "aria-live": "polite" },
    job.print_name ? `Current print file: ${job.print_name}` : "No sliced file yet.");
  const zone = h("div", { class: "drop", id: "ad-drop" },
    h("label", { for: "ad-file" }, h("strong", {}, "Drop the sliced file here"), " or ", h("span", { class: "linkish" }, "choose it"),
      h("span", { class: "hint block" }, `${SLICED.join(" ")} — grams and hours are read from G-code and sliced 3MF.`)),
    input, status, h("p", { class: "field-error", id: "ad-file-err" }), h("div", { class: "progress", hidden: true }, h("span")));
  const take = (file) => { if (file) state.pendingFile = file; sendFile(); };
  input.addEventListener("change", () => take(input.files[0]));
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => { e.preventDefault(); zone.classList.remove("over"); take(e.dataTransfer.files[0]); });
  return zone;
}

async function sendFile() {
  const file = state?.pendingFile;
  if (!file) return;
  const form = $("#ad-form");
  const staff = form.elements.staff.value;
  const st = $("#ad-file-status");
  if (!staff) { st.textContent = `${file.name}: choose who is performing the action, then it uploads.`; form.elements.staff.focus(); return; }
  state.pendingFile = null;
  const id = state.ids[0];
  const fd = new FormData();
  fd.append("staff", staff);
  fd.append("expected_status", state.expected[id]);
  fd.append("file", file, file.name);
  const bar = $("#ad-drop .progress");
  bar.hidden = false;
  st.textContent = `Uploading ${file.name}…`;
  try {
    const res = await upload(`/api/printlab/jobs/${encodeURIComponent(id)}/print-file`, fd, (f) => { bar.firstChild.style.width = `${Math.round(f * 100)}%`; });
    const e = res.estimate || {};
    if (state) state.attached = res.job.print_name;
    clearField(form, "file");
    const { grams, hours } = form.elements;
    if (!e.none) {
      if (grams && e.grams) grams.value = +e.grams.toFixed(1);
      if (hours && e.seconds) hours.value = +(e.seconds / 3600).toFixed(2);
      st.textContent = `Saved as ${res.job.print_name}. ${e.slicer || "The slicer"}${e.slicer_version ? " " + e.slicer_version : ""} estimates ${e.grams ? e.grams.toFixed(1) + " g" : "? g"} and ${e.seconds ? fmtHours(e.seconds / 3600) : "? h"}.`;
    } else {
      st.textContent = `Saved as ${res.job.print_name}. ${e.message || (grams ? "The file carries no estimate; enter grams and hours from the slicer." : "The file carries no estimate.")}`;
    }
    form.dispatchEvent(new Event("input"));
  } catch (err) {
    st.textContent = err.message;
    st.classList.add("field-error");
  } finally {
    bar.hidden = true;
  }
}

/**
 * openAction opens the dialog for action on one job id or (bulk) several;
 * onDone(ids) hears which jobs the move was made on.
 */
export async function openAction(ids, action, { bulk = false, onDone = null } = {}) {
  ids = [].concat(ids);
  const meta = ACTIONS[action];
  if (!meta || !ids.length) return;
  const d = $("#action-dialog");
  if (d.open) await closeDialog();
  let jobs;
  try {
    jobs = await Promise.all(ids.map((id) => pb.collection("jobs").getOne(id, { requestKey: null })));
  } catch (err) {
    toast(err.message || "Could not load the job.", "error");
    return;
  }
  const job = jobs[0];
  const returnFocus = document.activeElement;
  // Opened from the detail panel, focus goes back there; its buttons may be re-rendered meanwhile.
  const fromDetail = !!returnFocus?.closest?.("#detail");
  state = { fromDetail, ids, action, bulk, jobs, live: job, expected: Object.fromEntries(jobs.map((j) => [j.id, j.status])), returnFocus, onDone };
  const f = fieldsFor(action, job, jobs);
  const who = bulk ? `${jobs.length} jobs` : `${job.first_name} ${job.last_name}`;
  // The panel's button may say more than the dialog's title has room for (Undo's target is in its body).
  const label = bulk ? meta.label : meta.titleOf?.(job) ?? actionLabel(action, job);
  const form = h("form", { id: "ad-form", novalidate: true },
    h("div", { class: "dialog-head" },
      h("h2", { id: "ad-title" }, `${label} · `, h("span", { class: "ad-who" }, who)),
      h("button", { type: "button", class: "btn btn-sm btn-ghost", "data-close": true, "aria-label": "Close" }, "Close")),
    h("div", { class: "dialog-body stack" },
      bulk ? h("p", { class: "muted" }, jobs.map((j) => `${j.first_name} ${j.last_name} (${j.short_id})`).join(", ")) :
        h("p", { class: "muted mono" }, `${job.display_name || job.short_id} · ${statusLabel(job.status)}`),
      h("p", { class: "alert alert-info", id: "ad-live", hidden: true }),
      staffField(),
      f.nodes,
      h("div", { id: "ad-msg", role: "alert", class: "ad-msg" })),
    h("div", { class: "dialog-foot" },
      h("button", { type: "button", class: "btn", "data-close": true }, "Cancel"),
      h("button", { type: "submit", class: `btn ${meta.danger ? "btn-danger" : "btn-primary"}`, id: "ad-submit" }, meta.submit || label)));
  clear(d, form);
  onJobChanged(job);
  form.addEventListener("input", () => f.live?.(form));
  const changed = (e) => {
    const name = e.target.name;
    if (!name) return;
    clearField(form, name);
    if (action === "reject" && name === "note" && e.target.value.trim()) clearField(form, "reasons");
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  const claims = !bulk && !meta.noClaim;
  form.elements.staff.addEventListener("change", () => { if (claims) claim(); sendFile(); });
  form.addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  f.live?.(form);
  d.addEventListener("close", onClose, { once: true });
  d.showModal();
  form.elements.staff.focus();
  if (claims) claim();
}

async function claim() {
  const s = state;
  if (!s) return;
  const staff = $("#ad-form").elements.staff.value;
  const id = s.ids[0];
  clearInterval(s.renew);
  try {
    await act(id, "claim", { staff, expected_status: s.live.status });
    s.claimed = true;
    s.claimStaff = staff;
    s.renew = setInterval(() => act(id, "claim", { staff, expected_status: s.live.status }).catch(() => {}), CLAIM_RENEW_MS);
  } catch (err) {
    if (err.status === 423 || err.status === 409) showMsg(err.message, "warning");
  }
}

async function release(s) {
  clearInterval(s.renew);
  if (!s.claimed) return;
  const r = s.live;
  if (r.claim_workstation && r.claim_workstation !== ctx.me.id) return;
  await act(s.ids[0], "release", { staff: s.claimStaff || "", expected_status: r.status }).catch(() => {});
}

function onClose() {
  const s = state;
  state = null;
  if (s) release(s);
  if (!s) return;
  // The button that opened the dialog may have been re-rendered (live update, or
  // the detail panel refreshing after the action): find the nearest thing that
  // still stands for the job.
  const id = CSS.escape(s.ids[0] || "");
  const detail = document.getElementById("detail");
  let back = s.returnFocus?.isConnected && s.returnFocus.offsetParent !== null ? s.returnFocus : null;
  if (!back && s.fromDetail && detail?.open) {
    const label = s.returnFocus?.textContent;
    back = [...detail.querySelectorAll("button")].find((b) => b.textContent === label && !b.disabled) || document.getElementById("dt-title");
    if (back?.id === "dt-title") back.tabIndex = -1;
  }
  back ||= document.querySelector(`#job-${id} .open`) || document.getElementById("jobs");
  back?.focus({ preventScroll: true });
}
async function closeDialog() {
  const d = $("#action-dialog");
  d.close();
}

function showMsg(text, kind = "danger", extra = null, about = "") {
  const box = $("#ad-msg");
  box.dataset.kind = text ? about : "";
  clear(box, text ? h("div", { class: `alert alert-${kind}` }, h("p", {}, text), extra) : null);
  // The message sits at the end of the scrolling body: bring it into view.
  if (text) box.scrollIntoView({ block: "nearest" });
}

function bodyOf(form, action) {
  const el = form.elements;
  const b = {};
  const numOf = (n) => (el[n] && el[n].value !== "" ? Number(el[n].value) : undefined);
  switch (action) {
    case "approve": Object.assign(b, { grams: numOf("grams"), hours: numOf("hours"), printer: el.printer.value }); break;
    case "requote": Object.assign(b, { grams: numOf("grams"), hours: numOf("hours") }); break;
    case "reject": b.reasons = [...form.querySelectorAll("input[name=reasons]:checked")].map((i) => i.value); b.note = el.note.value; break;
    case "confirm": case "cancel": b.reason = el.reason.value; break;
    case "start": if (el.printer.value) b.printer = el.printer.value; break;
    case "fail": b.reason = el.reason.value; b.fault = form.querySelector("input[name=fault]:checked")?.value || ""; break;
    case "pickup": Object.assign(b, { grams: numOf("grams"), reference: el.reference.value, picked_up_by: el.picked_up_by.value }); break;
    case "note": b.text = el.text.value; break;
    case "override": Object.assign(b, { to: el.to.value, reason: el.reason.value, notify: el.notify.checked }); break;
  }
  return b;
}

/**
 * checkFields is what each action needs before it is worth sending, in the
 * words of the desk; the server checks the same again and has the last word.
 */
function checkFields(form, action) {
  const el = form.elements;
  const out = {};
  const val = (n) => (el[n]?.value ?? "").trim();
  const weight = (n, required, empty) => {
    const v = val(n);
    if (v === "") { if (required) out[n] = empty; return; }
    const g = Number(v);
    if (!Number.isFinite(g) || g <= 0) out[n] = "Enter a weight above 0 g.";
  };
  const time = (n, required) => {
    const v = val(n);
    if (v === "") { if (required) out[n] = "Enter the print time in hours."; return; }
    const t = Number(v);
    if (!Number.isFinite(t) || t < 0) out[n] = "Enter a print time of 0 hours or more.";
  };
  if (!el.staff.value) out.staff = "Choose who is performing this action.";
  switch (action) {
    case "approve":
      weight("grams", true, "Enter the material from the slicer, in grams.");
      time("hours", true);
      break;
    case "requote":
      weight("grams", false);
      time("hours", false);
      break;
    case "reject":
      if (!form.querySelector("input[name=reasons]:checked") && !val("note")) out.reasons = "Choose at least one reason, or write a message to the student.";
      break;
    case "confirm":
      if (!val("reason")) out.reason = "Say why you are confirming for the student.";
      break;
    case "fail":
      if (!val("reason")) out.reason = "Say what went wrong.";
      if (!form.querySelector("input[name=fault]:checked")) out.fault = "Choose whose fault it was.";
      break;
    case "pickup":
      weight("grams", true, "Weigh the print and enter its weight in grams.");
      if (!val("reference")) out.reference = "Enter the payment reference from the till or receipt.";
      if (!val("picked_up_by")) out.picked_up_by = "Enter who collected the print.";
      break;
    case "note":
      if (!val("text")) out.text = "Write the note first.";
      break;
    case "override":
      if (!el.to.value) out.to = "Choose the new status.";
      if (!val("reason")) out.reason = "Say why the status is being overridden.";
      break;
  }
  return out;
}

/** sentence turns the server's per-field text ("must be at most 500 characters") into one a person reads. */
const sentence = (t) => { t = String(t || "").trim(); return t ? t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".") : ""; };

/** groupOf is every input a field's error belongs to: one input, or a group of boxes. */
function groupOf(form, name) {
  const input = form.elements[name];
  if (!input) return [];
  return input instanceof RadioNodeList ? [...input] : [input];
}

/** clearField drops one field's error once it changes (and the summary when none is left). */
function clearField(form, name) {
  const err = form.querySelector(`#ad-${CSS.escape(name)}-err`);
  if (!err?.textContent) return;
  err.textContent = "";
  for (const n of groupOf(form, name)) n.removeAttribute("aria-invalid");
  form.querySelector(`fieldset#ad-${CSS.escape(name)}`)?.classList.remove("invalid");
  if (!form.querySelector(".field-error:not(:empty)") && $("#ad-msg").dataset.kind === "fields") showMsg("");
}

function markFields(form, fields) {
  for (const n of form.querySelectorAll("[aria-invalid]")) n.removeAttribute("aria-invalid");
  for (const n of form.querySelectorAll("fieldset.invalid")) n.classList.remove("invalid");
  for (const n of form.querySelectorAll(".field-error")) n.textContent = "";
  let first = null;
  for (const [name, msg] of Object.entries(fields || {})) {
    const err = form.querySelector(`#ad-${CSS.escape(name)}-err`);
    if (err) err.textContent = msg;
    form.querySelector(`fieldset#ad-${CSS.escape(name)}`)?.classList.add("invalid");
    for (const n of groupOf(form, name)) { n.setAttribute("aria-invalid", "true"); first ||= n; }
  }
  first?.focus();
}

/** showInvalid marks the fields and puts one short summary in the alert, never the same text twice. */
function showInvalid(form, fields) {
  const n = Object.keys(fields).length;
  showMsg(n === 1 ? "Check the highlighted field." : `Check the ${n} highlighted fields.`, "danger", null, "fields");
  markFields(form, fields); // after the summary, so the first field is what scrolls into view
}

async function submit(extra = {}) {
  const form = $("#ad-form");
  const s = state;
  const staff = form.elements.staff.value;
  const invalid = checkFields(form, s.action);
  if (Object.keys(invalid).length) { showInvalid(form, invalid); return; }
  if (ACTIONS[s.action].local) { // the dialog's work is done as it goes (attach uploads on drop)
    if (!s.attached) { showInvalid(form, { file: "Drop the sliced file here first, or choose it." }); return; }
    toast(`${s.jobs[0].first_name} ${s.jobs[0].last_name}: print file ${s.attached} attached.`, "success");
    $("#action-dialog").close();
    return;
  }
  const btn = $("#ad-submit");
  btn.disabled = true;
  markFields(form, {});
  showMsg("");
  const body = { ...bodyOf(form, s.action), ...extra };
  const results = [];
  for (const j of s.jobs) {
    try {
      await act(j.id, s.action, { staff, expected_status: s.expected[j.id], ...body });
      results.push([j, null]);
    } catch (err) {
      results.push([j, err]);
    }
  }
  btn.disabled = false;
  const done = results.filter(([, e]) => !e).map(([j]) => j.id);
  if (done.length) s.onDone?.(done);
  if (state !== s) return;
  const failed = results.filter(([, e]) => e);
  const name = (j) => `${j.first_name} ${j.last_name}`;
  if (!failed.length) {
    toast(s.bulk ? `${results.length} jobs ${ACTIONS[s.action].verb}.` : `${name(s.jobs[0])}: ${ACTIONS[s.action].verb}.`, "success");
    if (!(s.action === "note" || s.action === "review" || s.action === "unreview" || s.action === "requote")) s.claimed = false;
    $("#action-dialog").close();
    return;
  }
  if (s.bulk) {
    const ok = results.length - failed.length;
    showMsg(`${ok} of ${results.length} done. Not done:`, "warning",
      h("ul", {}, failed.map(([j, e]) => h("li", {}, `${name(j)} (${j.short_id}): ${e.message}`))));
    s.jobs = failed.map(([j]) => j);
    return;
  }
  const err = failed[0][1];
  if (err.status === 422 && err.code === "over_quote") {
    showMsg(err.message, "warning", h("button", { type: "button", class: "btn btn-primary", id: "ad-accept", onclick: () => submit({ accept_over_quote: true }) }, "Accept and save"));
    $("#ad-accept").focus();
    return;
  }
  const known = Object.entries(err.fields || {}).filter(([n]) => form.querySelector(`#ad-${CSS.escape(n)}-err`));
  if (err.status === 400 && known.length) {
    showInvalid(form, Object.fromEntries(known.map(([n, m]) => [n, sentence(m)])));
    return;
  }
  showMsg(err.message, err.status === 409 || err.status === 423 ? "warning" : "danger");
}
