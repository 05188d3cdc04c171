// Lab-authored rich text (the notice from settings) is HTML by design; it is
// still cleaned before display so a pasted script or handler can't run. Student
// data never goes through here: it is always set with textContent.
const allowed = new Set(["P", "BR", "STRONG", "B", "EM", "I", "U", "A", "UL", "OL", "LI", "H2", "H3", "H4", "SPAN", "DIV", "BLOCKQUOTE", "CODE"]);

/** safeFragment parses html and keeps only harmless elements, text and https/mailto links. */
export function safeFragment(html) {
  const doc = new DOMParser().parseFromString(`<div>${html || ""}</div>`, "text/html");
  const out = document.createDocumentFragment();
  const walk = (src, dst) => {
    for (const n of src.childNodes) {
      if (n.nodeType === Node.TEXT_NODE) { dst.append(n.textContent); continue; }
      if (n.nodeType !== Node.ELEMENT_NODE) continue;
      if (!allowed.has(n.tagName)) { walk(n, dst); continue; }
      const el = document.createElement(n.tagName.toLowerCase());
      if (n.tagName === "A") {
        const href = n.getAttribute("href") || "";
        if (/^(https?:|mailto:|\/)/i.test(href)) el.setAttribute("href", href);
      }
      walk(n, el);
      dst.append(el);
    }
  };
  walk(doc.body.firstElementChild, out);
  return out;
}
