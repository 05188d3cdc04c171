// The analytics page (SPEC §6): submissions and throughput over time, time in
// each status, backlog age, rejection reasons, grams by material and printer,
// revenue by month, by discipline and course; CSV exports for the same range.
// It uses the dashboard's sign-in (the same browser storage).
import uPlot from "/vendor/uplot/uPlot.esm.js";
import { h, clear, $ } from "/shared/dom.js";
import { money, isoDay } from "/shared/format.js";
import { statusLabel } from "/shared/status.js";
import { toast } from "/shared/toast.js";
import { pb, call, downloadCSV, setUnauthorizedHandler, rangeProblem } from "./lib.js";

const charts = [];

/** applyPreset fills the range from the period menu, ending today. */
function applyPreset() {
  const v = $("#an-preset").value;
  if (!v) return;
  const now = new Date();
  const from = v === "year" ? new Date(now.getFullYear(), 0, 1) : new Date(now.getFullYear(), now.getMonth(), now.getDate() - Number(v) + 1);
  $("#an-from").value = isoDay(from);
  $("#an-to").value = isoDay(now);
}

function readURL() {
  const p = new URLSearchParams(location.search);
  if (/^\d{4}-\d{2}-\d{2}$/.test(p.get("from") || "") && /^\d{4}-\d{2}-\d{2}$/.test(p.get("to") || "")) {
    $("#an-from").value = p.get("from");
    $("#an-to").value = p.get("to");
    $("#an-preset").value = "";
  } else {
    applyPreset();
  }
}

const num = (n) => Number(n || 0).toLocaleString("en-US");
const hrs = (x) => (x >= 48 ? `${(x / 24).toFixed(1)} days` : x < 0.1 ? "under 6 min" : `${Number(x).toFixed(1)} h`);

/** table builds an accessible table: cols are [heading, value(row), numeric?]. */
function table(caption, cols, rows, empty = "Nothing in this period.") {
  if (!rows.length) return h("p", { class: "muted" }, empty);
  return h("table", { class: "table" },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, cols.map(([c, , n]) => h("th", { scope: "col", class: n ? "num" : null }, c)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, cols.map(([, f, n], i) =>
      i === 0 ? h("th", { scope: "row" }, f(r)) : h("td", { class: n ? "num" : null }, f(r)))))));
}

function put(id, node) { clear($(id)).append(node); }

function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

/**
 * chart draws a uPlot chart in el at its width. labels name the points along
 * the x axis (weeks or months), which are evenly spaced categories.
 */
function chart(el, labels, series, bars = false) {
  const width = Math.max(280, el.clientWidth);
  const n = labels.length;
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(width / 90))));
  const opts = {
    width, height: 240,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, range: () => [-0.5, n - 0.5] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [
      { stroke: css("--c-text-2"), grid: { show: false }, splits: () => labels.map((_, i) => i).filter((i) => i % every === 0),
        values: (u, splits) => splits.map((i) => labels[i] ?? "") },
      { stroke: css("--c-text-2"), grid: { stroke: css("--c-border") }, size: 60 },
    ],
    series: [{ label: "" }, ...series.map((s) => ({
      label: s.label, stroke: s.stroke, width: 2, points: { show: true, size: 5 },
      ...(bars ? { paths: uPlot.paths.bars({ size: [0.6, 60] }), fill: s.stroke, points: { show: false } } : {}),
    }))],
  };
  const data = [labels.map((_, i) => i), ...series.map((s) => s.values)];
  const u = new uPlot(opts, data, clear(el));
  charts.push([u, el]);
  return u;
}

const short = (day) => new Date(`${day}T00:00:00`).toLocaleDateString("en-US", { month: "short", day: "numeric" });
const monthName = (m) => new Date(`${m}-01T00:00:00`).toLocaleDateString("en-US", { month: "short", year: "numeric" });

function render(a) {
  for (const [u] of charts.splice(0)) u.destroy();
  const t = a.totals;
  clear($("#tiles")).append(...[
    ["Submitted", num(t.submitted)], ["Paid and picked up", num(t.picked_up)], ["Rejected", num(t.rejected)],
    ["Revenue", money(t.revenue_cents)], ["Grams paid for", `${num(Math.round(t.grams))} g`],
    ["Median turnaround", t.picked_up ? hrs(t.turnaround_hours) : "—"],
  ].map(([k, v]) => h("div", { class: "tile" }, h("dt", {}, k), h("dd", {}, v))));

  const weeks = a.weeks;
  chart($("#chart-weeks"), weeks.map((w) => short(w.start)), [
    { label: "Submitted", stroke: css("--st-uploaded"), values: weeks.map((w) => w.submitted) },
    { label: "Picked up", stroke: css("--st-completed"), values: weeks.map((w) => w.picked_up) },
  ]);
  put("#tbl-weeks", table("Submissions and pickups per week", [
    ["Week of", (w) => w.start], ["Submitted", (w) => num(w.submitted), true], ["Picked up", (w) => num(w.picked_up), true]], weeks));

  const months = a.months;
  if (months.length) {
    chart($("#chart-months"), months.map((m) => monthName(m.month)),
      [{ label: "Revenue ($)", stroke: css("--c-accent"), values: months.map((m) => m.revenue_cents / 100) }], true);
  } else {
    put("#chart-months", h("p", { class: "muted" }, "No payments in this period."));
  }
  put("#tbl-months", table("Revenue by month", [
    ["Month", (m) => m.month], ["Payments", (m) => num(m.payments), true], ["Revenue", (m) => money(m.revenue_cents), true]], months));

  put("#tbl-status", table("Time spent in each status", [
    ["Status", (s) => statusLabel(s.status)], ["Moves", (s) => num(s.moves), true],
    ["Median", (s) => (s.moves ? hrs(s.median_hours) : "—"), true], ["9 in 10 within", (s) => (s.moves ? hrs(s.p90_hours) : "—"), true]],
  a.in_status));
  put("#tbl-backlog", table("Backlog now, by age", [
    ["Status", (b) => statusLabel(b.status)], ["Jobs", (b) => num(b.jobs), true],
    ["< 24 h", (b) => num(b.under_24h), true], ["24–48 h", (b) => num(b.under_48h), true],
    ["48–72 h", (b) => num(b.under_72h), true], ["Older", (b) => num(b.older), true]], a.backlog));
  put("#tbl-reasons", table("Rejection reasons", [["Reason", (r) => r.name], ["Jobs", (r) => num(r.n), true]], a.rejected,
    "No job was rejected in this period."));
  const g = [["Grams", (x) => `${num(x.grams)} g`, true], ["Jobs", (x) => num(x.jobs), true]];
  put("#tbl-material", table("Grams paid for, by material", [["Material", (x) => x.name || "—"], ...g], a.material, "No payments in this period."));
  put("#tbl-printer", a.printer.length ? table("Grams paid for, by printer", [["Printer", (x) => x.name || "—"], ...g], a.printer) : h("span"));
  const grp = [["Submitted", (x) => num(x.submitted), true], ["Revenue", (x) => money(x.revenue_cents), true]];
  put("#tbl-disc", table("By discipline", [["Discipline", (x) => x.name], ...grp], a.discipline));
  put("#tbl-course", table("Busiest courses", [["Course", (x) => x.name], ...grp], a.course));
}

/**
 * rangeError says what is wrong with the days (marking both date fields) and
 * greys the figures, which still show the previous period; "" clears it.
 */
function rangeError(msg) {
  $("#range-error").textContent = msg;
  for (const id of ["#an-from", "#an-to"]) {
    if (msg) $(id).setAttribute("aria-invalid", "true"); else $(id).removeAttribute("aria-invalid");
  }
  const figs = $("#figures");
  figs.classList.toggle("stale", !!msg);
  figs.inert = !!msg;
}

async function load() {
  const from = $("#an-from").value, to = $("#an-to").value;
  const bad = rangeProblem(from, to);
  if (bad) { rangeError(`${bad} The figures below are still for the last period shown.`); return; }
  rangeError("");
  const p = new URLSearchParams({ from, to });
  history.replaceState(null, "", `${location.pathname}?${p}`);
  $("#figures").setAttribute("aria-busy", "true");
  try {
    const a = await call(`/api/printlab/analytics?${p}`, undefined, "GET");
    $("#figures").hidden = false; // shown first, so the charts can measure their width
    render(a);
    document.body.dataset.ready = "1";
  } catch (err) {
    if (err.status !== 401) rangeError(err.message);
  } finally {
    $("#figures").setAttribute("aria-busy", "false");
  }
}

function init() {
  const me = pb.authStore.record;
  if (!pb.authStore.isValid || !me) {
    $("#signin-needed").hidden = false;
    return;
  }
  setUnauthorizedHandler(() => {
    $("#figures").hidden = true;
    $("#range").hidden = true;
    $("#signin-needed").hidden = false;
  });
  if (me.name) {
    $("#ws-name").textContent = me.name;
    $("#ws-name").hidden = false;
  }
  $("#range").hidden = false;
  readURL();
  $("#an-preset").addEventListener("change", () => { applyPreset(); load(); });
  for (const id of ["#an-from", "#an-to"]) $(id).addEventListener("input", () => { $("#an-preset").value = ""; });
  $("#range").addEventListener("submit", (e) => { e.preventDefault(); load(); });
  for (const b of document.querySelectorAll("[data-csv]")) {
    b.addEventListener("click", async () => {
      const bad = rangeProblem($("#an-from").value, $("#an-to").value);
      if (bad) { rangeError(bad); return; }
      b.disabled = true;
      try {
        toast(`Saved ${await downloadCSV(b.dataset.csv, $("#an-from").value, $("#an-to").value)}.`);
      } catch (err) {
        if (err.status !== 401) rangeError(err.message);
      } finally {
        b.disabled = false;
      }
    });
  }
  let resize;
  window.addEventListener("resize", () => {
    clearTimeout(resize);
    resize = setTimeout(() => { for (const [u, el] of charts) u.setSize({ width: Math.max(280, el.clientWidth), height: 240 }); }, 150);
  });
  load();
}

init();
