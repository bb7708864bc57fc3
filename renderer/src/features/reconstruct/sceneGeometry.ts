import { BufferGeometry, Float32BufferAttribute, Sphere, Vector3 } from 'three';
import { putCloud } from '../../app/binaries.js';
import { parsePly } from '../depth/ply.js';
import { cameraLines, frustumSize, robustBounds, type PinholeK, type PosedCamera } from './cameraPath.js';

// Loaded on demand with the 3-D view, so three.js stays out of the app's first chunk.

export interface SceneParts {
  points: number;
  meshFaces: number;
  cameras: number;
  /** Bounding sphere of everything shown (viewer frame), for the initial camera. */
  centre: [number, number, number];
  radius: number;
}

/**
 * Parses the point cloud (and mesh) PLYs, builds the camera lines, keeps every geometry in the
 * binary registry under `${id}:points|mesh|cameras`, and returns counts and bounds for the store.
 */
export function buildScene(
  id: string,
  input: {
    pointsPly: ArrayBuffer | null;
    meshPly: ArrayBuffer | null;
    cameras: readonly PosedCamera[];
    K: PinholeK | null;
    width: number;
    height: number;
  },
): SceneParts {
  const spheres: Sphere[] = [];
  let points = 0;
  let meshFaces = 0;
  if (input.pointsPly) {
    const g = parsePly(input.pointsPly);
    putCloud(`${id}:points`, g);
    points = g.getAttribute('position').count;
    const core = robustBounds(g.getAttribute('position').array as Float32Array);
    if (core) spheres.push(new Sphere(new Vector3(...core.centre), core.radius));
  }
  if (input.meshPly) {
    const g = parsePly(input.meshPly);
    if (g.index) g.computeVertexNormals();
    putCloud(`${id}:mesh`, g);
    meshFaces = g.index ? g.index.count / 3 : 0;
    if (g.boundingSphere) spheres.push(g.boundingSphere);
  }
  let cameras = 0;
  if (input.K && input.cameras.length) {
    // Size the frusta from the camera spread first, then from the whole scene.
    const probe = cameraLines(input.cameras, input.K, input.width, input.height, 1);
    const centres = new BufferGeometry().setAttribute('position', new Float32BufferAttribute(probe.centres, 3));
    centres.computeBoundingSphere();
    const camSphere = centres.boundingSphere ?? new Sphere();
    centres.dispose();
    const radius = Math.max(camSphere.radius, ...spheres.map((s) => s.radius));
    // Cameras count by their centres: the frusta's far corners do not widen the framing.
    spheres.push(camSphere);
    const lines = cameraLines(input.cameras, input.K, input.width, input.height, frustumSize(probe.centres, radius));
    const g = new BufferGeometry();
    g.setAttribute('position', new Float32BufferAttribute(lines.positions, 3));
    g.setAttribute('color', new Float32BufferAttribute(lines.colors, 3));
    g.computeBoundingSphere();
    putCloud(`${id}:cameras`, g);
    cameras = lines.posed;
  }
  const all = new Sphere();
  if (spheres.length) {
    all.copy(spheres[0]!);
    for (const s of spheres.slice(1)) all.union(s);
  }
  const c = all.center;
  return { points, meshFaces, cameras, centre: [c.x, c.y, c.z], radius: Math.max(all.radius, 1e-3) };
}
