// The desk's connection to PrintLab: one PocketBase client, calls to the
// lifecycle routes with sign-in recovery, file tokens, the price formula and
// the new-submission sound.
import PocketBase from "/vendor/pocketbase.es.mjs";
import { api, ApiError } from "/shared/api.js";

/** pb is the one SDK client: one auth store, one realtime connection. */
export const pb = new PocketBase(window.location.origin);

let onUnauthorized = () => {};
/** setUnauthorizedHandler registers what happens when the token has expired. */
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// A 401 from the record API means the 12 h sign-in ran out (or an admin reset
// the workstation's password) mid-shift. A wrong password at sign-in is a 400.
pb.afterSend = function (response, data) {
  if (response.status === 401) onUnauthorized();
  return data;
};

/**
 * call posts to a PrintLab route with the workstation's token; on 401 it asks
 * for a new sign-in, and throws the server's error for the dialog to show.
 */
export async function call(path, body, method = "POST") {
  try {
    return await api(path, { method, body, token: pb.authStore.token });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) onUnauthorized("Your sign-in has expired. Sign in again; nothing you typed is lost.");
    throw err;
  }
}

/**
 * downloadCSV fetches an export (jobs.csv or payments.csv) for a range of days
 * with the workstation's sign-in and saves it under the server's file name,
 * which it returns. Errors are ApiErrors with the server's message.
 */
export async function downloadCSV(kind, from, to) {
  const p = new URLSearchParams({ from, to });
  let res;
  try {
    res = await fetch(`/api/printlab/export/${kind}?${p}`, { headers: { Authorization: pb.authStore.token } });
  } catch {
    throw new ApiError(0, { message: "Can't reach PrintLab. Check your connection and try again." });
  }
  if (!res.ok) {
    const data = await res.json().catch(() => ({ message: `The export failed (${res.status}). Try again.` }));
    if (res.status === 401) onUnauthorized("Your sign-in has expired. Sign in again; nothing you typed is lost.");
    throw new ApiError(res.status, data);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1] || kind;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

/**
 * rangeProblem checks a from–to pair of days (YYYY-MM-DD) before asking the
 * server, in the desk's words; "" when the range is fine.
 */
export function rangeProblem(from, to) {
  if (!from || !to) return "Choose both a From and a To day.";
  if (to < from) return "The To day is before the From day. Choose a To day on or after the From day.";
  return "";
}

/** act performs a lifecycle action on a job. */
export function act(jobId, action, body) {
  return call(`/api/printlab/jobs/${encodeURIComponent(jobId)}/${action}`, body);
}

/** upload posts a multipart form with progress, for the sliced file. */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open("POST", path);
    x.setRequestHeader("Authorization", pb.authStore.token);
    x.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch { data = { message: x.responseText.slice(0, 300) }; }
      if (x.status >= 200 && x.status < 300) return resolve(data);
      if (x.status === 401) onUnauthorized("Your sign-in has expired. Sign in again; nothing you typed is lost.");
      reject(new ApiError(x.status, data));
    };
    x.onerror = () => reject(new ApiError(0, { message: "Can't reach PrintLab. Check your connection and try again." }));
    x.send(form);
  });
}

// Protected files need a short-lived token; one is reused for two minutes so a
// tab of fifty thumbnails costs one request. Concurrent callers share the one
// request in flight: the SDK cancels duplicate pending requests, which would
// otherwise leave most cards without their thumbnail.
let fileToken = { value: null, at: 0 };
/** fileURL returns a tokened URL for a protected file of a job. */
export async function fileURL(record, name, query = {}) {
  if (!name) return "";
  if (!fileToken.value || Date.now() - fileToken.at > 2 * 60 * 1000) {
    const pending = pb.files.getToken({ requestKey: null });
    fileToken = { value: pending, at: Date.now() };
    pending.catch(() => { if (fileToken.value === pending) fileToken = { value: null, at: 0 }; });
  }
  return pb.files.getURL(record, name, { ...query, token: await fileToken.value });
}

/** quote mirrors hooks/jobs/money.go: integer cents, half-up, minimum, half hours. */
export function quote(grams, hours, { centsPerGram = 0, minChargeCents = 0, centsPerHour = 0 } = {}) {
  const h = roundUpHalfHour(hours);
  const mg = Math.round(grams * 1000);
  const material = Math.floor((mg * centsPerGram + 500) / 1000);
  let time = 0;
  if (centsPerHour > 0) time = Math.floor((Math.round(h * 2) * centsPerHour + 1) / 2);
  let cents = material + time;
  let minimum = false;
  if (cents < minChargeCents) { cents = minChargeCents; minimum = true; }
  return { cents, hours: h, minimum };
}

/** roundUpHalfHour rounds up to the next half hour, tolerating float noise. */
export function roundUpHalfHour(h) {
  if (!(h > 0)) return 0;
  return Math.ceil(h * 2 - 1e-9) / 2;
}

/**
 * Sound: a short generated two-note tone. Browsers allow audio only after a user
 * gesture, so the context is created on the first click or key press.
 */
export const sound = {
  ctx: null, on: true, volume: 0.5,
  unlock() {
    if (this.ctx) { if (this.ctx.state === "suspended") this.ctx.resume(); return; }
    const AC = window.AudioContext || window.webkitAudioContext;
    if (AC) this.ctx = new AC();
  },
  get ready() { return !!this.ctx && this.ctx.state !== "closed"; },
  play() {
    if (!this.on || !this.ctx) return false;
    const t = this.ctx.currentTime;
    const gain = this.ctx.createGain();
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(Math.max(0.0002, 0.3 * this.volume), t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
    gain.connect(this.ctx.destination);
    const osc = this.ctx.createOscillator();
    osc.type = "sine";
    osc.frequency.setValueAtTime(800, t);
    osc.frequency.setValueAtTime(1200, t + 0.15);
    osc.connect(gain);
    osc.start(t);
    osc.stop(t + 0.36);
    return true;
  },
};
