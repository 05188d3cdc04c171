// The job statuses of SPEC §2 and their labels, as schema/schema.go names them.
export const STATUSES = [
  ["uploaded", "Uploaded"],
  ["pending", "Pending confirmation"],
  ["ready_to_print", "Ready to print"],
  ["printing", "Printing"],
  ["completed", "Completed"],
  ["picked_up", "Paid & picked up"],
  ["rejected", "Rejected"],
  ["cancelled", "Cancelled"],
  ["archived", "Archived"],
];

const labels = Object.fromEntries(STATUSES);

/** statusLabel is the status as people read it. */
export function statusLabel(s) {
  return labels[s] || s;
}
