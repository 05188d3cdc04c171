// Formatting shared by every page: money is integer cents, times are ISO strings.

/** money renders integer cents as dollars: 1234 -> "$12.34". */
export function money(cents) {
  const c = Math.round(Number(cents) || 0);
  const sign = c < 0 ? "-" : "";
  const a = Math.abs(c);
  return `${sign}$${Math.floor(a / 100).toLocaleString("en-US")}.${String(a % 100).padStart(2, "0")}`;
}

/** isoDay is a Date's local calendar day as YYYY-MM-DD, the value of a date input. */
export function isoDay(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

// The lab's time zone when the page knows it (the desk reads it from the lab's
// settings), so times match what the server writes in emails and exports;
// otherwise the browser's own. Either way the zone is named next to the time.
let zone;

/** setTimeZone makes dateTime use an IANA zone such as "America/Chicago"; an unknown one is ignored. */
export function setTimeZone(tz) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz || undefined });
    zone = tz || undefined;
  } catch {
    zone = undefined;
  }
}

/** dateTime renders a time for people, its zone named: "Fri, Nov 27, 3:04 PM CST". */
export function dateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString("en-US", { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZone: zone, timeZoneName: "short" });
}

/** ago renders how long ago: "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(iso, now = Date.now()) {
  if (!iso) return "";
  const s = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86400);
  return d === 1 ? "1 day ago" : `${d} days ago`;
}

/** hours renders a print time: 2.5 -> "2 h 30 min". */
export function hours(h) {
  const m = Math.round((Number(h) || 0) * 60);
  if (m < 60) return `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
}

/** grams renders a weight: 12.345 -> "12.3 g". */
export function grams(g) {
  const n = Number(g) || 0;
  return `${n >= 100 ? Math.round(n) : n.toFixed(1)} g`;
}

/** mm renders a size triple: [10, 20.5, 3] -> "10 × 20.5 × 3 mm". */
export function mm(size) {
  return `${(size || []).map((v) => (Math.round(v * 10) / 10).toString()).join(" × ")} mm`;
}

/** bytes renders a file size. */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
