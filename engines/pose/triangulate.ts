/**
 * Triangulation of a 3D point from its observations in two or more calibrated views, and the
 * checks an SfM applies before keeping it (triangulation angle, positive depth, reprojection error).
 *
 * Frames: each view has a `camFromWorld` (x_cam = R·x_world + t, R row-major Float64Array(9), t
 * in world units) and pinhole intrinsics K in pixels (engines/core/camera.ts: u = fx·X/Z + cx,
 * pixel (i, j) centred at (i + 0.5, j + 0.5)). Observations are packed pixel xy, one pair per
 * view, in the order of `cams`; points are world xyz.
 */
import { svd, type Intrinsics } from '../core/index.js';
import type { CamFromWorld } from './pnp.js';

/** Why a triangulated point was kept or rejected (see {@link triangulatePoint}). */
export type TriangulationStatus = 'ok' | 'degenerate' | 'small_angle' | 'behind_camera' | 'reprojection';

let dltA = new Float64Array(0);
const dltS = new Float64Array(4);
const dltV = new Float64Array(16);

/**
 * Linear (DLT) triangulation from n ≥ 2 observations: with (x, y) = K⁻¹·pixel, each view gives
 * the rows x·P₃ − P₁ and y·P₃ − P₂ of P = [R | t]; the point is the smallest right singular
 * vector of the 2n×4 system (Jacobi SVD), de-homogenised into `outXw` (world). Returns false for
 * fewer than 2 views or a point at infinity (parallel rays). Exact on noise-free data; minimises an
 * algebraic, not the reprojection, error. Allocates only when its scratch must grow; O(n).
 */
export function triangulateDlt(
  outXw: Float64Array,
  pixels: ArrayLike<number>,
  cams: ReadonlyArray<CamFromWorld>,
  Ks: ReadonlyArray<Readonly<Intrinsics>>,
): boolean {
  const n = cams.length;
  if (n < 2 || Ks.length !== n || pixels.length < 2 * n) return false;
  if (dltA.length < 8 * n) dltA = new Float64Array(8 * n);
  for (let v = 0; v < n; v++) {
    const { R, t } = cams[v]!;
    const K = Ks[v]!;
    const x = (pixels[2 * v]! - K.cx) / K.fx;
    const y = (pixels[2 * v + 1]! - K.cy) / K.fy;
    const o = 8 * v;
    for (let c = 0; c < 3; c++) {
      dltA[o + c] = x * R[6 + c]! - R[c]!;
      dltA[o + 4 + c] = y * R[6 + c]! - R[3 + c]!;
    }
    dltA[o + 3] = x * t[2]! - t[0]!;
    dltA[o + 7] = y * t[2]! - t[1]!;
  }
  svd(dltA, 2 * n, 4, dltS, dltV);
  const w = dltV[15]!;
  // w ≈ 0: the rays meet at infinity (no parallax).
  if (!(Math.abs(w) > 1e-12 * Math.hypot(dltV[3]!, dltV[7]!, dltV[11]!))) return false;
  outXw[0] = dltV[3]! / w;
  outXw[1] = dltV[7]! / w;
  outXw[2] = dltV[11]! / w;
  return Number.isFinite(outXw[0]) && Number.isFinite(outXw[1]) && Number.isFinite(outXw[2]);
}

const twoPx = new Float64Array(4);
const twoCams: CamFromWorld[] = [];
const twoKs: Readonly<Intrinsics>[] = [];

/**
 * Two-view DLT triangulation (see {@link triangulateDlt}) of pixel (u1, v1) in view 1 and
 * (u2, v2) in view 2 into `outXw`. No allocation; O(1).
 */
export function triangulateTwoView(
  outXw: Float64Array,
  u1: number,
  v1: number,
  cam1: CamFromWorld,
  K1: Readonly<Intrinsics>,
  u2: number,
  v2: number,
  cam2: CamFromWorld,
  K2: Readonly<Intrinsics>,
): boolean {
  twoPx[0] = u1;
  twoPx[1] = v1;
  twoPx[2] = u2;
  twoPx[3] = v2;
  twoCams[0] = cam1;
  twoCams[1] = cam2;
  twoKs[0] = K1;
  twoKs[1] = K2;
  return triangulateDlt(outXw, twoPx, twoCams, twoKs);
}

/** Depth (z in the camera frame, world units) of world point `Xw` in the camera. O(1). */
export function depthInCamera(Xw: ArrayLike<number>, cam: CamFromWorld): number {
  const { R, t } = cam;
  return R[6]! * Xw[0]! + R[7]! * Xw[1]! + R[8]! * Xw[2]! + t[2]!;
}

/**
 * Reprojection error, pixels, of world point `Xw` against the observation (u, v) (pixels) in a
 * camera; Infinity when the point is not in front of it (z ≤ 0). No allocation; O(1).
 */
export function reprojectionErrorPx(
  Xw: ArrayLike<number>,
  u: number,
  v: number,
  cam: CamFromWorld,
  K: Readonly<Intrinsics>,
): number {
  const { R, t } = cam;
  const X = Xw[0]!;
  const Y = Xw[1]!;
  const Z = Xw[2]!;
  const zc = R[6]! * X + R[7]! * Y + R[8]! * Z + t[2]!;
  if (!(zc > 0)) return Infinity;
  const xc = R[0]! * X + R[1]! * Y + R[2]! * Z + t[0]!;
  const yc = R[3]! * X + R[4]! * Y + R[5]! * Z + t[1]!;
  return Math.hypot(K.fx * (xc / zc) + K.cx - u, K.fy * (yc / zc) + K.cy - v);
}

/**
 * Angle, degrees, between the rays from the two camera centres to world point `Xw` (the
 * triangulation angle; small angles mean poorly constrained depth). Centres are C = −Rᵀ·t. O(1).
 */
export function triangulationAngleDeg(Xw: ArrayLike<number>, camA: CamFromWorld, camB: CamFromWorld): number {
  const a = camA.R;
  const ta = camA.t;
  const b = camB.R;
  const tb = camB.t;
  // X − C = X + Rᵀ·t
  const ax = Xw[0]! + a[0]! * ta[0]! + a[3]! * ta[1]! + a[6]! * ta[2]!;
  const ay = Xw[1]! + a[1]! * ta[0]! + a[4]! * ta[1]! + a[7]! * ta[2]!;
  const az = Xw[2]! + a[2]! * ta[0]! + a[5]! * ta[1]! + a[8]! * ta[2]!;
  const bx = Xw[0]! + b[0]! * tb[0]! + b[3]! * tb[1]! + b[6]! * tb[2]!;
  const by = Xw[1]! + b[1]! * tb[0]! + b[4]! * tb[1]! + b[7]! * tb[2]!;
  const bz = Xw[2]! + b[2]! * tb[0]! + b[5]! * tb[1]! + b[8]! * tb[2]!;
  const cross = Math.hypot(ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx);
  return (Math.atan2(cross, ax * bx + ay * by + az * bz) * 180) / Math.PI;
}

/** Thresholds of {@link triangulatePoint}. */
export interface TriangulationOptions {
  /** Least triangulation angle (degrees) over some pair of views; default 1.5 (COLMAP's default). */
  minAngleDeg?: number;
  /** Largest reprojection error (pixels) in any view; default 4 (COLMAP's default). */
  maxReprojectionErrorPx?: number;
}

/** Measurements behind a {@link TriangulationStatus}, written by {@link triangulatePoint}. */
export interface TriangulationReport {
  /** Largest pairwise triangulation angle, degrees. */
  maxAngleDeg: number;
  /** Smallest depth over the views (world units). */
  minDepth: number;
  /** Largest reprojection error over the views, pixels (Infinity if behind a camera). */
  maxReprojectionErrorPx: number;
}

/**
 * Triangulates a point (DLT, {@link triangulateDlt}) into `outXw` and checks it, in COLMAP's
 * order: 'degenerate' (DLT failed: fewer than 2 views or no parallax), 'small_angle' (no pair of
 * views sees it under ≥ minAngleDeg), 'behind_camera' (depth ≤ 0 in some view), 'reprojection'
 * (some view's error > maxReprojectionErrorPx), else 'ok'. Fills `report` when given. No
 * allocation beyond DLT scratch growth; O(n²) for the pairwise angles.
 */
export function triangulatePoint(
  outXw: Float64Array,
  pixels: ArrayLike<number>,
  cams: ReadonlyArray<CamFromWorld>,
  Ks: ReadonlyArray<Readonly<Intrinsics>>,
  opts: TriangulationOptions = {},
  report?: TriangulationReport,
): TriangulationStatus {
  const minAngle = opts.minAngleDeg ?? 1.5;
  const maxErr = opts.maxReprojectionErrorPx ?? 4;
  if (report) {
    report.maxAngleDeg = 0;
    report.minDepth = NaN;
    report.maxReprojectionErrorPx = NaN;
  }
  if (!triangulateDlt(outXw, pixels, cams, Ks)) return 'degenerate';
  const n = cams.length;
  let maxAngle = 0;
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) maxAngle = Math.max(maxAngle, triangulationAngleDeg(outXw, cams[a]!, cams[b]!));
  let minDepth = Infinity;
  let worst = 0;
  for (let v = 0; v < n; v++) {
    minDepth = Math.min(minDepth, depthInCamera(outXw, cams[v]!));
    worst = Math.max(worst, reprojectionErrorPx(outXw, pixels[2 * v]!, pixels[2 * v + 1]!, cams[v]!, Ks[v]!));
  }
  if (report) {
    report.maxAngleDeg = maxAngle;
    report.minDepth = minDepth;
    report.maxReprojectionErrorPx = worst;
  }
  if (maxAngle < minAngle) return 'small_angle';
  if (!(minDepth > 0)) return 'behind_camera';
  if (!(worst <= maxErr)) return 'reprojection';
  return 'ok';
}
