// The page a browser gets, with a 404, for an address the site does not have
// (hooks/ops serves it): in the lab's name, with the ways on.
import { showLabNameFromCatalog } from "/shared/lab.js";

showLabNameFromCatalog();
