// Toasts: short, polite messages announced to screen readers.
let region;

/** toast shows message for a few seconds; kind is "info", "success" or "error". */
export function toast(message, kind = "info", ms = 5000) {
  if (!region) {
    region = document.createElement("div");
    region.className = "toast-region";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.append(region);
  }
  const t = document.createElement("div");
  t.className = `toast toast-${kind}`;
  t.textContent = message;
  region.append(t);
  setTimeout(() => t.remove(), ms);
}
