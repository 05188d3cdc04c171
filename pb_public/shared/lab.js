// The lab's name on the student pages, in the header and the tab's title. A
// page with a job reads it from the job's view; a page whose link failed has
// no job, so it asks the public catalog instead of leaving the product's name.
import { loadCatalog } from "/shared/swatches.js";

/** showLabName puts name in every [data-lab-name] and after the title's last " · ". */
export function showLabName(name) {
  if (!name) return;
  document.querySelectorAll("[data-lab-name]").forEach((el) => { el.textContent = name; });
  const own = document.title.replace(/ · [^·]*$/, "");
  document.title = `${own} · ${name}`;
}

/** showLabNameFromCatalog names the lab from the catalog; when that fails too the page keeps its default. */
export async function showLabNameFromCatalog() {
  try {
    showLabName((await loadCatalog()).lab_name);
  } catch {
    // The default name stays: the page's own message matters more.
  }
}
