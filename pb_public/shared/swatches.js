// The colour each of the lab's colour names is drawn in. The server owns the
// name-to-colour rule (model3d.ColorFor, the thumbnails' colours) and lists its
// answers in the public catalog beside each material's colours; pages read
// them here instead of keeping a second table that would drift.
import { api } from "/shared/api.js";

/**
 * swatchOf is the "#rrggbb" of colour name in catalog, or "" when no active
 * material lists it (the colour was removed, or its material retired). The
 * server's colour depends on the name only, so any material that lists it will do.
 */
export function swatchOf(catalog, name) {
  return lookup(catalog, "swatches", name);
}

/**
 * chipOf is the "#rrggbb" of a flat chip beside colour name: the swatch, but
 * black as black. The swatch is what shaded views start from, so the server
 * lifts black to a grey whose faces show; flat, that grey would read as grey.
 */
export function chipOf(catalog, name) {
  return lookup(catalog, "chips", name) || swatchOf(catalog, name);
}

function lookup(catalog, table, name) {
  if (!name) return "";
  for (const m of catalog?.materials || []) {
    const hex = m[table]?.[name];
    if (hex) return hex;
  }
  return "";
}

let catalog = null;

/** loadCatalog reads the public catalog once per page; a failed read is tried again next time. */
export function loadCatalog() {
  catalog ??= api("/api/printlab/catalog").catch((err) => { catalog = null; throw err; });
  return catalog;
}
