// The interactive 3D view shared by the submit page's preview and the desk's
// detail panel: the model lit and centred on a build plate, framed whole at any
// size of its box, turned with the mouse or a finger (OrbitControls). It renders
// only when something changes, so an idle page costs nothing. The model is
// drawn in the job's colour when the page knows it (shared/swatches.js).
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";

/** DEFAULT_COLOR draws a model whose colour is not chosen yet or not known: the thumbnails' default too (model3d.DefaultColor). */
export const DEFAULT_COLOR = "#ec8028";

/** Viewer draws one model at a time into container. */
export class Viewer {
  /** container needs a size (e.g. an aspect-ratio); label is what a screen reader hears. */
  constructor(container, label = "3D preview of your model") {
    this.container = container;
    this.renderer = new THREE.WebGLRenderer({ antialias: true, alpha: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    const canvas = this.renderer.domElement;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", label);
    container.append(canvas);
    // One material for every model shown, so a colour change is one assignment.
    this.material = new THREE.MeshStandardMaterial({ roughness: 0.55, metalness: 0.05, side: THREE.DoubleSide });
    this.scene = new THREE.Scene();
    this.camera = new THREE.PerspectiveCamera(40, 4 / 3, 0.1, 100000);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x8899aa, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.8);
    sun.position.set(1, 2, 1.5);
    this.camera.add(sun);
    this.scene.add(this.camera);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = false;
    this.controls.addEventListener("change", () => this.render());
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(container);
    this.setColor(DEFAULT_COLOR);
    this.resize();
  }

  /**
   * setColor draws the model in hex ("#rrggbb"), or in DEFAULT_COLOR when hex
   * is empty. The container's data-model-color is read back from three.js's
   * material, so it says what is drawn (the browser tests check it).
   */
  setColor(hex) {
    this.material.color.set(hex || DEFAULT_COLOR);
    this.container.dataset.modelColor = `#${this.material.color.getHexString()}`;
    this.render();
  }

  /** show replaces the model; obj is in mm with Z up, as 3D-print files are. */
  show(obj) {
    if (this.model) this.scene.remove(this.model);
    if (this.grid) this.scene.remove(this.grid);
    obj.traverse((m) => { if (m.isMesh) { m.material = this.material; m.geometry.computeVertexNormals?.(); } });
    const wrap = new THREE.Group();
    wrap.add(obj);
    wrap.rotation.x = -Math.PI / 2; // Z up (printers) → Y up (three.js)
    wrap.updateMatrixWorld(true);
    const box = new THREE.Box3().setFromObject(wrap);
    const center = box.getCenter(new THREE.Vector3());
    wrap.position.set(-center.x, -box.min.y, -center.z);
    this.model = wrap;
    this.scene.add(wrap);
    const size = box.getSize(new THREE.Vector3());
    const r = Math.max(size.x, size.y, size.z) || 1;
    this.grid = new THREE.GridHelper(r * 2, 10, 0x99a4b3, 0xc5ccd6);
    this.scene.add(this.grid);
    this.controls.target.set(0, size.y / 2, 0);
    // Far enough that the model's bounding sphere fits the view with a margin.
    const radius = size.length() / 2 || 1;
    const dist = (radius / Math.sin(THREE.MathUtils.degToRad(this.camera.fov / 2))) * 1.05;
    const dir = new THREE.Vector3(0.9, 0.7, 1.2).normalize();
    this.camera.position.copy(dir.multiplyScalar(dist)).add(new THREE.Vector3(0, size.y / 2, 0));
    this.camera.near = r / 100;
    this.camera.far = r * 100;
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.render();
  }

  resize() {
    const w = this.container.clientWidth || 300, h = this.container.clientHeight || 225;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.render();
  }

  render() { this.renderer.render(this.scene, this.camera); }

  /** dispose frees the WebGL context: browsers allow only a few at once. */
  dispose() {
    this.observer.disconnect();
    this.controls.dispose();
    this.material.dispose();
    this.renderer.dispose();
    this.renderer.forceContextLoss();
  }
}
