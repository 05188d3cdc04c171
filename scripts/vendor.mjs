// Copies the browser libraries PrintLab uses from node_modules into
// pb_public/vendor (git-ignored), following each ES module's relative imports so
// only what the pages load is embedded in the binary. Run by `make vendor`.
import { copyFileSync, mkdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { dirname, join, resolve, relative } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const nm = join(root, "node_modules");
const out = join(root, "pb_public", "vendor");

// Entry files: [source under node_modules, destination under vendor].
const entries = [
  ["pocketbase/dist/pocketbase.es.mjs", "pocketbase.es.mjs"],
  ["three/build/three.module.js", "three/build/three.module.js"],
  ["three/examples/jsm/controls/OrbitControls.js", "three/examples/jsm/controls/OrbitControls.js"],
  ["three/examples/jsm/loaders/STLLoader.js", "three/examples/jsm/loaders/STLLoader.js"],
  ["three/examples/jsm/loaders/OBJLoader.js", "three/examples/jsm/loaders/OBJLoader.js"],
  ["three/examples/jsm/loaders/3MFLoader.js", "three/examples/jsm/loaders/3MFLoader.js"],
  ["uplot/dist/uPlot.esm.js", "uplot/uPlot.esm.js"],
  ["uplot/dist/uPlot.min.css", "uplot/uPlot.min.css"],
  ["modern-normalize/modern-normalize.css", "modern-normalize.css"],
];

// Icons from lucide-static used by the pages.
const icons = [
  "upload", "check", "x", "clock", "printer", "package", "alert-triangle", "circle-alert", "info",
  "search", "filter", "bell", "volume-2", "volume-x", "log-out", "external-link", "download",
  "file", "box", "eye", "undo-2", "mail", "wifi-off", "lock", "keyboard", "chart-column",
  "sticky-note", "refresh-cw", "loader", "chevron-right", "chevron-down", "user", "monitor",
];

if (!existsSync(nm)) {
  console.error("node_modules is missing: run `npm ci` first (make vendor does).");
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });

const seen = new Set();
function copy(src, dst) {
  if (seen.has(dst)) return;
  seen.add(dst);
  mkdirSync(dirname(dst), { recursive: true });
  copyFileSync(src, dst);
  if (!src.endsWith(".js") && !src.endsWith(".mjs")) return;
  // Follow relative imports ("./x.js", "../libs/y.js") so they are copied too.
  const text = readFileSync(src, "utf8");
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    copy(resolve(dirname(src), m[1]), resolve(dirname(dst), m[1]));
  }
}

for (const [src, dst] of entries) copy(join(nm, src), join(out, dst));
// three.module.js imports its core by a relative path; the walk above takes it.
for (const name of icons) {
  const src = join(nm, "lucide-static", "icons", `${name}.svg`);
  if (existsSync(src)) copy(src, join(out, "icons", `${name}.svg`));
  else console.warn(`icon ${name} not found in lucide-static`);
}
console.log(`vendor: ${seen.size} files copied to ${relative(root, out)}`);
