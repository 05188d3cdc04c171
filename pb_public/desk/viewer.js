// The 3D viewer, imported only when someone opens it, so the dashboard's first
// paint carries none of three.js.
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { STLLoader } from "three/addons/loaders/STLLoader.js";
import { OBJLoader } from "three/addons/loaders/OBJLoader.js";
import { ThreeMFLoader } from "three/addons/loaders/3MFLoader.js";

/** showModel renders the model at url (its stored name tells the format) into box. */
export async function showModel(box, url, name) {
  const ext = name.toLowerCase().split(".").pop();
  const buf = await (await fetch(url)).arrayBuffer();
  let object;
  const material = new THREE.MeshStandardMaterial({ color: 0x5b8bd6, metalness: 0.1, roughness: 0.6 });
  if (ext === "stl") object = new THREE.Mesh(new STLLoader().parse(buf), material);
  else if (ext === "obj") object = new OBJLoader().parse(new TextDecoder().decode(buf));
  else if (ext === "3mf") object = new ThreeMFLoader().parse(buf);
  else throw new Error(`no viewer for .${ext} files`);
  object.traverse?.((o) => { if (o.isMesh && ext !== "stl") o.material = material; });

  const width = box.clientWidth || 480, height = Math.min(420, Math.round(width * 0.75));
  const renderer = new THREE.WebGLRenderer({ antialias: true });
  renderer.setSize(width, height);
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xf0f2f5);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x667788, 2.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.5);
  sun.position.set(1, 2, 3);
  scene.add(sun);
  // Slicers use Z up; turn the model so it stands as it will print.
  object.rotation.x = -Math.PI / 2;
  scene.add(object);
  const bounds = new THREE.Box3().setFromObject(object);
  const size = bounds.getSize(new THREE.Vector3()).length() || 1;
  const center = bounds.getCenter(new THREE.Vector3());
  const camera = new THREE.PerspectiveCamera(40, width / height, size / 100, size * 20);
  camera.position.copy(center).add(new THREE.Vector3(size * 0.8, size * 0.6, size * 0.9));
  const controls = new OrbitControls(camera, renderer.domElement);
  controls.target.copy(center);
  controls.update();
  renderer.domElement.setAttribute("role", "img");
  renderer.domElement.setAttribute("aria-label", `3D view of ${name}; drag to turn, scroll to zoom`);
  renderer.domElement.tabIndex = 0;
  box.replaceChildren(renderer.domElement);
  const loop = () => {
    if (!renderer.domElement.isConnected) { renderer.dispose(); return; }
    controls.update();
    renderer.render(scene, camera);
    requestAnimationFrame(loop);
  };
  loop();
}
