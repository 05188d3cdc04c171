// Reads a model file in the browser and measures it the way the server does
// (model3d): size in mm, volume, fit in a printer in any axis-aligned
// orientation, a units guess, and the instant estimate. The server checks
// everything again; this is for the student's eyes before uploading.
import * as THREE from "three";
import { STLLoader } from "three/addons/loaders/STLLoader.js";
import { OBJLoader } from "three/addons/loaders/OBJLoader.js";
import { ThreeMFLoader } from "three/addons/loaders/3MFLoader.js";

/** extOf returns the lower-case extension without the dot, or "". */
export function extOf(name) {
  const i = name.lastIndexOf(".");
  return i < 0 ? "" : name.slice(i + 1).toLowerCase();
}

/** loadModel parses a File into a three.js Object3D (meshes in mm, Z up as exported). */
export async function loadModel(file) {
  const ext = extOf(file.name);
  const buf = await file.arrayBuffer();
  if (ext === "stl") {
    const geo = new STLLoader().parse(buf);
    return new THREE.Mesh(geo);
  }
  if (ext === "obj") return new OBJLoader().parse(new TextDecoder().decode(buf));
  if (ext === "3mf") return new ThreeMFLoader().parse(buf);
  throw new Error(`".${ext}" is not a file type we can print from: please choose an .stl, .obj or .3mf file.`);
}

/** measure returns {size:[x,y,z], volume (mm³), triangles} of every mesh in obj. */
export function measure(obj) {
  obj.updateMatrixWorld(true);
  const box = new THREE.Box3();
  let volume = 0, triangles = 0;
  const a = new THREE.Vector3(), b = new THREE.Vector3(), c = new THREE.Vector3(), bc = new THREE.Vector3();
  obj.traverse((m) => {
    if (!m.isMesh || !m.geometry) return;
    const pos = m.geometry.getAttribute("position");
    if (!pos) return;
    const idx = m.geometry.getIndex();
    const n = idx ? idx.count : pos.count;
    const mw = m.matrixWorld;
    for (let i = 0; i + 2 < n; i += 3) {
      const ia = idx ? idx.getX(i) : i, ib = idx ? idx.getX(i + 1) : i + 1, ic = idx ? idx.getX(i + 2) : i + 2;
      a.fromBufferAttribute(pos, ia).applyMatrix4(mw);
      b.fromBufferAttribute(pos, ib).applyMatrix4(mw);
      c.fromBufferAttribute(pos, ic).applyMatrix4(mw);
      box.expandByPoint(a); box.expandByPoint(b); box.expandByPoint(c);
      volume += a.dot(bc.crossVectors(b, c)) / 6; // signed tetrahedron volume, no allocation per triangle
      triangles++;
    }
  });
  const s = box.isEmpty() ? new THREE.Vector3() : box.getSize(new THREE.Vector3());
  return { size: [s.x, s.y, s.z], volume: Math.abs(volume), triangles };
}

/** fitsIn reports whether size fits build [x,y,z] in one of the 6 axis-aligned orientations. */
export function fitsIn(size, build) {
  const [a, b, c] = size;
  const perms = [[a, b, c], [a, c, b], [b, a, c], [b, c, a], [c, a, b], [c, b, a]];
  return perms.some((p) => p[0] <= build[0] + 1e-6 && p[1] <= build[1] + 1e-6 && p[2] <= build[2] + 1e-6);
}

/**
 * unitsWarning mirrors model3d's rule: under 5 mm on every side is probably
 * inches (sides are round sixteenths of an inch) or cm/m; over 1 m is
 * probably a unit too small.
 */
export function unitsWarning(size) {
  const l = Math.max(...size);
  if (l <= 0) return "";
  if (l < 5) {
    const inch = size.every((d) => d <= 0 || (Math.abs(d * 16 - Math.round(d * 16)) <= 0.05 && Math.round(d * 16) !== 0));
    return inch
      ? "This model is tiny and its sides are round numbers of inches: it was probably designed in inches. Scale it by 25.4 before you send it, or tell us the size you meant."
      : "This model is smaller than 5 mm in every direction: it was probably exported in centimetres or metres. Check its size and scale it (×10 for cm, ×1000 for m).";
  }
  if (l > 1000) return "This model is more than 1 metre long, larger than any of our printers: it was probably exported in the wrong unit. Check its size and scale it down.";
  return "";
}

/**
 * estimateCents is SPEC §3's instant estimate: volume × density × fill × rate,
 * at least the minimum charge; minimum says the minimum charge is what applies.
 */
export function estimateCents(volumeMM3, material, fill, minCharge) {
  const grams = (volumeMM3 / 1000) * material.density * fill;
  const byWeight = Math.floor(grams * material.cents_per_gram + 0.5);
  return { grams, cents: Math.max(byWeight, minCharge), minimum: byWeight < minCharge };
}
