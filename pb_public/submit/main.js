// The submit page (SPEC §5): the lab's notice, the form with choices that
// follow the print method, validation as you type, a 3D preview with size,
// fit and units warnings, the instant estimate, and an upload with progress.
// The chosen colour shows as a swatch and colours the preview.
import { h, clear, $ } from "/shared/dom.js";
import { money, mm, bytes } from "/shared/format.js";
import { safeFragment } from "/shared/html.js";
import { loadCatalog, swatchOf, chipOf } from "/shared/swatches.js";
import { showLabName } from "/shared/lab.js";
import { rules, firstInvalid } from "./validate.js";
import { loadModel, measure, fitsIn, unitsWarning, estimateCents } from "./model.js";
import { upload } from "./upload.js";

// What each method is, for someone who has never printed.
const METHODS = {
  filament: { title: "Filament (FDM)", text: "Melted plastic laid down layer by layer. Sturdy and economical, good for larger parts; layer lines are visible." },
  resin: { title: "Resin (SLA)", text: "Liquid resin hardened by light. Very fine detail and smooth surfaces, for smaller parts; costs more per gram." },
};

const form = $("#submit-form");
const state = { catalog: null, file: null, stats: null, touched: new Set(), submitted: false, xhr: null, viewer: null };

init();

async function init() {
  try {
    state.catalog = await loadCatalog();
  } catch (err) {
    const el = $("#load-error");
    el.textContent = `The form could not be loaded: ${err.message}`;
    el.hidden = false;
    form.hidden = true;
    return;
  }
  const cat = state.catalog;
  showLabName(cat.lab_name);
  document.querySelectorAll("[data-min-charge]").forEach((el) => { el.textContent = money(cat.min_charge_cents); });
  document.querySelectorAll("[data-max-mb]").forEach((el) => { el.textContent = cat.max_upload_mb; });
  if (cat.notice_html) {
    const notice = $("#notice");
    clear(notice, safeFragment(cat.notice_html));
    notice.hidden = false;
  }
  const disc = $("#discipline");
  for (const d of cat.disciplines) disc.append(h("option", { value: d }, d));

  const methods = [...new Set(cat.printers.map((p) => p.method))].filter((m) => cat.materials.some((x) => x.method === m));
  clear($("#method-options"), methods.map((m) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "method", value: m, onchange: onMethod }),
    h("span", {}, h("span", { class: "choice-title" }, METHODS[m]?.title || m),
      h("span", { class: "choice-text" }, METHODS[m]?.text || "")))));

  $("#material").addEventListener("change", () => { fillColors(); updateModelInfo(); });
  $("#color").addEventListener("change", showColor);
  $("#model").addEventListener("change", (e) => chooseFile(e.target.files[0]));
  setupDrop();
  form.addEventListener("input", (e) => touch(e.target));
  form.addEventListener("change", (e) => touch(e.target));
  form.addEventListener("focusout", (e) => { if (e.target.name) { state.touched.add(e.target.name); check(e.target.name); } });
  form.addEventListener("submit", onSubmit);
  $("#upload-cancel").addEventListener("click", () => state.xhr?.abort());
}

function onMethod() {
  const m = method();
  const mats = state.catalog.materials.filter((x) => x.method === m);
  const sel = $("#material");
  clear(sel, mats.length > 1 ? h("option", { value: "" }, "Choose…") : null,
    mats.map((x) => h("option", { value: x.id }, `${x.name} · ${money(x.cents_per_gram)}/g`)));
  fillColors();
  renderPrinters();
  updateModelInfo();
  for (const n of ["material", "color", "printer"]) if (state.touched.has(n) || state.submitted) check(n);
}

function method() { return form.querySelector("input[name=method]:checked")?.value || ""; }
function material() { return state.catalog.materials.find((x) => x.id === $("#material").value); }
function printer() { return state.catalog.printers.find((p) => p.id === form.querySelector("input[name=printer]:checked")?.value); }

function fillColors() {
  const mat = material();
  $("#material-hint").textContent = mat?.description || "";
  const sel = $("#color");
  const prev = sel.value;
  clear(sel, h("option", { value: "" }, mat ? "Choose…" : "Choose a material first"),
    (mat?.colors || []).map((c) => h("option", { value: c }, c)));
  if (mat?.colors.includes(prev)) sel.value = prev;
  showColor();
}

/** showColor puts the chosen colour in the chip beside the list and on the preview. */
function showColor() {
  const name = $("#color").value;
  const chip = chipOf(state.catalog, name);
  const swatch = $("#color-swatch");
  swatch.style.backgroundColor = chip;
  swatch.hidden = !chip;
  state.viewer?.setColor(swatchOf(state.catalog, name));
}

function renderPrinters() {
  const prev = printer()?.id;
  const list = state.catalog.printers.filter((p) => p.method === method());
  if (!method()) { clear($("#printer-options"), h("p", { class: "hint" }, "Choose a print method first.")); return; }
  clear($("#printer-options"), list.map((p) => {
    const fits = state.stats ? fitsIn(state.stats.size, p.build_mm) : true;
    return h("label", { class: "choice" },
      h("input", { type: "radio", name: "printer", value: p.id, checked: p.id === prev || list.length === 1, onchange: updateModelInfo }),
      h("span", {}, h("span", { class: "choice-title" }, p.name),
        h("span", { class: "choice-text" }, `Build volume ${mm(p.build_mm)}`),
        p.description ? h("span", { class: "choice-text" }, p.description) : null,
        fits ? null : h("span", { class: "choice-warn" }, "Your model is too big for this one")));
  }));
}

function touch(el) {
  if (!el.name) return;
  if (el.type === "radio" || el.type === "checkbox" || el.tagName === "SELECT") state.touched.add(el.name);
  if (state.touched.has(el.name) || state.submitted) check(el.name);
}

/** values is the form as the rules and the server read it. */
function values() {
  return {
    first_name: $("#first_name").value, last_name: $("#last_name").value, email: $("#email").value,
    discipline: $("#discipline").value, course: $("#course").value, method: method(),
    material: $("#material").value, color: $("#color").value, printer: printer()?.id || "",
    ack_min_charge: $("#ack_min_charge").checked, ack_mm: $("#ack_mm").checked,
    model: state.file,
  };
}

/** check validates one field and shows or clears its message; returns the message. */
function check(name) {
  const rule = rules[name];
  if (!rule) return "";
  const msg = rule(values(), state.catalog);
  showError(name, msg);
  return msg;
}

function showError(name, msg) {
  const err = document.getElementById(`${name}-error`);
  if (err) err.textContent = msg || "";
  const target = name === "method" ? $("#method-field") : name === "printer" ? $("#printer-field") : document.getElementById(name);
  if (target) target.setAttribute("aria-invalid", msg ? "true" : "false");
  syncSummary();
}

/** syncSummary keeps the "correct N fields" line true while the student fixes them. */
function syncSummary() {
  const box = $("#form-error");
  if (box.hidden || !box.dataset.count) return;
  const n = form.querySelectorAll('[aria-invalid="true"]').length;
  if (n === 0) { box.hidden = true; delete box.dataset.count; return; }
  box.textContent = n === 1 ? "Please correct the highlighted field." : `Please correct the ${n} highlighted fields.`;
}

// --- the model file ---

function setupDrop() {
  const zone = $("#dropzone");
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.dataset.drag = "on"; });
  zone.addEventListener("dragleave", () => { delete zone.dataset.drag; });
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    delete zone.dataset.drag;
    const f = e.dataTransfer?.files?.[0];
    if (f) chooseFile(f);
  });
}

async function chooseFile(file) {
  state.file = file || null;
  state.stats = null;
  state.touched.add("model");
  showChosen(file);
  $("#model-facts").hidden = true;
  $("#estimate").hidden = true;
  clear($("#model-warnings"));
  if (check("model") || !file) { renderPrinters(); return; }
  $("#viewer-empty").textContent = "Reading your model…";
  $("#viewer-empty").hidden = false;
  try {
    const obj = await loadModel(file);
    const stats = measure(obj);
    if (!stats.triangles) throw Object.assign(new Error("The file contains no triangles, so there is nothing to print."), { human: true });
    state.stats = stats;
    if (!state.viewer) {
      const { Viewer } = await import("/shared/viewer.js");
      state.viewer = new Viewer($("#viewer"));
      showColor();
    }
    state.viewer.show(obj);
    $("#viewer-empty").hidden = true;
    $("#viewer-help").hidden = false;
  } catch (err) {
    $("#viewer-empty").textContent = "We couldn't show a preview of this file.";
    // The browser's reader is stricter than needed for some exports; the server
    // decides. Its own error text (e.g. "Array buffer allocation failed") is for
    // developers, so the student reads what it means instead.
    const why = err?.human ? err.message : "This file could not be read as an STL, OBJ or 3MF model, so there is no preview.";
    $("#model-warnings").append(h("p", { class: "alert alert-warning", id: "preview-error" },
      `${why} You can still send it: the lab checks every file when it arrives and will tell you exactly what is wrong.`));
  }
  renderPrinters();
  updateModelInfo();
}

/** showChosen names the chosen file in the drop zone, which then offers to choose another. */
function showChosen(file) {
  const name = $("#model-name");
  name.textContent = file ? `${file.name} (${bytes(file.size)})` : "";
  name.hidden = !file;
  $("#dropzone-title").textContent = file ? "Choose another file" : "Choose your model file";
  $("#dropzone-icon").src = `/vendor/icons/${file ? "file" : "upload"}.svg`;
}

/** updateModelInfo shows size, fit and units warnings and the estimate for the current choices. */
function updateModelInfo() {
  const s = state.stats;
  const warn = $("#model-warnings");
  warn.querySelectorAll("[data-model-warning]").forEach((n) => n.remove());
  if (!s) return;
  $("#fact-size").textContent = mm(s.size);
  $("#fact-volume").textContent = `${(s.volume / 1000).toFixed(1)} cm³`;
  $("#fact-tris").textContent = s.triangles.toLocaleString("en-US");
  $("#model-facts").hidden = false;
  const p = printer();
  if (p && !fitsIn(s.size, p.build_mm)) {
    const others = state.catalog.printers.filter((x) => x.method === p.method && x.id !== p.id && fitsIn(s.size, x.build_mm));
    warn.append(h("p", { class: "alert alert-warning", "data-model-warning": "fit" },
      `Your model (${mm(s.size)}) does not fit the ${p.name} (${mm(p.build_mm)}) in any orientation. `,
      others.length ? `It fits the ${others.map((x) => x.name).join(" or ")}.` : "Scale it down or split it into parts."));
  }
  const units = unitsWarning(s.size);
  if (units) warn.append(h("p", { class: "alert alert-warning", "data-model-warning": "units" }, units));
  const mat = material();
  if (mat) {
    showEstimate(estimateCents(s.volume, mat, state.catalog.estimate_fill, state.catalog.min_charge_cents), mat);
    $("#estimate").hidden = false;
  } else {
    $("#estimate").hidden = true;
  }
}

/**
 * showEstimate writes the instant estimate. A price at the lab's minimum charge
 * is not "about" anything: a model that small costs exactly that, and says so.
 */
function showEstimate(est, mat) {
  const cat = state.catalog;
  const use = `about ${est.grams.toFixed(0)} g of ${mat.name} at ${Math.round(cat.estimate_fill * 100)} % fill, ${money(mat.cents_per_gram)}/g`;
  const value = $("#estimate-value");
  if (est.minimum) {
    clear(value, money(est.cents), h("span", { class: "estimate-qualifier" }, " — the lab's minimum charge"));
    $("#estimate-note").textContent = `Your model needs ${use}, which comes to less than the minimum. Staff send you the real quote to confirm before printing.`;
  } else {
    clear(value, `about ${money(est.cents)}`);
    $("#estimate-note").textContent = `An estimate only, from your model's volume (${use}, at least ${money(cat.min_charge_cents)}). Staff send you the real quote to confirm before printing.`;
  }
}

// --- sending ---

async function onSubmit(e) {
  e.preventDefault();
  if (state.xhr) return;
  state.submitted = true;
  const errs = {};
  for (const name of Object.keys(rules)) {
    const msg = check(name);
    if (msg) errs[name] = msg;
  }
  const formError = $("#form-error");
  const first = firstInvalid(errs);
  if (first) {
    const n = Object.keys(errs).length;
    formError.textContent = n === 1 ? "Please correct the highlighted field." : `Please correct the ${n} highlighted fields.`;
    formError.dataset.count = String(n);
    formError.hidden = false;
    focusField(first);
    return;
  }
  formError.hidden = true;
  const v = values();
  const data = new FormData();
  for (const [k, val] of Object.entries(v)) if (k !== "model") data.append(k, typeof val === "boolean" ? String(val) : val);
  data.append("model", v.model, v.model.name);

  const box = $("#upload"), bar = $("#upload-bar"), label = $("#upload-label"), btn = $("#submit-button");
  box.hidden = false;
  btn.disabled = true;
  label.textContent = "Uploading… 0 %";
  const live = $("#upload-live");
  live.textContent = "Uploading your model.";
  let announced = 0;
  const job = upload("/api/printlab/submit", data, (sent, total) => {
    const pct = total ? Math.floor((sent / total) * 100) : 0;
    bar.firstElementChild.style.width = `${pct}%`;
    bar.setAttribute("aria-valuenow", String(pct));
    label.textContent = pct >= 100 ? "Checking your model…" : `Uploading… ${pct} %`;
    // A screen reader hears every quarter, not every event.
    if (pct >= announced + 25) {
      announced = pct - (pct % 25);
      live.textContent = pct >= 100 ? "Upload finished; checking your model." : `${announced} percent uploaded.`;
    }
  });
  state.xhr = job.xhr;
  try {
    const res = await job.done;
    showSuccess(res);
  } catch (err) {
    box.hidden = true;
    bar.firstElementChild.style.width = "0";
    if (err.aborted) {
      formError.textContent = "Upload cancelled. Nothing was sent; you can send it again when you're ready.";
      delete formError.dataset.count;
      formError.hidden = false;
      return;
    }
    const fields = err.fields || {};
    const resend = err.body?.resend_url;
    if (resend && fields.model) fields.model = fields.model.replace(` (no longer have it? Get a new link at ${resend})`, "");
    for (const [k, msg] of Object.entries(fields)) showError(k, msg);
    if (resend && fields.model) $("#model-error").append(" ", h("a", { href: resend }, "No longer have that email? Get a new link."));
    // A refusal about fields is told beside them; the summary only counts them.
    const n = Object.keys(fields).length;
    if (n) {
      formError.textContent = n === 1 ? "Please correct the highlighted field." : `Please correct the ${n} highlighted fields.`;
      formError.dataset.count = String(n);
      formError.hidden = false;
    } else {
      formError.textContent = err.message;
      delete formError.dataset.count;
      formError.hidden = false;
    }
    const f = firstInvalid(fields);
    if (f) focusField(f); else formError.scrollIntoView({ block: "center" });
  } finally {
    state.xhr = null;
    btn.disabled = false;
  }
}

function focusField(name) {
  const el = name === "method" ? form.querySelector("input[name=method]") :
    name === "printer" ? (form.querySelector("input[name=printer]") || form.querySelector("input[name=method]")) :
      document.getElementById(name);
  const target = name === "model" ? $("#dropzone") : el;
  target?.scrollIntoView({ block: "center", behavior: "instant" });
  el?.focus({ preventScroll: true });
}

function showSuccess(res) {
  $("#submit-view").hidden = true;
  const view = $("#success-view");
  $("#success-id").textContent = res.short_id;
  const link = $("#success-link");
  // The private link from the server: same origin path, the key after '#'.
  // Kept on this site whatever public_url says, so a preview or test server links to itself.
  const u = new URL(res.status_url, location.href);
  link.href = u.pathname + u.hash;
  view.hidden = false;
  window.scrollTo(0, 0);
  view.focus();
}
