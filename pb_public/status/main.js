// The student's private status page (SPEC §5): /status/#JOBID.KEY. The key
// stays after '#', so it never reaches a server log; the page sends it to the
// API and to the realtime topic printlab/status/JOBID, which pushes the same
// public view whenever staff change the job.
import PocketBase from "/vendor/pocketbase.es.mjs";
import { api } from "/shared/api.js";
import { h, clear, $, breakable } from "/shared/dom.js";
import { money, dateTime, grams, hours, setTimeZone } from "/shared/format.js";
import { showLabName, showLabNameFromCatalog } from "/shared/lab.js";

const NOW_TEXT = {
  uploaded: "We have your model. Staff will check it and email you a quote to confirm.",
  pending: "We emailed you a quote. Please confirm it with the link in that email so we can print it.",
  ready_to_print: "You confirmed the quote, thank you. Your job is in the print queue.",
  printing: "Your model is being printed right now.",
  completed: "Your print is ready to pick up!",
  picked_up: "You picked up your print. Thank you!",
  rejected: "Staff could not approve this request. The reasons are in the timeline below and in your email.",
  cancelled: "This request was cancelled. Nothing will be printed or charged.",
  archived: "This request is closed.",
};

// A request that ended without a print can still become one: the way forward,
// said kindly, beside a link to the submit page.
const NEXT_TEXT = {
  rejected: "When you've changed your model, you're welcome to send it again: we're happy to take another look.",
  cancelled: "Want it printed after all? Send it again as a new request.",
};

const [id, key] = parseHash();
let current = null;

// Everything hangs on the hash: opening another link in the same tab starts over.
addEventListener("hashchange", () => location.reload());

init();

function parseHash() {
  const raw = decodeURIComponent(location.hash.slice(1));
  const dot = raw.indexOf(".");
  return dot > 0 ? [raw.slice(0, dot), raw.slice(dot + 1)] : ["", ""];
}

async function init() {
  if (!id || !key) {
    problem("This link is incomplete. Open the link from your email again, the whole link.", true);
    return;
  }
  await refresh();
  if (current) live();
  $("#cancel-open").addEventListener("click", openCancel);
  $("#cancel-keep").addEventListener("click", () => $("#cancel-dialog").close());
  $("#cancel-form").addEventListener("submit", doCancel);
}

async function refresh() {
  try {
    render(await api(`/api/printlab/status/${encodeURIComponent(id)}?key=${encodeURIComponent(key)}`));
  } catch (err) {
    problem(err.message, err.status === 404);
  }
}

/**
 * problem replaces the page with why it can't show the request; when the link
 * itself is bad (badLink), with what the student can do instead. A network or
 * server failure says only that: the link may be fine.
 */
function problem(msg, badLink) {
  $("#loading").hidden = true;
  $("#job").hidden = true;
  $("#problem").textContent = msg;
  $("#problem-help").hidden = !badLink;
  $("#problem-view").hidden = false;
  setLive("off", "Not connected");
  if (!current) showLabNameFromCatalog();
}

function render(job) {
  current = job;
  $("#loading").hidden = true;
  $("#problem-view").hidden = true;
  $("#job").hidden = false;
  setTimeZone(job.timezone);
  document.title = `Request ${job.short_id}: ${job.status_label}`;
  showLabName(job.lab_name);
  $("#short-id").textContent = job.short_id;
  const pill = $("#status-pill");
  pill.dataset.status = job.status;
  pill.textContent = job.status_label;

  const now = $("#now-text");
  now.textContent = NOW_TEXT[job.status] || job.status_label;
  if (job.status === "pending" && job.confirm_expires) {
    const resend = `/confirm/#resend-${job.short_id}`;
    if (new Date(job.confirm_expires) <= new Date()) {
      now.append(` Your confirmation link expired on ${dateTime(job.confirm_expires)}. `, h("a", { href: resend }, "Get a new link by email."));
    } else {
      now.append(` The link works until ${dateTime(job.confirm_expires)}. `, h("a", { href: resend }, "Can't find the email? Get a new link."));
    }
  }
  const queue = $("#queue"), wait = $("#wait");
  queue.hidden = wait.hidden = !job.queue_position;
  if (job.queue_position) {
    const which = job.status === "uploaded" ? "review queue" : "print queue";
    queue.textContent = job.queue_position === 1 ? `You are next in the ${which}.` : `You are number ${job.queue_position} in the ${which}.`;
    wait.textContent = job.wait_estimate || "";
  }

  const next = NEXT_TEXT[job.status];
  $("#next-text").textContent = next || "";
  $("#next-text").hidden = $("#next-action").hidden = !next;

  const thumb = $("#thumb");
  if (job.has_thumbnail && !thumb.src) thumb.src = `/api/printlab/status/${encodeURIComponent(id)}/thumbnail?key=${encodeURIComponent(key)}`;
  thumb.hidden = !job.has_thumbnail;

  const pickup = $("#pickup");
  pickup.hidden = !job.pickup;
  if (job.pickup) {
    $("#pickup-where").textContent = job.pickup.location || "Ask at the lab";
    $("#pickup-hours").textContent = job.pickup.hours || "During opening hours";
    $("#pickup-pay").textContent = job.pickup.payment_methods || "At the desk";
    clear($("#pickup-price"), job.quote_cents ? money(job.quote_cents) : "Weighed at pickup",
      job.quote_cents ? h("span", { class: "hint price-note" }, "The quote you confirmed; the final price comes from the print's weight at pickup.") : null);
    $("#pickup-keep").textContent = job.pickup.keep_days ? `We keep finished prints for ${job.pickup.keep_days} days.` : "";
  }

  const facts = [
    ["Submitted", dateTime(job.created)],
    ["File", job.display_name && breakable(job.display_name)],
    ["Printer", job.printer],
    ["Material", [job.material, job.color].filter(Boolean).join(", ")],
  ];
  if (job.quote_cents) facts.push(["Quote", `${money(job.quote_cents)} · about ${grams(job.grams)}, ${hours(job.hours)} of printing`]);
  if (job.final_cents) facts.push(["Paid", money(job.final_cents)]);
  clear($("#details"), facts.filter(([, v]) => v).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));

  clear($("#timeline"), (job.timeline || []).map((t) => h("li", {},
    h("span", {}, t.text),
    h("time", { datetime: t.at }, dateTime(t.at)),
    t.extra?.length ? h("ul", { class: "extra" }, t.extra.map((x) => h("li", {}, x))) : null)));

  $("#cancel-card").hidden = !job.can_cancel;
  if (!job.can_cancel && $("#cancel-dialog").open) $("#cancel-dialog").close();
}

// --- live updates ---

function setLive(state, text) {
  const el = $("#live");
  el.dataset.live = state;
  el.textContent = text;
}

async function live() {
  const pb = new PocketBase("/");
  let connects = 0;
  pb.realtime.onDisconnect = () => setLive("off", "Reconnecting…");
  try {
    // Each (re)connection after the first may have missed changes: fetch the job again.
    await pb.realtime.subscribe("PB_CONNECT", () => {
      if (connects++ > 0) refresh();
      setLive("on", "Live");
    });
    await pb.realtime.subscribe(`printlab/status/${id}`, (view) => render(view), { query: { key } });
    setLive("on", "Live");
  } catch {
    // Without live updates the page still works: check now and then.
    setLive("off", "Updates every minute");
    setInterval(refresh, 60000);
  }
}

// --- cancel ---

function openCancel() {
  $("#cancel-id").textContent = current.short_id;
  $("#cancel-error").hidden = true;
  $("#cancel-dialog").showModal();
  $("#cancel-keep").focus();
}

async function doCancel(e) {
  e.preventDefault();
  const btn = $("#cancel-confirm");
  btn.disabled = true;
  try {
    const view = await api(`/api/printlab/status/${encodeURIComponent(id)}/cancel`, {
      method: "POST", body: { key, reason: $("#cancel-reason").value.trim() },
    });
    $("#cancel-dialog").close();
    render(view);
    $("#now-text").focus();
  } catch (err) {
    const box = $("#cancel-error");
    box.textContent = err.message;
    box.hidden = false;
    if (err.status === 409) refresh();
  } finally {
    btn.disabled = false;
  }
}
