/**
 * Camera frusta and the camera path as line segments, for a three.js LineSegments.
 *
 * Input poses are COLMAP's `cam_from_world` (x_cam = R·x_world + t, R row-major, OpenCV camera
 * axes: x right, y down, z forward). Output is in the viewer's world: the core's world frame turned
 * 180° about x (y and z negated), the same turn parsePly applies to the points, so frusta and
 * points line up and the first camera looks down −z with y up, as three.js cameras do.
 */

export interface PosedCamera {
  /** Row-major 3×3 rotation and translation of camFromWorld; null for an unposed frame. */
  camFromWorld: { R: readonly number[]; t: readonly number[] } | null;
}

export interface PinholeK {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

/** Line segments per camera: 4 edges to the centre, 4 around the image, 2 for the "up" tick. */
export const SEGMENTS_PER_CAMERA = 10;

export interface CameraLines {
  /** xyz pairs, one pair per segment (viewer frame). */
  positions: Float32Array;
  /** rgb 0–1 per vertex: frusta from blue (first) to orange (last), path segments grey. */
  colors: Float32Array;
  /** Camera centres of the posed cameras, in order (viewer frame), xyz packed. */
  centres: Float32Array;
  posed: number;
}

// Mid tones that read on the dark and the light background alike.
const START = [0.12, 0.47, 0.95] as const;
const END = [0.95, 0.45, 0.05] as const;
const PATH = [0.55, 0.57, 0.62] as const;

/**
 * Builds the frusta of the posed cameras (depth `sizeM` in world units, image `width`×`height`
 * px with intrinsics `K`) and the path joining consecutive camera centres. Allocates the three
 * output arrays once; no per-camera objects.
 */
export function cameraLines(
  cameras: readonly PosedCamera[],
  K: PinholeK,
  width: number,
  height: number,
  sizeM: number,
): CameraLines {
  let posed = 0;
  for (const c of cameras) if (c.camFromWorld) posed++;
  const segments = posed * SEGMENTS_PER_CAMERA + Math.max(0, posed - 1);
  const positions = new Float32Array(segments * 6);
  const colors = new Float32Array(segments * 6);
  const centres = new Float32Array(posed * 3);
  // Image corners TL, TR, BR, BL and the up tick (left of top-middle, apex above, right of it), in
  // camera coordinates at depth sizeM.
  const px = [0, width, width, 0, width * 0.3, width * 0.5, width * 0.7];
  const py = [0, 0, height, height, 0, -height * 0.18, 0];
  const corner = new Float64Array(7 * 3);
  let v = 0; // vertex written
  let k = 0; // posed camera index
  const put = (x: number, y: number, z: number, rgb: readonly number[]) => {
    positions[v * 3] = x;
    positions[v * 3 + 1] = -y;
    positions[v * 3 + 2] = -z;
    colors[v * 3] = rgb[0]!;
    colors[v * 3 + 1] = rgb[1]!;
    colors[v * 3 + 2] = rgb[2]!;
    v++;
  };
  const rgb = [0, 0, 0];
  for (const cam of cameras) {
    const pose = cam.camFromWorld;
    if (!pose) continue;
    const R = pose.R;
    const t = pose.t;
    // centre C = −Rᵀt; a camera point p maps to the world as Rᵀp + C.
    const cxw = -(R[0]! * t[0]! + R[3]! * t[1]! + R[6]! * t[2]!);
    const cyw = -(R[1]! * t[0]! + R[4]! * t[1]! + R[7]! * t[2]!);
    const czw = -(R[2]! * t[0]! + R[5]! * t[1]! + R[8]! * t[2]!);
    for (let i = 0; i < 7; i++) {
      const x = ((px[i]! - K.cx) / K.fx) * sizeM;
      const y = ((py[i]! - K.cy) / K.fy) * sizeM;
      const z = sizeM;
      corner[i * 3] = R[0]! * x + R[3]! * y + R[6]! * z + cxw;
      corner[i * 3 + 1] = R[1]! * x + R[4]! * y + R[7]! * z + cyw;
      corner[i * 3 + 2] = R[2]! * x + R[5]! * y + R[8]! * z + czw;
    }
    const f = posed > 1 ? k / (posed - 1) : 0;
    for (let c = 0; c < 3; c++) rgb[c] = START[c]! + (END[c]! - START[c]!) * f;
    const at = (i: number) => put(corner[i * 3]!, corner[i * 3 + 1]!, corner[i * 3 + 2]!, rgb);
    for (let i = 0; i < 4; i++) {
      put(cxw, cyw, czw, rgb);
      at(i);
    }
    for (let i = 0; i < 4; i++) {
      at(i);
      at((i + 1) % 4);
    }
    at(4);
    at(5);
    at(5);
    at(6);
    centres[k * 3] = cxw;
    centres[k * 3 + 1] = -cyw;
    centres[k * 3 + 2] = -czw;
    k++;
  }
  for (let i = 0; i + 1 < posed; i++) {
    put(centres[i * 3]!, -centres[i * 3 + 1]!, -centres[i * 3 + 2]!, PATH);
    put(centres[(i + 1) * 3]!, -centres[(i + 1) * 3 + 1]!, -centres[(i + 1) * 3 + 2]!, PATH);
  }
  return { positions, colors, centres, posed };
}

/**
 * A frustum depth that reads well at the scene's scale: one and a half median steps between
 * consecutive cameras, and at least 2 % of the scene's radius (a camera that barely moved).
 */
export function frustumSize(centres: Float32Array, sceneRadius: number): number {
  const n = centres.length / 3;
  const steps: number[] = [];
  for (let i = 0; i + 1 < n; i++) {
    const dx = centres[(i + 1) * 3]! - centres[i * 3]!;
    const dy = centres[(i + 1) * 3 + 1]! - centres[i * 3 + 1]!;
    const dz = centres[(i + 1) * 3 + 2]! - centres[i * 3 + 2]!;
    steps.push(Math.hypot(dx, dy, dz));
  }
  steps.sort((a, b) => a - b);
  const median = steps.length ? steps[steps.length >> 1]! : 0;
  const floor = 0.02 * sceneRadius;
  const size = Math.max(median * 1.5, floor);
  return size > 0 && Number.isFinite(size) ? size : 0.1;
}

/**
 * Centre and radius that frame most of a point cloud (packed xyz): the per-axis median, and the
 * 95th percentile of the distances from it, over at most `maxSamples` evenly spaced points. Sparse
 * SfM clouds have far outliers that would make a bounding sphere frame mostly empty space.
 */
export function robustBounds(
  positions: Float32Array,
  maxSamples = 20_000,
): { centre: [number, number, number]; radius: number } | null {
  const n = positions.length / 3;
  if (n === 0) return null;
  const step = Math.max(1, Math.floor(n / maxSamples));
  const m = Math.ceil(n / step);
  const xs = new Float32Array(m);
  const ys = new Float32Array(m);
  const zs = new Float32Array(m);
  for (let i = 0, j = 0; i < n && j < m; i += step, j++) {
    xs[j] = positions[i * 3]!;
    ys[j] = positions[i * 3 + 1]!;
    zs[j] = positions[i * 3 + 2]!;
  }
  const median = (a: Float32Array) => a.slice().sort()[a.length >> 1]!;
  const centre: [number, number, number] = [median(xs), median(ys), median(zs)];
  const d = new Float32Array(m);
  for (let j = 0; j < m; j++) d[j] = Math.hypot(xs[j]! - centre[0], ys[j]! - centre[1], zs[j]! - centre[2]);
  d.sort();
  return { centre, radius: d[Math.min(m - 1, Math.floor(0.95 * m))]! };
}
