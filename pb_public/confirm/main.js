// The confirm page (SPEC §5): /confirm/#TOKEN shows the quote and one button.
// A link that can't be used says why (the API's words) and offers a new link
// by email; /confirm/#resend-SHORTID opens that form directly.
import { api } from "/shared/api.js";
import { h, clear, $ } from "/shared/dom.js";
import { money, dateTime, grams, hours, setTimeZone } from "/shared/format.js";

const hash = decodeURIComponent(location.hash.slice(1));

// Everything hangs on the hash: opening another link in the same tab starts over.
addEventListener("hashchange", () => location.reload());

init();

async function init() {
  $("#resend-form").addEventListener("submit", resend);
  if (hash.startsWith("resend-") || !hash) {
    $("#loading").hidden = true;
    $("#title").textContent = "Get a new confirmation link";
    $("#resend-heading").remove();
    $("#resend").setAttribute("aria-labelledby", "title");
    showResend(hash.slice("resend-".length));
    api("/api/printlab/catalog").then((c) => {
      document.querySelectorAll("[data-lab-name]").forEach((el) => { el.textContent = c.lab_name; });
    }, () => {});
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
  if (data.job) showQuote(data.job);
  if (!data.usable) {
    say(data.message, "warning");
    $("#confirm-button").hidden = true;
    $("#terms").hidden = true;
    // A used link or a request that moved on needs no new link.
    if (data.code !== "used" && data.code !== "wrong_status") showResend(data.job?.short_id || "");
    return;
  }
  $("#confirm-button").addEventListener("click", confirm);
}

function say(text, kind) {
  const m = $("#message");
  m.className = `alert alert-${kind}`;
  m.textContent = text;
  m.hidden = false;
}

function showQuote(job) {
  setTimeZone(job.timezone);
  document.querySelectorAll("[data-lab-name]").forEach((el) => { el.textContent = job.lab_name; });
  document.querySelectorAll("[data-min-charge]").forEach((el) => { el.textContent = money(job.min_charge_cents); });
  document.querySelectorAll("[data-requote]").forEach((el) => { el.textContent = job.requote_percent; });
  $("#q-id").textContent = job.short_id;
  $("#q-price").textContent = job.quote_cents ? money(job.quote_cents) : "";
  const facts = [
    ["For", job.first_name],
    ["File", job.display_name],
    ["Printer", job.printer],
    ["Material", [job.material, job.color].filter(Boolean).join(", ")],
    ["Weight", job.grams ? `about ${grams(job.grams)}` : ""],
    ["Print time", job.hours ? `about ${hours(job.hours)}` : ""],
    ["Status", job.status_label],
    ["Link valid until", job.status === "pending" && job.confirm_expires ? dateTime(job.confirm_expires) : ""],
  ];
  clear($("#q-facts"), facts.filter(([, v]) => v).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  $("#quote").hidden = false;
}

async function confirm() {
  const btn = $("#confirm-button");
  btn.disabled = true;
  try {
    const res = await api(`/api/printlab/confirm/${encodeURIComponent(hash)}`, { method: "POST" });
    showQuote(res.job);
    btn.hidden = true;
    $("#terms").hidden = true;
    say("Thank you, your quote is confirmed. Your job is in the print queue; we'll email you when it's ready to pick up.", "success");
    $("#message").focus?.();
  } catch (err) {
    say(err.message, "danger");
    btn.disabled = false;
    if (err.code === "used" || err.code === "wrong_status") btn.hidden = true;
    else if (err.status === 410 || err.status === 404) showResend($("#q-id").textContent);
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
