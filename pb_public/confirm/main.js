// The confirm page (SPEC §5): /confirm/#TOKEN shows the quote and one button.
// A link that can't be used says why (the API's words) and offers a new link
// by email; /confirm/#resend-SHORTID opens that form directly.
import { api } from "/shared/api.js";
import { h, clear, $, breakable } from "/shared/dom.js";
import { money, dateTime, grams, hours, setTimeZone } from "/shared/format.js";
import { showLabName, showLabNameFromCatalog } from "/shared/lab.js";

// A request in one of these is closed: what is left to do is send a new one.
const CLOSED = ["rejected", "cancelled", "archived"];

const hash = decodeURIComponent(location.hash.slice(1));

// Everything hangs on the hash: opening another link in the same tab starts over.
addEventListener("hashchange", () => location.reload());

init();

async function init() {
  $("#resend-form").addEventListener("submit", resend);
  if (hash.startsWith("resend-") || !hash) {
    $("#loading").hidden = true;
    setTitle("Get a new confirmation link");
    $("#resend-heading").remove();
    $("#resend").setAttribute("aria-labelledby", "title");
    showResend(hash.slice("resend-".length));
    showLabNameFromCatalog();
    return;
  }
  let data;
  try {
    data = await api(`/api/printlab/confirm/${encodeURIComponent(hash)}`);
  } catch (err) {
    data = err.body || { message: err.message };
    data.usable = false;
  }
  $("#loading").hidden = true;
  if (data.job) showQuote(data.job, data.usable);
  else showLabNameFromCatalog();
  if (!data.usable) {
    setTitle(deadTitle(data.code, data.job));
    say(data.message, "warning");
    $("#confirm-button").hidden = true;
    $("#terms").hidden = true;
    nextStep(data.code, data.job);
    return;
  }
  $("#confirm-button").addEventListener("click", confirm);
}

/** setTitle names the page, in its heading and its tab, for what the link can do. */
function setTitle(text) {
  $("#title").textContent = text;
  document.title = document.title.replace(/^.*(?= · [^·]*$)/, text);
}

/**
 * deadTitle heads a link that cannot confirm with what happened, not with
 * "Confirm your quote": the message under it says why and what to do.
 */
function deadTitle(code, job) {
  switch (code) {
    case "used": return "Quote already confirmed";
    case "expired": return "This link has expired";
    case "replaced": return "This link was replaced";
    case "wrong_status": return CLOSED.includes(job?.status) ? "This request is closed" : "Nothing to confirm";
    case "unknown_link": return "Link not recognised";
    default: return "This link can't be used right now";
  }
}

/**
 * nextStep offers what a student can do with a link that can't confirm: a new
 * link by email, or for a request that is closed, a new request. A used link
 * (or a request that moved on) needs neither: the message says so.
 */
function nextStep(code, job) {
  if (code === "wrong_status" && CLOSED.includes(job?.status)) $("#start-over").hidden = false;
  else if (code !== "used" && code !== "wrong_status") showResend(job?.short_id || "");
}

function say(text, kind) {
  const m = $("#message");
  m.className = `alert alert-${kind}`;
  m.textContent = text;
  m.hidden = false;
}

/** showQuote fills the quote card; usable says the link can still confirm it (and so when it stops). */
function showQuote(job, usable) {
  setTimeZone(job.timezone);
  showLabName(job.lab_name);
  document.querySelectorAll("[data-min-charge]").forEach((el) => { el.textContent = money(job.min_charge_cents); });
  document.querySelectorAll("[data-requote]").forEach((el) => { el.textContent = job.requote_percent; });
  $("#q-id").textContent = job.short_id;
  showPrice(job);
  const facts = [
    ["For", job.first_name],
    ["File", job.display_name && breakable(job.display_name)],
    ["Printer", job.printer],
    ["Material", [job.material, job.color].filter(Boolean).join(", ")],
    ["Status", job.status_label],
    ["Link valid until", usable && job.confirm_expires ? dateTime(job.confirm_expires) : ""],
  ];
  clear($("#q-facts"), facts.filter(([, v]) => v).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  $("#quote").hidden = false;
}

/** showPrice labels the quote and says what it covers: the weight and print time staff quoted. */
function showPrice(job) {
  $("#q-price-box").hidden = !job.quote_cents;
  if (!job.quote_cents) return;
  $("#q-price").textContent = money(job.quote_cents);
  const covers = [job.grams ? `about ${grams(job.grams)} of ${job.method || "material"}` : "",
    job.hours ? `about ${hours(job.hours)} of printing` : ""].filter(Boolean).join(" and ");
  const minimum = job.quote_cents === job.min_charge_cents;
  const note = [minimum ? "The lab's minimum charge" : "", covers ? `for ${covers}` : ""].filter(Boolean).join(", ");
  $("#q-price-note").textContent = note ? `${note[0].toUpperCase()}${note.slice(1)}.` : "";
}

async function confirm() {
  const btn = $("#confirm-button");
  btn.disabled = true;
  try {
    const res = await api(`/api/printlab/confirm/${encodeURIComponent(hash)}`, { method: "POST" });
    showQuote(res.job, false);
    btn.hidden = true;
    $("#terms").hidden = true;
    say("Thank you, your quote is confirmed. Your job is in the print queue; we'll email you when it's ready to pick up.", "success");
    $("#message").focus?.();
  } catch (err) {
    say(err.message, "danger");
    btn.disabled = false;
    // A link that has died meanwhile leaves one thing to do: ask for a new one.
    if (err.code === "used" || err.code === "wrong_status" || err.status === 410 || err.status === 404) {
      btn.hidden = true;
      $("#terms").hidden = true;
    }
    if (err.status === 410 || err.status === 404) showResend($("#q-id").textContent);
  }
}

function result(text, kind) {
  const el = $("#resend-result");
  el.className = `alert alert-${kind}`;
  el.textContent = text;
}

function showResend(shortId) {
  $("#resend-id").value = shortId || "";
  $("#resend").hidden = false;
}

async function resend(e) {
  e.preventDefault();
  const id = $("#resend-id").value.trim(), email = $("#resend-email").value.trim();
  $("#resend-id-error").textContent = id ? "" : "Enter the request number from your email (6 letters and digits).";
  $("#resend-email-error").textContent = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? "" : "Enter the email address you used for the request.";
  $("#resend-id").setAttribute("aria-invalid", id ? "false" : "true");
  $("#resend-email").setAttribute("aria-invalid", $("#resend-email-error").textContent ? "true" : "false");
  if (!id) return $("#resend-id").focus();
  if ($("#resend-email-error").textContent) return $("#resend-email").focus();
  const btn = $("#resend-button");
  btn.disabled = true;
  try {
    const r = await api("/api/printlab/confirm/resend", { method: "POST", body: { short_id: id, email } });
    result(r.message, "success");
  } catch (err) {
    result(err.message, "danger");
  } finally {
    btn.disabled = false;
  }
}
