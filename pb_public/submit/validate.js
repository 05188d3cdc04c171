// The submit form's rules, the same as the server's (hooks/intake/submit.go),
// so a student sees a problem while typing rather than after uploading. The
// words can be shorter than the server's: a message here sits under its field,
// beside the field's hint, in the one line the form keeps for it (submit.css),
// so the usual ones fit that line on a 360 px phone and never move the page
// under the student's next click.
import { money } from "/shared/format.js";
import { extOf } from "./model.js";

// Control and invisible formatting characters (bidi overrides, zero widths).
const hidden = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
const emailRe = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;".]+$/;

function name(label) {
  return (v) => {
    const s = v.trim();
    if (!s) return `Enter your ${label.toLowerCase()}.`;
    if (hidden.test(s)) return `${label} contains characters we can't use; please type it again.`;
    if ([...s].length > 60) return `${label} is too long: at most 60 characters.`;
    return "";
  };
}

/** rules maps each field to a function of (values, catalog) returning "" or a message. */
export const rules = {
  first_name: (v) => name("First name")(v.first_name),
  last_name: (v) => name("Last name")(v.last_name),
  email: (v) => {
    const s = v.email.trim();
    if (!s) return "Enter your email address.";
    if (s.length > 254 || !emailRe.test(s)) return "This doesn't look like an email.";
    return "";
  },
  discipline: (v, c) => (c.disciplines.includes(v.discipline) ? "" : "Choose your discipline."),
  course: (v) => {
    const s = v.course.trim();
    if (/^n\/a$/i.test(s)) return "";
    if (!s) return "Enter a course number, or N/A.";
    if ([...s].length > 40 || hidden.test(s)) return "Course number only, or N/A.";
    return "";
  },
  method: (v) => (v.method ? "" : "Choose a print method."),
  // Material, colour and printer depend on the method (and colour on the material):
  // until those are chosen the one error is at the root, not repeated on each.
  material: (v) => (v.method && !v.material ? "Choose a material." : ""),
  color: (v) => (v.material && !v.color ? "Choose a colour." : ""),
  printer: (v) => (v.method && !v.printer ? "Choose a printer." : ""),
  model: (v, c) => {
    const f = v.model;
    if (!f) return "Choose your model file.";
    if (!["stl", "obj", "3mf"].includes(extOf(f.name))) return `"${f.name}" is not a file type we can print from: please choose an .stl, .obj or .3mf file.`;
    if (f.size === 0) return "The file is empty (0 bytes): please export it again.";
    if (f.size > c.max_upload_mb * 1024 * 1024) return `The file is larger than the ${c.max_upload_mb} MB we accept: please reduce the mesh resolution (fewer triangles) when exporting.`;
    return "";
  },
  ack_min_charge: (v, c) => (v.ack_min_charge ? "" : `Please confirm that you understand the minimum charge of ${money(c.min_charge_cents)}.`),
  ack_mm: (v) => (v.ack_mm ? "" : "Please confirm that your model is in millimetres."),
};

// The order fields appear on the page, for "the first error".
const order = ["first_name", "last_name", "email", "discipline", "course", "method", "material", "color", "printer", "model", "ack_min_charge", "ack_mm"];

/** firstInvalid returns the first field (in page order) that has a message. */
export function firstInvalid(errs) {
  return order.find((k) => errs[k]) || "";
}
