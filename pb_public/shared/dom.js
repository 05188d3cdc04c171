// Small DOM helpers. Text always goes in through textContent, so anything a
// student or staff member typed is shown as text, never parsed as HTML.

/**
 * h builds an element: h("a", {href: "/", class: "btn"}, "Home", otherNode).
 * Attributes starting with "on" become listeners; null/false attributes are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** clear empties el and appends the given children. */
export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** $ finds one element (throws when missing: a page bug, not a user error). */
export function $(sel, root = document) {
  const el = root.querySelector(sel);
  if (!el) throw new Error(`missing element ${sel}`);
  return el;
}

/** icon returns an <img> of a vendored lucide icon, decorative by default. */
export function icon(name, label = "") {
  return h("img", { src: `/vendor/icons/${name}.svg`, class: "icon", alt: label, "aria-hidden": label ? null : "true" });
}

/**
 * breakable is a file name as text with a line-break opportunity after each
 * underscore, so "MayaChen_Filament_TrueWhite_AHFWPN.stl" wraps between its
 * parts instead of inside one.
 */
export function breakable(name) {
  const parts = String(name).split("_");
  return parts.flatMap((p, i) => (i < parts.length - 1 ? [p + "_", document.createElement("wbr")] : [p]));
}
