/**
 * Plane homographies from a reference rectangle, and the plane's pose in the camera frame.
 *
 * Frames: pixels follow engines/core/camera.ts (continuous coordinates, pixel (i, j) centred at
 * (i + 0.5, j + 0.5), x right, y down). The *plane frame* of a reference rectangle has its origin
 * at the top-left corner, X along TL→TR, Y along TL→BL, both in metres, and Z = X × Y, which for a
 * rectangle seen from its front points away from the camera. `imageFromPlane` maps (X, Y, 1) to
 * homogeneous pixels; `camFromPlane` maps plane points to the camera frame: x_cam = R·x_plane + t.
 * All 3×3 matrices are row-major Float64Array(9).
 */
import type { Intrinsics } from '../core/index.js';
import { MeasureError } from './errors.js';

/** Image corners closer than this (pixels) count as repeated. */
const MIN_CORNER_SEPARATION_PX = 1;
/** |sin| of the turn at a corner below which three corners count as collinear (≈ 1.1°). */
const MIN_TURN_SIN = 0.02;

// Scratch for the DLT: an 8 × 9 augmented system, and the normalised points.
const dlt = new Float64Array(8 * 9);
const normImg = new Float64Array(8);
const normPlane = new Float64Array(8);
const hn = new Float64Array(9);

/**
 * Throws `MeasureError('degenerate_reference')` unless the four points (x0, y0, …, x3, y3) form a
 * simple convex quadrilateral listed clockwise on screen (y down): top-left, top-right,
 * bottom-right, bottom-left, no two closer than `minSeparation` (pixels by default). `what` names
 * the points in the message. No allocation; O(1).
 */
export function checkReferenceQuad(
  pts: ArrayLike<number>,
  what = 'reference corners',
  minSeparation = MIN_CORNER_SEPARATION_PX,
): void {
  if (pts.length !== 8) throw new MeasureError('degenerate_reference', `${what}: expected 4 points (8 numbers)`);
  for (let i = 0; i < 8; i++)
    if (!Number.isFinite(pts[i]!))
      throw new MeasureError('degenerate_reference', `${what}: a coordinate is not finite`);
  for (let i = 0; i < 4; i++)
    for (let j = i + 1; j < 4; j++) {
      const d = Math.hypot(pts[2 * j]! - pts[2 * i]!, pts[2 * j + 1]! - pts[2 * i + 1]!);
      if (!(d >= minSeparation))
        throw new MeasureError('degenerate_reference', `${what}: corners ${i + 1} and ${j + 1} coincide`);
    }
  let positive = 0;
  let negative = 0;
  for (let i = 0; i < 4; i++) {
    const a = i * 2;
    const b = ((i + 1) % 4) * 2;
    const c = ((i + 2) % 4) * 2;
    const e1x = pts[b]! - pts[a]!;
    const e1y = pts[b + 1]! - pts[a + 1]!;
    const e2x = pts[c]! - pts[b]!;
    const e2y = pts[c + 1]! - pts[b + 1]!;
    const cross = e1x * e2y - e1y * e2x;
    const sin = cross / (Math.hypot(e1x, e1y) * Math.hypot(e2x, e2y));
    if (Math.abs(sin) < MIN_TURN_SIN)
      throw new MeasureError(
        'degenerate_reference',
        `${what}: corners ${i + 1}, ${((i + 1) % 4) + 1} and ${((i + 2) % 4) + 1} are collinear`,
      );
    if (sin > 0) positive++;
    else negative++;
  }
  if (positive !== 4 && negative !== 4)
    throw new MeasureError('degenerate_reference', `${what}: the quadrilateral is not convex or crosses itself`);
  if (negative === 4)
    throw new MeasureError(
      'degenerate_reference',
      `${what}: corners run anticlockwise; give them as top-left, top-right, bottom-right, bottom-left (clockwise on screen)`,
    );
}

/** Hartley normalisation of 4 points into `out`; returns [meanX, meanY, scale]. */
function normalise(out: Float64Array, pts: ArrayLike<number>): [number, number, number] {
  let mx = 0;
  let my = 0;
  for (let i = 0; i < 4; i++) {
    mx += pts[2 * i]!;
    my += pts[2 * i + 1]!;
  }
  mx /= 4;
  my /= 4;
  let mean = 0;
  for (let i = 0; i < 4; i++) mean += Math.hypot(pts[2 * i]! - mx, pts[2 * i + 1]! - my);
  const s = Math.SQRT2 / (mean / 4);
  for (let i = 0; i < 4; i++) {
    out[2 * i] = (pts[2 * i]! - mx) * s;
    out[2 * i + 1] = (pts[2 * i + 1]! - my) * s;
  }
  return [mx, my, s];
}

/**
 * The homography `imageFromPlane` (row-major 3×3 into `outH`, scaled to unit Frobenius norm) that
 * maps the 4 plane points (metres, plane frame) onto the 4 image points (pixels), by the
 * normalised DLT (Hartley): both point sets are centred and scaled to mean radius √2, the 8 × 8
 * system with h33 = 1 is solved exactly (the normalised origin is the quad's centroid, never on
 * the horizon, so h33 ≠ 0), and the result is de-normalised. Throws
 * `MeasureError('degenerate_reference')` for repeated or collinear corners and for a non-convex,
 * self-intersecting or anticlockwise quadrilateral (see {@link checkReferenceQuad}); skip the
 * checks (`check = false`) only for small perturbations of an already checked quad. No allocation
 * (module scratch); O(1).
 */
export function homographyFromCorners(
  outH: Float64Array,
  imagePts: ArrayLike<number>,
  planePts: ArrayLike<number>,
  check = true,
): Float64Array {
  if (check) {
    checkReferenceQuad(imagePts, 'reference corners');
    checkReferenceQuad(planePts, 'plane corners', 1e-9);
  }
  const [ix, iy, is] = normalise(normImg, imagePts);
  const [px, py, ps] = normalise(normPlane, planePts);
  const A = dlt;
  for (let i = 0; i < 4; i++) {
    const X = normPlane[2 * i]!;
    const Y = normPlane[2 * i + 1]!;
    const u = normImg[2 * i]!;
    const v = normImg[2 * i + 1]!;
    let r = 2 * i * 9;
    A[r] = X;
    A[r + 1] = Y;
    A[r + 2] = 1;
    A[r + 3] = 0;
    A[r + 4] = 0;
    A[r + 5] = 0;
    A[r + 6] = -u * X;
    A[r + 7] = -u * Y;
    A[r + 8] = u;
    r += 9;
    A[r] = 0;
    A[r + 1] = 0;
    A[r + 2] = 0;
    A[r + 3] = X;
    A[r + 4] = Y;
    A[r + 5] = 1;
    A[r + 6] = -v * X;
    A[r + 7] = -v * Y;
    A[r + 8] = v;
  }
  // Gaussian elimination with partial pivoting on the 8 × 9 augmented matrix.
  for (let c = 0; c < 8; c++) {
    let piv = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(A[r * 9 + c]!) > Math.abs(A[piv * 9 + c]!)) piv = r;
    if (!(Math.abs(A[piv * 9 + c]!) > 1e-12))
      throw new MeasureError('degenerate_reference', 'reference corners: no homography fits them (degenerate)');
    if (piv !== c)
      for (let k = c; k < 9; k++) {
        const t = A[c * 9 + k]!;
        A[c * 9 + k] = A[piv * 9 + k]!;
        A[piv * 9 + k] = t;
      }
    const d = A[c * 9 + c]!;
    for (let r = c + 1; r < 8; r++) {
      const f = A[r * 9 + c]! / d;
      if (f === 0) continue;
      for (let k = c; k < 9; k++) A[r * 9 + k] = A[r * 9 + k]! - f * A[c * 9 + k]!;
    }
  }
  for (let c = 7; c >= 0; c--) {
    let s = A[c * 9 + 8]!;
    for (let k = c + 1; k < 8; k++) s -= A[c * 9 + k]! * hn[k]!;
    hn[c] = s / A[c * 9 + c]!;
  }
  hn[8] = 1;
  // H = Ti⁻¹ · Ĥ · Tp with Ti = [is 0 −is·ix; 0 is −is·iy; 0 0 1], Tp likewise.
  // Ĥ·Tp first (columns), then Ti⁻¹ (rows).
  for (let r = 0; r < 3; r++) {
    const a = hn[r * 3]!;
    const b = hn[r * 3 + 1]!;
    const c = hn[r * 3 + 2]!;
    outH[r * 3] = a * ps;
    outH[r * 3 + 1] = b * ps;
    outH[r * 3 + 2] = c - a * ps * px - b * ps * py;
  }
  for (let k = 0; k < 3; k++) {
    const w = outH[6 + k]!;
    outH[k] = outH[k]! / is + ix * w;
    outH[3 + k] = outH[3 + k]! / is + iy * w;
  }
  let norm = 0;
  for (let k = 0; k < 9; k++) norm += outH[k]! * outH[k]!;
  norm = Math.sqrt(norm) * (outH[8]! < 0 ? -1 : 1);
  for (let k = 0; k < 9; k++) outH[k] = outH[k]! / norm;
  return outH;
}

/** Inverse of a 3×3 row-major matrix into `out` (may alias `m`); throws RangeError if singular. No allocation. */
export function invert3x3(out: Float64Array, m: ArrayLike<number>): Float64Array {
  const a = m[0]!,
    b = m[1]!,
    c = m[2]!,
    d = m[3]!,
    e = m[4]!,
    f = m[5]!,
    g = m[6]!,
    h = m[7]!,
    i = m[8]!;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!(Math.abs(det) > 0) || !Number.isFinite(det)) throw new RangeError('matrix is singular');
  const k = 1 / det;
  out[0] = A * k;
  out[1] = -(b * i - c * h) * k;
  out[2] = (b * f - c * e) * k;
  out[3] = B * k;
  out[4] = (a * i - c * g) * k;
  out[5] = -(a * f - c * d) * k;
  out[6] = C * k;
  out[7] = -(a * h - b * g) * k;
  out[8] = (a * e - b * d) * k;
  return out;
}

/**
 * Applies a homography to the point (x, y) and writes the de-homogenised result into out[0..1];
 * returns `out`. Points on the homography's horizon come out non-finite. No allocation.
 */
export function applyHomography(out: Float64Array | number[], H: ArrayLike<number>, x: number, y: number) {
  const w = H[6]! * x + H[7]! * y + H[8]!;
  out[0] = (H[0]! * x + H[1]! * y + H[2]!) / w;
  out[1] = (H[3]! * x + H[4]! * y + H[5]!) / w;
  return out;
}

/** The pose of a reference plane in the camera frame (see the file comment for the frames). */
export interface PlanePose {
  /** Rotation camFromPlane, row-major 3×3, orthonormal with det +1. */
  camFromPlaneR: Float64Array;
  /** Translation camFromPlane, metres: the plane origin (rectangle's top-left corner) in the camera frame. */
  camFromPlaneT: Float64Array;
  /** Unit plane normal in the camera frame (the plane's Z axis, pointing away from the camera). */
  normalCam: Float64Array;
  /** Distance of the plane from the camera centre, metres: normalCam · x = distanceM on the plane. */
  distanceM: number;
  /**
   * ‖K⁻¹h₁‖ / ‖K⁻¹h₂‖: 1 when K agrees with the rectangle's metric size; a value far from 1 says
   * the focal (or aspect) in K is off, which biases every off-plane depth.
   */
  columnRatio: number;
}

export function createPlanePose(): PlanePose {
  return {
    camFromPlaneR: new Float64Array(9),
    camFromPlaneT: new Float64Array(3),
    normalCam: new Float64Array(3),
    distanceM: NaN,
    columnRatio: NaN,
  };
}

const polarTmp = new Float64Array(9);

/**
 * Decomposes `imageFromPlane` (metric plane frame, see the file comment) with intrinsics `K`
 * (pixels) into camFromPlane: M = K⁻¹H = λ[r₁ r₂ t], λ from the mean of ‖m₁‖ and ‖m₂‖ with the
 * sign that puts the plane in front (t_z > 0), r₃ = r₁ × r₂, then the nearest rotation by the
 * polar decomposition (Newton: R ← (R + R⁻ᵀ)/2). Exact for exact H and K. Writes `out` and
 * returns it; no allocation (module scratch); O(1).
 */
export function planePoseFromHomography(out: PlanePose, imageFromPlane: ArrayLike<number>, K: Readonly<Intrinsics>) {
  const H = imageFromPlane;
  const R = out.camFromPlaneR;
  const t = out.camFromPlaneT;
  // m_j = K⁻¹ h_j (columns).
  const m = polarTmp;
  for (let j = 0; j < 3; j++) {
    const h0 = H[j]!;
    const h1 = H[3 + j]!;
    const h2 = H[6 + j]!;
    m[j] = (h0 - K.cx * h2) / K.fx;
    m[3 + j] = (h1 - K.cy * h2) / K.fy;
    m[6 + j] = h2;
  }
  const n1 = Math.hypot(m[0]!, m[3]!, m[6]!);
  const n2 = Math.hypot(m[1]!, m[4]!, m[7]!);
  let lambda = 2 / (n1 + n2);
  if (m[8]! * lambda < 0) lambda = -lambda;
  for (let r = 0; r < 3; r++) {
    R[r * 3] = m[r * 3]! * lambda;
    R[r * 3 + 1] = m[r * 3 + 1]! * lambda;
    t[r] = m[r * 3 + 2]! * lambda;
  }
  R[2] = R[3]! * R[7]! - R[6]! * R[4]!;
  R[5] = R[6]! * R[1]! - R[0]! * R[7]!;
  R[8] = R[0]! * R[4]! - R[3]! * R[1]!;
  // Polar decomposition by Newton's iteration: converges quadratically from near-rotations.
  for (let it = 0; it < 30; it++) {
    invert3x3(polarTmp, R);
    let change = 0;
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++) {
        const v = 0.5 * (R[r * 3 + c]! + polarTmp[c * 3 + r]!);
        change = Math.max(change, Math.abs(v - R[r * 3 + c]!));
        R[r * 3 + c] = v;
      }
    if (change < 1e-15) break;
  }
  out.normalCam[0] = R[2]!;
  out.normalCam[1] = R[5]!;
  out.normalCam[2] = R[8]!;
  out.distanceM = R[2]! * t[0]! + R[5]! * t[1]! + R[8]! * t[2]!;
  out.columnRatio = n1 / n2;
  return out;
}

/**
 * The z-depth (metres, camera frame) at which the ray through pixel (u, v) meets the plane:
 * d / (n · K⁻¹[u, v, 1]); NaN when the ray is parallel to the plane or meets it behind the camera.
 * O(1), no allocation.
 */
export function planeDepthAtPixel(pose: PlanePose, K: Readonly<Intrinsics>, u: number, v: number): number {
  const n = pose.normalCam;
  const denom = n[0]! * ((u - K.cx) / K.fx) + n[1]! * ((v - K.cy) / K.fy) + n[2]!;
  const z = pose.distanceM / denom;
  return z > 0 && Number.isFinite(z) ? z : NaN;
}

/** Below this tilt (degrees between the plane normal and the optical axis) the focal is unobservable. */
const MIN_FOCAL_TILT_DEG = 5;

/**
 * The focal length (pixels, square pixels) implied by `imageFromPlane` of a rectangle of known
 * aspect with principal point (cx, cy): with h'ⱼ = the columns of H after moving the principal
 * point to the origin and w = 1/f², the plane axes must be orthogonal,
 * (a₁a₂ + b₁b₂)·w + c₁c₂ = 0, and of equal metric length, (a₁² + b₁² − a₂² − b₂²)·w + c₁² − c₂² = 0;
 * w is their least-squares solution. Returns null when w ≤ 0 or the rectangle is within 5° of
 * fronto-parallel (its vanishing points run off to infinity and the focal is unobservable).
 * O(1), no allocation beyond the pose check.
 */
export function focalFromHomography(imageFromPlane: ArrayLike<number>, cx: number, cy: number): number | null {
  const H = imageFromPlane;
  const a1 = H[0]! - cx * H[6]!;
  const b1 = H[3]! - cy * H[6]!;
  const c1 = H[6]!;
  const a2 = H[1]! - cx * H[7]!;
  const b2 = H[4]! - cy * H[7]!;
  const c2 = H[7]!;
  const A1 = a1 * a2 + b1 * b2;
  const C1 = c1 * c2;
  const A2 = a1 * a1 + b1 * b1 - a2 * a2 - b2 * b2;
  const C2 = c1 * c1 - c2 * c2;
  const w = -(A1 * C1 + A2 * C2) / (A1 * A1 + A2 * A2);
  if (!(w > 0) || !Number.isFinite(w)) return null;
  const f = 1 / Math.sqrt(w);
  const pose = planePoseFromHomography(createPlanePose(), H, { fx: f, fy: f, cx, cy });
  const tiltDeg = (Math.acos(Math.min(1, Math.abs(pose.normalCam[2]!))) * 180) / Math.PI;
  return tiltDeg < MIN_FOCAL_TILT_DEG ? null : f;
}
