// Toasts: short, polite messages announced to screen readers.
let region;

/** toast shows message for a few seconds; kind is "info", "success" or "error". */
export function toast(message, kind = "info", ms = 5000) {
  if (!region) {
    region = document.createElement("div");
    region.className = "toast-region";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    // A popover sits in the top layer, so a toast shows above an open dialog
    // (the job panel covers the corner toasts use) instead of under it.
    region.popover = "manual";
    document.body.append(region);
  }
  const t = document.createElement("div");
  t.className = `toast toast-${kind}`;
  t.textContent = message;
  region.append(t);
  raise();
  setTimeout(() => { t.remove(); if (!region.childElementCount) region.hidePopover?.(); }, ms);
}

/** raise puts the region above every dialog opened since it was last shown. */
function raise() {
  if (!region.showPopover) return;
  if (region.matches(":popover-open")) region.hidePopover();
  region.showPopover();
}
