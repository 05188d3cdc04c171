// The staff dashboard: workstation sign-in, status tabs with live counts, job
// cards, search and filters kept in the URL, keyboard shortcuts, bulk actions
// and one realtime subscription that keeps every open dashboard current.
import { h, clear, $, breakable } from "/shared/dom.js";
import { STATUSES, statusLabel } from "/shared/status.js";
import { toast } from "/shared/toast.js";
import { isoDay, dateTime, setTimeZone } from "/shared/format.js";
import { pb, sound, setUnauthorizedHandler, call, act, fileURL, downloadCSV, rangeProblem } from "./lib.js";
import { openAction, actionsFor, actionLabel, movesFrom, dialogJob, onJobChanged as dialogJobChanged } from "./dialogs.js";
import { openDetail, detailJob, refreshDetail } from "./detail.js";

const PAGE = 50;
// Card fields only: model stats, estimates and the like load with the detail view.
const CARD_FIELDS = ["id", "collectionId", "collectionName", "short_id", "status", "first_name", "last_name", "email",
  "discipline", "course", "method", "material", "color", "printer", "display_name", "thumbnail", "reviewed",
  "confirm_expired", "uncollected", "failure_count", "notes", "claim_workstation", "claim_staff", "claim_until",
  "created", "status_changed", "quote_cents", "grams", "hours", "updated"].join(",");

/** ctx is what every module of the desk reads: catalog, names, the signed-in workstation. */
export const ctx = {
  printers: [], materials: [], staff: [], settings: {}, wsNames: {},
  get me() { return pb.authStore.record; },
  staffName(id) { return this.staff.find((s) => s.id === id)?.name || "someone"; },
  wsName(id) { return id === this.me?.id ? this.me.name : this.wsNames[id] || "another workstation"; },
  printerName(id) { return this.printers.find((p) => p.id === id)?.name || ""; },
  material(id) { return this.materials.find((m) => m.id === id); },
};

const view = readView();
let list = [];          // the records of the current tab, in display order
let page = 1, hasMore = false, loading = 0;
const selected = new Set();
const seenNew = new Set(); // submissions that already played the sound
let counts = {};
let started = false;

// ---------- URL state ----------
function readView() {
  const p = new URLSearchParams(location.search);
  return {
    status: STATUSES.some(([s]) => s === p.get("status")) ? p.get("status") : "uploaded",
    q: p.get("q") || "", printer: p.get("printer") || "", method: p.get("method") || "",
    discipline: p.get("discipline") || "", flag: p.get("flag") || "", sort: p.get("sort") || "created",
  };
}
function writeView() {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(view)) if (v && !(k === "sort" && v === "created")) p.set(k, v);
  history.replaceState(null, "", `${location.pathname}${p.toString() ? "?" + p : ""}`);
}

// ---------- filters ----------
/** filterParams is the view's filters as the desk list and counts routes take them. */
function filterParams(status) {
  const p = new URLSearchParams();
  if (status) p.set("status", status);
  for (const k of ["q", "printer", "method", "discipline", "flag"]) if (view[k]) p.set(k, view[k]);
  return p;
}

/** matches mirrors the server's filters in the browser, for records that arrive by realtime. */
function matches(r, status = view.status) {
  if (r.status !== status) return false;
  for (const term of view.q.trim().toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5)) {
    if (![r.first_name, r.last_name, r.email, r.short_id, r.course].some((v) => String(v || "").toLowerCase().includes(term))) return false;
  }
  if (view.printer && r.printer !== view.printer) return false;
  if (view.method && r.method !== view.method) return false;
  if (view.discipline && r.discipline !== view.discipline) return false;
  const f = view.flag;
  if (f === "new" && r.reviewed) return false;
  if (f === "expired" && !r.confirm_expired) return false;
  if (f === "uncollected" && !r.uncollected) return false;
  if (f === "failed" && !(r.failure_count > 0)) return false;
  if (f === "notes" && !(r.notes || []).length) return false;
  if (f === "claimed" && !claimedElsewhere(r) && !claimedHere(r)) return false;
  return true;
}

/** compare orders cards as the server does (names without regard to case). */
function compare(a, b) {
  const desc = view.sort.startsWith("-");
  const key = view.sort.replace(/^-/, "");
  const val = (r) => key === "last_name" ? `${r.last_name || ""}\u0000${r.first_name || ""}`.toLowerCase() : String(r[key] || "");
  const x = val(a), y = val(b);
  const c = x < y ? -1 : x > y ? 1 : 0;
  return desc ? -c : c;
}

// ---------- loading ----------
async function loadCounts() {
  try {
    const res = await call(`/api/printlab/desk/counts?${filterParams()}`, undefined, "GET");
    counts = res.counts;
  } catch { /* keep the last counts; the next change retries */ }
  renderTabs();
}
let countsTimer;
function scheduleCounts() {
  clearTimeout(countsTimer);
  countsTimer = setTimeout(loadCounts, 150);
}

// First pages of the other tabs, kept current by realtime, so a tab switch
// paints at once and only then revalidates against the server.
const tabCache = new Map(); // status -> {key, items, hasMore}
const cacheKey = () => JSON.stringify({ ...view, status: "" });

function fetchPage(status, n) {
  const p = filterParams(status);
  p.set("sort", view.sort);
  p.set("page", n);
  p.set("perPage", PAGE);
  return call(`/api/printlab/desk/jobs?${p}`, undefined, "GET");
}

async function loadList(reset = true) {
  const mine = ++loading;
  if (reset) page = 1;
  const status = view.status;
  const res = await fetchPage(status, page);
  if (mine !== loading || status !== view.status) return;
  hasMore = res.items.length === PAGE;
  list = reset ? res.items : list.concat(res.items.filter((r) => !list.some((x) => x.id === r.id)));
  if (reset) tabCache.set(status, { key: cacheKey(), items: res.items.slice(), hasMore });
  if (status === "uploaded") for (const r of list) seenNew.add(r.id);
  renderList(reset);
}

/** prefetch fills the cache of the other tabs, one request at a time, when the desk is idle. */
async function prefetch() {
  for (const [s] of STATUSES) {
    if (s === view.status || tabCache.get(s)?.key === cacheKey() || counts[s] === 0) continue;
    const key = cacheKey();
    try {
      const res = await fetchPage(s, 1);
      if (key === cacheKey()) tabCache.set(s, { key, items: res.items, hasMore: res.items.length === PAGE });
    } catch { return; }
  }
  document.body.dataset.prefetched = "1";
}

/** cacheApply keeps cached tabs current with a realtime change. */
function cacheApply(r, deleted) {
  for (const [s, c] of tabCache) {
    if (s === view.status) continue;
    const i = c.items.findIndex((x) => x.id === r.id);
    if (i >= 0) c.items.splice(i, 1);
    if (deleted || r.status !== s || !matches({ ...r }, s)) continue;
    let at = c.items.findIndex((x) => compare(r, x) < 0);
    if (at < 0) { if (c.hasMore) continue; at = c.items.length; }
    c.items.splice(at, 0, r);
  }
}

async function refreshAll() {
  await Promise.all([loadList(true), loadCounts()]);
}

// ---------- rendering ----------
function renderTabs() {
  const tabs = $("#tabs");
  if (!tabs.children.length) {
    STATUSES.forEach(([s, label], i) => {
      tabs.append(h("button", {
        type: "button", role: "tab", id: `tab-${s}`, class: "tab", dataset: { status: s },
        "aria-controls": "jobs", "aria-keyshortcuts": i < 9 ? String(i + 1) : null,
        onclick: () => switchTab(s),
      }, h("span", { class: "tab-label" }, label), h("span", { class: "tab-count", "aria-label": "" }, "")));
    });
  }
  for (const b of tabs.children) {
    const s = b.dataset.status;
    const on = s === view.status;
    b.setAttribute("aria-selected", String(on));
    b.tabIndex = on ? 0 : -1;
    const n = counts[s];
    const c = b.querySelector(".tab-count");
    c.textContent = n === undefined ? "" : String(n);
    c.setAttribute("aria-label", n === undefined ? "" : `${n} jobs`);
  }
  tabCue();
}

/** tabCue marks which ends of the sideways-scrolling tab row hide more tabs (phones), for the fade. */
function tabCue() {
  const w = $(".tabs-wrap");
  if (!w) return;
  const more = w.scrollWidth - w.clientWidth > 1;
  w.dataset.moreLeft = String(more && w.scrollLeft > 1);
  w.dataset.moreRight = String(more && w.scrollLeft < w.scrollWidth - w.clientWidth - 1);
}

function flashTab(status) {
  const b = document.getElementById(`tab-${status}`);
  if (!b) return;
  b.classList.remove("flash");
  void b.offsetWidth; // restart the animation
  b.classList.add("flash");
  setTimeout(() => b.classList.remove("flash"), 4000);
}

export async function switchTab(status) {
  if (status === view.status) return;
  view.status = status;
  selected.clear();
  writeView();
  renderTabs();
  document.getElementById(`tab-${status}`)?.scrollIntoView({ block: "nearest", inline: "nearest" });
  const cached = tabCache.get(status);
  if (cached?.key === cacheKey()) {
    loading++;
    list = cached.items.slice();
    hasMore = cached.hasMore;
    page = 1;
    renderList(true);
    loadList(true).catch(showError); // revalidate: the stream may have dropped something
    return;
  }
  await loadList(true);
}

// Age matters while a job waits on the lab; once it is finished it says nothing.
const FINISHED = ["picked_up", "rejected", "cancelled", "archived"];
// A quoted job waits on the student to confirm, a printed one on the student to
// collect it: how long says nothing about the lab being late, so these show the
// time since the move without the urgency colours (their flags say when it is
// too long: "Confirmation expired", "Uncollected").
const WAITS_ON_STUDENT = {
  pending: { text: "With student", title: (t) => `Quoted ${t}; waiting for the student to confirm` },
  completed: { text: "For pickup", title: (t) => `Completed ${t}; waiting for the student to collect it` },
};
function ageBadge(r) {
  const student = WAITS_ON_STUDENT[r.status];
  if (student) {
    return h("span", { class: "age age-student", title: student.title(dateTime(r.status_changed)) }, `${student.text} ${ageText(r.status_changed)}`);
  }
  return h("span", { class: `age ${ageClass(r.created)}`, title: `Submitted ${dateTime(r.created)}` },
    h("span", { class: "visually-hidden" }, "Age "), ageText(r.created));
}
function ageClass(iso) {
  const hrs = (Date.now() - new Date(iso).getTime()) / 3.6e6;
  return hrs < 24 ? "age-green" : hrs < 48 ? "age-yellow" : hrs < 72 ? "age-orange" : "age-red";
}
function ageText(iso) {
  const m = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60000));
  const d = Math.floor(m / 1440), hh = Math.floor((m % 1440) / 60), mm = m % 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${mm}m`;
  return `${mm}m`;
}
export function claimedElsewhere(r) {
  return r.claim_workstation && r.claim_workstation !== ctx.me?.id && new Date(r.claim_until) > new Date();
}
function claimedHere(r) {
  return r.claim_workstation === ctx.me?.id && new Date(r.claim_until) > new Date();
}

/** badges are a job's flags as small pills (shared with the detail view). */
export function badges(r) {
  const out = [];
  if (!r.reviewed && ["uploaded"].includes(r.status)) out.push(h("span", { class: "badge badge-orange badge-new" }, "NEW"));
  if (r.confirm_expired) out.push(h("span", { class: "badge badge-warning" }, "Confirmation expired"));
  if (r.uncollected) out.push(h("span", { class: "badge badge-warning" }, "Uncollected"));
  if (r.failure_count > 0) out.push(h("span", { class: "badge badge-danger" }, r.failure_count === 1 ? "Failed before" : `Failed ${r.failure_count}×`));
  if ((r.notes || []).length) out.push(h("span", { class: "badge" }, `Notes (${r.notes.length})`));
  if (claimedElsewhere(r)) {
    out.push(h("span", { class: "badge badge-accent badge-claim" }, r.claim_staff ? `Being handled by ${ctx.staffName(r.claim_staff)} at ${ctx.wsName(r.claim_workstation)}` : `Being handled at ${ctx.wsName(r.claim_workstation)}`));
  }
  return out;
}

function card(r) {
  const name = `${r.first_name} ${r.last_name}`;
  const li = h("li", { class: "job", id: `job-${r.id}`, dataset: { id: r.id } });
  const thumb = h("div", { class: "thumb", "aria-hidden": "true" });
  if (r.thumbnail) {
    fileURL(r, r.thumbnail, { thumb: "" }).then((src) => thumb.append(h("img", { src, alt: "", loading: "lazy", width: 96, height: 96 }))).catch(() => {});
  }
  const quick = actionsFor(r).filter((a) => a.card).map((a) =>
    h("button", { type: "button", class: `btn btn-sm ${a.primary ? "btn-primary" : ""}`, dataset: { action: a.action },
      "aria-label": `${a.label}: ${name}`, onclick: () => openAction(r.id, a.action) }, a.label));
  const pickable = BULK.some((action) => movesFrom(action, r.status));
  const finished = FINISHED.includes(r.status);
  li.append(h("article", { class: `card card-tight job-card ${r.reviewed || r.status !== "uploaded" ? "" : "is-new"}`, "aria-labelledby": `jn-${r.id}` },
    h("div", { class: `job-top${pickable ? "" : " no-pick"}` },
      pickable ? h("input", { type: "checkbox", class: "pick", checked: selected.has(r.id), "aria-label": `Select ${name}`,
        onchange: (e) => { e.target.checked ? selected.add(r.id) : selected.delete(r.id); renderBulk(); } }) : null,
      thumb,
      h("div", { class: "job-main" },
        h("h2", { class: "job-name" }, h("button", { type: "button", class: "linkish open", id: `jn-${r.id}`, onclick: () => openDetail(r.id) }, name)),
        h("p", { class: "job-file mono" }, breakable(r.display_name || r.short_id)),
        h("p", { class: "job-meta muted" }, [ctx.printerName(r.printer), r.color, r.method === "resin" ? "Resin" : "Filament"].filter(Boolean).join(" · ")),
        h("div", { class: "cluster job-badges" }, badges(r))),
      finished ? null : ageBadge(r)),
    quick.length ? h("div", { class: "cluster job-actions" }, quick) : null));
  return li;
}

function renderList(reset) {
  const ul = $("#cards");
  const focusedId = document.activeElement?.closest?.(".job")?.dataset.id;
  const nodes = list.map(card);
  ul.replaceChildren(...nodes);
  ul.dataset.status = view.status;
  // The load figures (BENCHMARKS.md, staff dashboard) read this mark: the first tab is on screen.
  if (!performance.getEntriesByName("desk-first-render").length) performance.mark("desk-first-render");
  $("#empty").hidden = list.length > 0;
  $("#empty").textContent = view.q || view.printer || view.method || view.discipline || view.flag
    ? "No jobs match these filters." : `No jobs are ${statusLabel(view.status).toLowerCase()} right now.`;
  $("#more").hidden = !hasMore;
  if (focusedId) document.querySelector(`#job-${CSS.escape(focusedId)} .open`)?.focus({ preventScroll: true });
  if (reset) renderBulk();
}

/** upsert puts a changed record in place without re-rendering the whole tab. */
function upsert(r) {
  const i = list.findIndex((x) => x.id === r.id);
  const ul = $("#cards");
  const had = document.activeElement?.closest?.(".job")?.dataset.id === r.id;
  if (i >= 0) {
    list[i] = r;
    const old = document.getElementById(`job-${r.id}`);
    const fresh = card(r);
    old?.replaceWith(fresh);
    if (had) fresh.querySelector(".open")?.focus({ preventScroll: true });
    if (selected.has(r.id)) renderBulk(); // e.g. reviewed elsewhere: "Mark reviewed" no longer applies
  } else {
    let at = list.findIndex((x) => compare(r, x) < 0);
    if (at < 0) {
      if (hasMore) return; // belongs beyond the loaded page
      at = list.length;
    }
    list.splice(at, 0, r);
    const next = ul.children[at];
    ul.insertBefore(card(r), next || null);
  }
  $("#empty").hidden = list.length > 0;
}
function remove(id) {
  const i = list.findIndex((x) => x.id === id);
  if (i < 0) return;
  const node = document.getElementById(`job-${id}`);
  const focused = node?.contains(document.activeElement);
  list.splice(i, 1);
  selected.delete(id);
  node?.remove();
  if (focused) focusCard(Math.min(i, list.length - 1));
  $("#empty").hidden = list.length > 0;
  renderBulk();
}

// ---------- realtime ----------
function onJobEvent(action, r) {
  if (action === "create" && r.status === "uploaded" && !seenNew.has(r.id)) {
    seenNew.add(r.id);
    if (ctx.settings.sound_on !== false && sound.play()) document.body.dataset.lastSound = r.id;
    flashTab("uploaded");
    toast(`New submission from ${r.first_name} ${r.last_name}`);
  }
  if (action === "delete" || !matches(r)) remove(r.id);
  else upsert(r);
  cacheApply(r, action === "delete");
  scheduleCounts();
  if (detailJob() === r.id) refreshDetail(r);
  if (dialogJob() === r.id) dialogJobChanged(r);
}

let downTimer;
function setupRealtime() {
  let connectedOnce = false;
  pb.realtime.subscribe("PB_CONNECT", () => {
    clearTimeout(downTimer);
    banner("offline", null);
    // After a gap, fetch what the stream may have missed.
    if (connectedOnce) { tabCache.clear(); refreshAll().then(prefetch).catch(() => {}); checkMail(); }
    connectedOnce = true;
  });

  pb.realtime.onDisconnect = () => {
    clearTimeout(downTimer);
    downTimer = setTimeout(() => banner("offline", "Live updates are paused: the connection to PrintLab was lost. Reconnecting…", "warning"), 1200);
  };
  return pb.collection("jobs").subscribe("*", (e) => onJobEvent(e.action, e.record), { fields: CARD_FIELDS });
}

// ---------- banners ----------
function banner(key, text, kind = "info", actions = []) {
  const box = $("#banners");
  box.querySelector(`[data-banner="${key}"]`)?.remove();
  if (!text) return;
  box.append(h("div", { class: `alert alert-${kind} banner`, dataset: { banner: key }, role: kind === "danger" ? "alert" : null }, text, ...actions));
}

// ---------- selection and bulk ----------
/** BULK are the moves the desk makes on several jobs at once (SPEC §6). */
const BULK = ["review", "start", "complete"];

/**
 * bulkOffers is each bulk move with the selected jobs it applies to (a job
 * already reviewed is not marked again); a move that applies to none is left out.
 */
function bulkOffers() {
  const jobs = list.filter((r) => selected.has(r.id));
  return BULK.map((action) => ({ action, ids: jobs.filter((r) => actionsFor(r).some((a) => a.action === action)).map((r) => r.id) }))
    .filter((o) => o.ids.length);
}

function renderBulk() {
  for (const id of [...selected]) if (!list.some((r) => r.id === id)) selected.delete(id);
  const bar = $("#bulkbar");
  bar.hidden = selected.size === 0;
  $("#bulk-count").textContent = `${selected.size} selected`;
  const offers = bulkOffers();
  clear($("#bulk-actions"), offers.length ? offers.map(({ action, ids }) => {
    const label = actionLabel(action);
    return h("button", { type: "button", class: "btn btn-sm btn-primary", dataset: { action },
      onclick: () => openAction(ids, action, { bulk: ids.length > 1, onDone: unselect }) },
    ids.length === selected.size ? label : `${label} (${ids.length} of ${selected.size})`);
  }) : h("span", { class: "muted" }, selected.size === 1 ? "No bulk action applies to this job." : "No bulk action applies to these jobs."));
}

/** unselect drops the jobs a bulk move was made on: what is left selected still needs doing. */
function unselect(ids) {
  for (const id of ids) selected.delete(id);
  for (const id of ids) {
    const box = document.querySelector(`#job-${CSS.escape(id)} .pick`);
    if (box) box.checked = false;
  }
  renderBulk();
}

// ---------- keyboard ----------
function cardNodes() { return [...document.querySelectorAll("#cards .job")]; }
function currentIndex() {
  const id = document.activeElement?.closest?.(".job")?.dataset.id;
  return cardNodes().findIndex((n) => n.dataset.id === id);
}
export function focusCard(i) {
  const nodes = cardNodes();
  if (!nodes.length) return;
  const n = nodes[Math.max(0, Math.min(nodes.length - 1, i))];
  n.querySelector(".open").focus();
  n.scrollIntoView({ block: "nearest" });
}
function currentJob() {
  const id = document.activeElement?.closest?.(".job")?.dataset.id;
  return list.find((r) => r.id === id);
}
const KEY_ACTIONS = { r: "review", a: "approve", x: "reject", s: "start", c: "complete", p: "pickup", n: "note" };

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (document.querySelector("dialog[open]")) return;
  const t = e.target;
  if (t.closest?.("input, select, textarea, [contenteditable]") && !t.classList?.contains("pick")) return;
  const k = e.key;
  if (k === "?") { e.preventDefault(); $("#help").showModal(); return; }
  if (k === "/") { e.preventDefault(); $("#q").focus(); $("#q").select(); return; }
  if (k === "j") { e.preventDefault(); focusCard(currentIndex() + 1); return; }
  if (k === "k") { e.preventDefault(); focusCard(currentIndex() < 0 ? 0 : currentIndex() - 1); return; }
  if (/^[1-9]$/.test(k)) { const s = STATUSES[Number(k) - 1]; if (s) { e.preventDefault(); switchTab(s[0]); } return; }
  if (k === "Enter" && t.classList?.contains("pick")) { e.preventDefault(); openDetail(currentJob()?.id); return; }
  const action = KEY_ACTIONS[k];
  if (action) {
    const r = currentJob();
    if (!r) { toast("Choose a job first: press j to move to the first card."); return; }
    if (!actionsFor(r).some((a) => a.action === action)) { toast(`That action is not available for a job that is ${statusLabel(r.status)}.`); return; }
    e.preventDefault();
    openAction(r.id, action);
  }
}

// ---------- sign-in ----------
function showSignin(message) {
  const d = $("#signin");
  $("#signin-msg").hidden = !message;
  $("#signin-msg").textContent = message || "";
  if (!d.open) d.showModal();
  $("#si-user").value ||= pb.authStore.record?.username || "";
  ($("#si-user").value ? $("#si-pass") : $("#si-user")).focus();
}

let reauthShown = false;
function onExpired(message = "Your sign-in has expired. Sign in again; nothing you typed is lost.") {
  if (reauthShown) return;
  reauthShown = true;
  showSignin(message);
}

async function signIn(e) {
  e.preventDefault();
  const err = $("#signin-error");
  err.textContent = "";
  const btn = $("#signin-submit");
  btn.disabled = true;
  try {
    await pb.collection("workstations").authWithPassword($("#si-user").value.trim(), $("#si-pass").value);
    $("#si-pass").value = "";
    $("#signin").close();
    reauthShown = false;
    if (started) {
      // Back in mid-shift: the realtime subscription re-authenticates on its own
      // connection; refetch what may have changed meanwhile.
      showSession();
      await pb.realtime.unsubscribe();
      await setupRealtime();
      tabCache.clear();
      await refreshAll();
    } else await start();
  } catch (ex) {
    err.textContent = ex?.status === 400 ? "That username and password do not match a workstation." : (ex?.message || "Sign-in failed.");
  } finally {
    btn.disabled = false;
  }
}

function showSession() {
  $("#session").hidden = false;
  clear($("#ws-name"), h("span", { class: "visually-hidden" }, "Signed in as workstation "), ctx.me?.name || ctx.me?.username || "");
}

function signOut() {
  pb.realtime.unsubscribe().catch(() => {});
  pb.authStore.clear();
  location.reload();
}

// ---------- start ----------
async function loadCatalog() {
  const [printers, materials, staff, settings, names] = await Promise.all([
    pb.collection("printers").getFullList({ sort: "sort,name" }),
    pb.collection("materials").getFullList({ sort: "sort,name" }),
    pb.collection("staff").getFullList({ sort: "name" }),
    pb.collection("lab_settings").getFirstListItem("").catch(() => ({})),
    call("/api/printlab/desk/names", undefined, "GET").catch(() => ({ workstations: {} })),
  ]);
  Object.assign(ctx, { printers, materials, staff, settings, wsNames: names.workstations || {} });
  setTimeZone(settings.timezone);
  sound.on = settings.sound_on !== false;
  sound.volume = Number(settings.sound_volume ?? 0.5);
  const fp = $("#f-printer");
  for (const p of printers) fp.append(h("option", { value: p.id }, p.name));
  const fd = $("#f-discipline");
  for (const d of settings.disciplines || []) fd.append(h("option", { value: d }, d));
}

/**
 * filtersCount shows on the phones' "Filters" toggle how many filters are set
 * behind it, so a tab that looks short says why.
 */
function filtersCount() {
  const n = ["printer", "method", "discipline", "flag"].filter((k) => view[k]).length;
  const c = $("#filters-count");
  c.hidden = n === 0;
  c.textContent = `(${n})`;
}

function bindFilters() {
  const form = $("#filters");
  const fields = { q: "#q", printer: "#f-printer", method: "#f-method", discipline: "#f-discipline", flag: "#f-flag", sort: "#f-sort" };
  for (const [k, sel] of Object.entries(fields)) $(sel).value = view[k];
  filtersCount();
  // Phones show the search and this toggle; the selects open below it (desk.css).
  $("#filters-toggle").addEventListener("click", (e) => {
    const open = form.classList.toggle("open");
    e.currentTarget.setAttribute("aria-expanded", String(open));
  });
  let t;
  form.addEventListener("input", (e) => {
    clearTimeout(t);
    t = setTimeout(() => {
      for (const [k, sel] of Object.entries(fields)) view[k] = $(sel).value;
      writeView();
      filtersCount();
      tabCache.clear();
      refreshAll().then(prefetch).catch(showError);
    }, e.target.id === "q" ? 250 : 0);
  });
  form.addEventListener("submit", (e) => e.preventDefault());
  // Enter or ↓ in the search box jumps to the first matching card.
  $("#q").addEventListener("keydown", (e) => {
    if (e.key !== "Enter" && e.key !== "ArrowDown") return;
    e.preventDefault();
    clearTimeout(t);
    view.q = $("#q").value;
    writeView();
    loadList(true).then(() => focusCard(0)).catch(showError);
    scheduleCounts();
  });
}

function showError(err) {
  if (err?.status === 401) return;
  banner("error", err?.message || "Something went wrong loading jobs.", "danger");
}

async function checkMail() {
  try {
    const st = await call("/api/printlab/mail/status", undefined, "GET");
    if (st?.delivery === "file") banner("mail", st.warning || "Email is not being delivered: no mail server is set up, so messages are only written to files on the server.", "warning");
    else banner("mail", st?.warning || null, "warning");
  } catch { /* the notice is a courtesy; the dashboard works without it */ }
}

async function start() {
  started = true;
  showSession();
  $("#main").hidden = false;
  renderTabs();
  bindFilters();
  await loadCatalog();
  await Promise.all([loadList(true), loadCounts(), setupRealtime()]);
  document.body.dataset.ready = "1";
  setTimeout(prefetch, 300);
  checkMail();
  // Emails fail on the server's clock (the last retry): look again every two minutes.
  setInterval(checkMail, 2 * 60 * 1000);
  // Ages grow and claims run out without any event: re-render the cards each minute.
  setInterval(() => { if (!document.querySelector("#cards .job:focus-within")) renderList(false); }, 60000);
}

// ---------- CSV export ----------
/** openExport offers this month so far, the range accounts ask for most. */
function openExport() {
  const now = new Date();
  if (!$("#ex-from").value) $("#ex-from").value = isoDay(new Date(now.getFullYear(), now.getMonth(), 1));
  if (!$("#ex-to").value) $("#ex-to").value = isoDay(now);
  $("#export-error").textContent = "";
  $("#export").showModal();
}

/** downloadExport saves the chosen CSV; a refusal is shown in the dialog. */
async function downloadExport(e) {
  e.preventDefault();
  const kind = e.submitter?.value || "payments.csv";
  const err = $("#export-error");
  err.textContent = "";
  const dates = [$("#ex-from"), $("#ex-to")];
  dates.forEach((d) => d.removeAttribute("aria-invalid"));
  const bad = rangeProblem(dates[0].value, dates[1].value);
  if (bad) {
    err.textContent = bad;
    dates.forEach((d) => d.setAttribute("aria-invalid", "true"));
    return;
  }
  const buttons = e.target.querySelectorAll("button[type=submit]");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    toast(`Saved ${await downloadCSV(kind, $("#ex-from").value, $("#ex-to").value)}.`);
  } catch (x) {
    if (x.status !== 401) err.textContent = x.message;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

function init() {
  setUnauthorizedHandler(onExpired);
  $("#signin-form").addEventListener("submit", signIn);
  $("#signout").addEventListener("click", signOut);
  $("#help-btn").addEventListener("click", () => $("#help").showModal());
  $("#export-btn").addEventListener("click", openExport);
  $("#export-form").addEventListener("submit", downloadExport);
  $("#export-form").addEventListener("input", () => {
    $("#export-error").textContent = "";
    for (const d of document.querySelectorAll("#export-form [aria-invalid]")) d.removeAttribute("aria-invalid");
  });
  for (const d of document.querySelectorAll("dialog")) {
    d.addEventListener("click", (e) => { if (e.target.closest("[data-close]")) e.target.closest("dialog").close(); });
  }
  $("#signin").addEventListener("cancel", (e) => e.preventDefault());
  $("#more").addEventListener("click", () => { page++; loadList(false).catch(showError); });
  $("#bulk-clear").addEventListener("click", () => { selected.clear(); renderList(true); });
  document.addEventListener("keydown", onKey);
  $(".tabs-wrap").addEventListener("scroll", tabCue, { passive: true });
  window.addEventListener("resize", tabCue);
  $("#tabs").addEventListener("keydown", (e) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    const i = STATUSES.findIndex(([s]) => s === view.status) + (e.key === "ArrowRight" ? 1 : -1);
    const s = STATUSES[(i + STATUSES.length) % STATUSES.length][0];
    switchTab(s).then(() => document.getElementById(`tab-${s}`).focus());
  });
  // Audio may start only after a gesture: unlock on the first one, offer a button until then.
  const soundBtn = $("#sound-btn");
  const unlock = () => { sound.unlock(); soundBtn.hidden = true; };
  soundBtn.addEventListener("click", unlock);
  document.addEventListener("pointerdown", unlock, { once: true });
  document.addEventListener("keydown", unlock, { once: true });
  soundBtn.hidden = false;
  if (pb.authStore.isValid && pb.authStore.record?.collectionName === "workstations") {
    start().catch((err) => { if (err?.status === 401) onExpired(); else showError(err); });
  } else {
    pb.authStore.clear();
    showSignin(new URLSearchParams(location.search).has("expired") ? "Your sign-in has expired. Sign in again." : "");
  }
}

init();
