// The detail panel's 3D view, imported only when someone opens it, so the
// dashboard's first paint carries none of three.js. Drawing and framing are the
// shared viewer's (the same one the student saw before sending), and so is the
// colour: the job's, as the server draws its thumbnail.
import * as THREE from "three";
import { STLLoader } from "three/addons/loaders/STLLoader.js";
import { OBJLoader } from "three/addons/loaders/OBJLoader.js";
import { ThreeMFLoader } from "three/addons/loaders/3MFLoader.js";
import { Viewer } from "/shared/viewer.js";

let open = null; // one view at a time: each holds a WebGL context

/**
 * showModel renders the model at url (its stored name tells the format) into
 * box, in color ("#rrggbb"; empty draws the viewer's default).
 */
export async function showModel(box, url, name, color = "") {
  const ext = name.toLowerCase().split(".").pop();
  const res = await fetch(url);
  if (!res.ok) throw new Error(`the file could not be fetched (${res.status})`);
  const buf = await res.arrayBuffer();
  let object;
  if (ext === "stl") object = new THREE.Mesh(new STLLoader().parse(buf));
  else if (ext === "obj") object = new OBJLoader().parse(new TextDecoder().decode(buf));
  else if (ext === "3mf") object = new ThreeMFLoader().parse(buf);
  else throw new Error(`there is no viewer for .${ext} files`);
  open?.dispose();
  const frame = document.createElement("div");
  frame.className = "model-view";
  box.replaceChildren(frame);
  open = new Viewer(frame, `3D view of ${name}; drag to turn, scroll to zoom`);
  open.renderer.domElement.tabIndex = 0;
  open.setColor(color);
  open.show(object);
}
