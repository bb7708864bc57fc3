/**
 * Absolute camera pose from 2D–3D correspondences (PnP): the Lambda Twist P3P minimal solver
 * (Persson & Nordberg, ECCV 2018) inside the project RANSAC, then a Levenberg–Marquardt refinement
 * of the reprojection error on the inliers.
 *
 * Frames: `camFromWorld` maps world points (metres) into the camera frame, x_cam = R·x_world + t,
 * R row-major Float64Array(9), t Float64Array(3) in metres; camera frame x right, y down,
 * z forward. Pixels follow engines/core/camera.ts (u = fx·X/Z + cx, pixel (i, j) centred at
 * (i + 0.5, j + 0.5)).
 */
import { choleskySolveInPlace, ransac, type Estimator, type Intrinsics } from '../core/index.js';
import { multiplyRotations, rotationFromAxisAngle } from './rotation.js';

/** A rigid transform named by its frames: x_cam = R·x_world + t (R row-major 3×3, t metres). */
export interface CamFromWorld {
  R: Float64Array;
  t: Float64Array;
}

/** Most poses P3P can return for one sample. */
export const P3P_MAX_SOLUTIONS = 4;

// --- P3P scratch (module-level: the solver runs thousands of times per RANSAC) ---
const y = new Float64Array(9); // unit bearings
const D1 = new Float64Array(9);
const D2 = new Float64Array(9);
const D0 = new Float64Array(9);
const Dtmp = new Float64Array(9);
const gammas = new Float64Array(3);
const ratios = new Float64Array(4); // two (x, y) pairs of a homogeneous quadratic
const ratios2 = new Float64Array(4);
const lambdas = new Float64Array(3 * 8);
const e3 = new Float64Array(3);
const u1 = new Float64Array(3);
const u2 = new Float64Array(3);
const dir = new Float64Array(3);
const lam = new Float64Array(3);

function det3(m: Float64Array): number {
  return (
    m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) -
    m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) +
    m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!)
  );
}

/** vᵀ M w for symmetric row-major M. */
function form(M: Float64Array, v: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let r = 0; r < 3; r++) s += v[r]! * (M[3 * r]! * w[0]! + M[3 * r + 1]! * w[1]! + M[3 * r + 2]! * w[2]!);
  return s;
}

/** Real roots of c3 x³ + c2 x² + c1 x + c0 into out (≤ 3), Newton-polished. */
function cubicRoots(out: Float64Array, c3: number, c2: number, c1: number, c0: number): number {
  const scale = Math.max(Math.abs(c3), Math.abs(c2), Math.abs(c1), Math.abs(c0));
  if (!(scale > 0) || !Number.isFinite(scale)) return 0;
  let n = 0;
  if (Math.abs(c3) < 1e-12 * scale) {
    if (Math.abs(c2) < 1e-12 * scale) {
      if (c1 === 0) return 0;
      out[0] = -c0 / c1;
      return 1;
    }
    const disc = c1 * c1 - 4 * c2 * c0;
    if (disc < 0) return 0;
    const q = -0.5 * (c1 + (c1 < 0 ? -1 : 1) * Math.sqrt(disc));
    out[n++] = q / c2;
    if (q !== 0) out[n++] = c0 / q;
    return n;
  }
  const a = c2 / c3;
  const b = c1 / c3;
  const c = c0 / c3;
  // x = z − a/3 turns it into z³ + p z + q = 0
  const p = b - (a * a) / 3;
  const q = (2 * a * a * a) / 27 - (a * b) / 3 + c;
  const disc = (q * q) / 4 + (p * p * p) / 27;
  if (disc > 0) {
    const u = Math.cbrt(-q / 2 - (q < 0 ? -1 : 1) * Math.sqrt(disc));
    out[n++] = (u === 0 ? 0 : u - p / (3 * u)) - a / 3;
  } else if (p === 0) {
    out[n++] = -a / 3;
  } else {
    const r = 2 * Math.sqrt(-p / 3);
    const phi = Math.acos(Math.max(-1, Math.min(1, ((3 * q) / (2 * p)) * Math.sqrt(-3 / p)))) / 3;
    for (let k = 0; k < 3; k++) out[n++] = r * Math.cos(phi - (2 * Math.PI * k) / 3) - a / 3;
  }
  for (let k = 0; k < n; k++) {
    let x = out[k]!;
    for (let it = 0; it < 3; it++) {
      const f = ((x + a) * x + b) * x + c;
      const df = (3 * x + 2 * a) * x + b;
      if (df === 0) break;
      const nx = x - f / df;
      if (!Number.isFinite(nx)) break;
      x = nx;
    }
    out[k] = x;
  }
  return n;
}

/**
 * Real solutions (x, y) of A x² + 2B xy + C y² = 0 up to scale, as pairs in out (≤ 2); 0 when the
 * form is definite (complex pair).
 */
function homogeneousQuadratic(out: Float64Array, A: number, B: number, C: number): number {
  const scale = Math.max(Math.abs(A), Math.abs(B), Math.abs(C));
  if (!(scale > 0)) return 0;
  let disc = B * B - A * C;
  if (disc < -1e-12 * scale * scale) return 0;
  disc = Math.sqrt(Math.max(0, disc));
  const sgn = B < 0 ? -1 : 1;
  if (Math.abs(A) >= Math.abs(C)) {
    // x/y roots of A t² + 2B t + C: t1 = (−B − sgn·√)/A, t2 = C/(A t1)
    const q = -B - sgn * disc;
    out[0] = q / A;
    out[1] = 1;
    if (q === 0) return 1;
    out[2] = C / q;
    out[3] = 1;
    return 2;
  }
  const q = -B - sgn * disc;
  out[0] = 1;
  out[1] = q / C;
  if (q === 0) return 1;
  out[2] = 1;
  out[3] = A / q;
  return 2;
}

/**
 * All camera-frame poses that place three world points on three viewing rays (P3P, Lambda Twist).
 * `bearingsCam`: 3 ray directions in the camera frame (9 numbers, any length > 0);
 * `pointsWorld`: the 3 world points (9 numbers, metres). Writes up to {@link P3P_MAX_SOLUTIONS}
 * camFromWorld poses to `out` (12 numbers each: R row-major, then t) and returns how many; only
 * poses with every point in front of the camera are returned. Each root is polished by Newton on
 * the three distance equations, so noise-free data is solved to ~1e-12 relative. No allocation
 * (module scratch); O(1).
 */
export function solveP3P(out: Float64Array, bearingsCam: ArrayLike<number>, pointsWorld: ArrayLike<number>): number {
  for (let i = 0; i < 3; i++) {
    const x = bearingsCam[3 * i]!;
    const yy = bearingsCam[3 * i + 1]!;
    const z = bearingsCam[3 * i + 2]!;
    const n = Math.hypot(x, yy, z);
    if (!(n > 0)) return 0;
    y[3 * i] = x / n;
    y[3 * i + 1] = yy / n;
    y[3 * i + 2] = z / n;
  }
  const X = pointsWorld;
  const dist2 = (i: number, j: number): number => {
    const dx = X[3 * i]! - X[3 * j]!;
    const dy = X[3 * i + 1]! - X[3 * j + 1]!;
    const dz = X[3 * i + 2]! - X[3 * j + 2]!;
    return dx * dx + dy * dy + dz * dz;
  };
  const a12 = dist2(0, 1);
  const a13 = dist2(0, 2);
  const a23 = dist2(1, 2);
  const aMax = Math.max(a12, a13, a23);
  if (!(a12 > 0 && a13 > 0 && a23 > 0) || !Number.isFinite(aMax)) return 0;
  // λi² + λj² + bij λi λj = aij, bij = −2 yi·yj
  const b12 = -2 * (y[0]! * y[3]! + y[1]! * y[4]! + y[2]! * y[5]!);
  const b13 = -2 * (y[0]! * y[6]! + y[1]! * y[7]! + y[2]! * y[8]!);
  const b23 = -2 * (y[3]! * y[6]! + y[4]! * y[7]! + y[5]! * y[8]!);
  // D1 = a23 M12 − a12 M23, D2 = a23 M13 − a13 M23: every solution has Λᵀ D1 Λ = Λᵀ D2 Λ = 0.
  D1.fill(0);
  D1[0] = a23;
  D1[1] = D1[3] = (a23 * b12) / 2;
  D1[4] = a23 - a12;
  D1[5] = D1[7] = (-a12 * b23) / 2;
  D1[8] = -a12;
  D2.fill(0);
  D2[0] = a23;
  D2[2] = D2[6] = (a23 * b13) / 2;
  D2[4] = -a13;
  D2[5] = D2[7] = (-a13 * b23) / 2;
  D2[8] = a23 - a13;
  // det(D1 + γ D2) = c3 γ³ + c2 γ² + c1 γ + c0, from four determinants
  const c0 = det3(D1);
  const c3 = det3(D2);
  for (let k = 0; k < 9; k++) Dtmp[k] = D1[k]! + D2[k]!;
  const dp = det3(Dtmp);
  for (let k = 0; k < 9; k++) Dtmp[k] = D1[k]! - D2[k]!;
  const dm = det3(Dtmp);
  const nGamma = cubicRoots(gammas, c3, (dp + dm) / 2 - c0, (dp - dm) / 2 - c3, c0);

  let nLam = 0;
  for (let g = 0; g < nGamma; g++) {
    const gamma = gammas[g]!;
    for (let k = 0; k < 9; k++) D0[k] = D1[k]! + gamma * D2[k]!;
    // null vector of the (rank-2) D0: the largest cross product of two rows
    let best = 0;
    for (let r = 0; r < 3; r++) {
      const i = r === 2 ? 1 : 0;
      const j = r === 0 ? 1 : 2;
      const cx = D0[3 * i + 1]! * D0[3 * j + 2]! - D0[3 * i + 2]! * D0[3 * j + 1]!;
      const cy = D0[3 * i + 2]! * D0[3 * j]! - D0[3 * i]! * D0[3 * j + 2]!;
      const cz = D0[3 * i]! * D0[3 * j + 1]! - D0[3 * i + 1]! * D0[3 * j]!;
      const nn = cx * cx + cy * cy + cz * cz;
      if (nn > best) {
        best = nn;
        e3[0] = cx;
        e3[1] = cy;
        e3[2] = cz;
      }
    }
    if (!(best > 0)) continue;
    const ne = Math.sqrt(best);
    e3[0] = e3[0]! / ne;
    e3[1] = e3[1]! / ne;
    e3[2] = e3[2]! / ne;
    // orthonormal u1, u2 spanning e3⊥
    const ax = Math.abs(e3[0]!) < 0.6 ? 0 : Math.abs(e3[1]!) < 0.6 ? 1 : 2;
    u1[0] = ax === 0 ? 0 : ax === 1 ? -e3[2]! : e3[1]!;
    u1[1] = ax === 0 ? e3[2]! : ax === 1 ? 0 : -e3[0]!;
    u1[2] = ax === 0 ? -e3[1]! : ax === 1 ? e3[0]! : 0;
    const nu = Math.hypot(u1[0]!, u1[1]!, u1[2]!);
    u1[0] = u1[0]! / nu;
    u1[1] = u1[1]! / nu;
    u1[2] = u1[2]! / nu;
    u2[0] = e3[1]! * u1[2]! - e3[2]! * u1[1]!;
    u2[1] = e3[2]! * u1[0]! - e3[0]! * u1[2]!;
    u2[2] = e3[0]! * u1[1]! - e3[1]! * u1[0]!;
    // Λᵀ D0 Λ = 0 is a pair of planes through e3; each meets Λᵀ D Λ = 0 in two rays.
    const nPlanes = homogeneousQuadratic(ratios, form(D0, u1, u1), form(D0, u1, u2), form(D0, u2, u2));
    // D1 vanishes on the planes when γ = 0; D2 when γ → ∞: use the one that does not
    const D = Math.abs(gamma) < 1 ? D2 : D1;
    for (let pl = 0; pl < nPlanes; pl++) {
      const al = ratios[2 * pl]!;
      const be = ratios[2 * pl + 1]!;
      for (let k = 0; k < 3; k++) dir[k] = al * u1[k]! + be * u2[k]!;
      const nRays = homogeneousQuadratic(ratios2, form(D, dir, dir), form(D, dir, e3), form(D, e3, e3));
      for (let ry = 0; ry < nRays; ry++) {
        const mu = ratios2[2 * ry]!;
        const nu2 = ratios2[2 * ry + 1]!;
        for (let k = 0; k < 3; k++) lam[k] = mu * dir[k]! + nu2 * e3[k]!;
        if (polishLambdas(lam, a12, a13, a23, b12, b13, b23, aMax) && nLam < 8) {
          let dup = false;
          for (let s = 0; s < nLam && !dup; s++) {
            const d = Math.max(
              Math.abs(lambdas[3 * s]! - lam[0]!),
              Math.abs(lambdas[3 * s + 1]! - lam[1]!),
              Math.abs(lambdas[3 * s + 2]! - lam[2]!),
            );
            if (d <= 1e-7 * Math.max(lam[0]!, lam[1]!, lam[2]!)) dup = true;
          }
          if (!dup) {
            lambdas.set(lam, 3 * nLam);
            nLam++;
          }
        }
      }
    }
  }

  // poses: R = Y X⁻¹ with X = [x1−x2, x1−x3, (x1−x2)×(x1−x3)] and Y the same for λi yi
  let nOut = 0;
  const p1x = X[0]!, p1y = X[1]!, p1z = X[2]!; // prettier-ignore
  const dx1x = p1x - X[3]!, dx1y = p1y - X[4]!, dx1z = p1z - X[5]!; // prettier-ignore
  const dx2x = p1x - X[6]!, dx2y = p1y - X[7]!, dx2z = p1z - X[8]!; // prettier-ignore
  const dx3x = dx1y * dx2z - dx1z * dx2y;
  const dx3y = dx1z * dx2x - dx1x * dx2z;
  const dx3z = dx1x * dx2y - dx1y * dx2x;
  // X as a matrix with those columns; its inverse by cofactors
  Dtmp[0] = dx1x;
  Dtmp[1] = dx2x;
  Dtmp[2] = dx3x; // prettier-ignore
  Dtmp[3] = dx1y;
  Dtmp[4] = dx2y;
  Dtmp[5] = dx3y; // prettier-ignore
  Dtmp[6] = dx1z;
  Dtmp[7] = dx2z;
  Dtmp[8] = dx3z; // prettier-ignore
  const detX = det3(Dtmp);
  if (!(Math.abs(detX) > 1e-12 * aMax * aMax * aMax) || nLam === 0) return 0;
  const m = Dtmp;
  const i00 = (m[4]! * m[8]! - m[5]! * m[7]!) / detX;
  const i01 = (m[2]! * m[7]! - m[1]! * m[8]!) / detX;
  const i02 = (m[1]! * m[5]! - m[2]! * m[4]!) / detX;
  const i10 = (m[5]! * m[6]! - m[3]! * m[8]!) / detX;
  const i11 = (m[0]! * m[8]! - m[2]! * m[6]!) / detX;
  const i12 = (m[2]! * m[3]! - m[0]! * m[5]!) / detX;
  const i20 = (m[3]! * m[7]! - m[4]! * m[6]!) / detX;
  const i21 = (m[1]! * m[6]! - m[0]! * m[7]!) / detX;
  const i22 = (m[0]! * m[4]! - m[1]! * m[3]!) / detX;
  for (let s = 0; s < nLam && nOut < P3P_MAX_SOLUTIONS; s++) {
    const l1 = lambdas[3 * s]!;
    const l2 = lambdas[3 * s + 1]!;
    const l3 = lambdas[3 * s + 2]!;
    const q1x = l1 * y[0]!, q1y = l1 * y[1]!, q1z = l1 * y[2]!; // prettier-ignore
    const dy1x = q1x - l2 * y[3]!, dy1y = q1y - l2 * y[4]!, dy1z = q1z - l2 * y[5]!; // prettier-ignore
    const dy2x = q1x - l3 * y[6]!, dy2y = q1y - l3 * y[7]!, dy2z = q1z - l3 * y[8]!; // prettier-ignore
    const dy3x = dy1y * dy2z - dy1z * dy2y;
    const dy3y = dy1z * dy2x - dy1x * dy2z;
    const dy3z = dy1x * dy2y - dy1y * dy2x;
    const o = 12 * nOut;
    // R = Ymat · X⁻¹; row r of Ymat is (dy1_r, dy2_r, dy3_r)
    out[o] = dy1x * i00 + dy2x * i10 + dy3x * i20;
    out[o + 1] = dy1x * i01 + dy2x * i11 + dy3x * i21;
    out[o + 2] = dy1x * i02 + dy2x * i12 + dy3x * i22;
    out[o + 3] = dy1y * i00 + dy2y * i10 + dy3y * i20;
    out[o + 4] = dy1y * i01 + dy2y * i11 + dy3y * i21;
    out[o + 5] = dy1y * i02 + dy2y * i12 + dy3y * i22;
    out[o + 6] = dy1z * i00 + dy2z * i10 + dy3z * i20;
    out[o + 7] = dy1z * i01 + dy2z * i11 + dy3z * i21;
    out[o + 8] = dy1z * i02 + dy2z * i12 + dy3z * i22;
    out[o + 9] = q1x - (out[o]! * p1x + out[o + 1]! * p1y + out[o + 2]! * p1z);
    out[o + 10] = q1y - (out[o + 3]! * p1x + out[o + 4]! * p1y + out[o + 5]! * p1z);
    out[o + 11] = q1z - (out[o + 6]! * p1x + out[o + 7]! * p1y + out[o + 8]! * p1z);
    nOut++;
  }
  return nOut;
}

/**
 * Scales the ray-depth direction `l` onto the three distance equations, makes it positive and
 * polishes it by Newton; false when it is not a solution with every depth > 0.
 */
function polishLambdas(
  l: Float64Array,
  a12: number,
  a13: number,
  a23: number,
  b12: number,
  b13: number,
  b23: number,
  aMax: number,
): boolean {
  let l1 = l[0]!;
  let l2 = l[1]!;
  let l3 = l[2]!;
  const q =
    l1 * l1 + l2 * l2 + b12 * l1 * l2 + (l1 * l1 + l3 * l3 + b13 * l1 * l3) + (l2 * l2 + l3 * l3 + b23 * l2 * l3);
  if (!(q > 0)) return false;
  let s = Math.sqrt((a12 + a13 + a23) / q);
  if (l1 + l2 + l3 < 0) s = -s;
  l1 *= s;
  l2 *= s;
  l3 *= s;
  if (!(l1 > 0 && l2 > 0 && l3 > 0)) return false;
  let f1 = 0;
  let f2 = 0;
  let f3 = 0;
  for (let it = 0; it < 8; it++) {
    f1 = l1 * l1 + l2 * l2 + b12 * l1 * l2 - a12;
    f2 = l1 * l1 + l3 * l3 + b13 * l1 * l3 - a13;
    f3 = l2 * l2 + l3 * l3 + b23 * l2 * l3 - a23;
    if (Math.max(Math.abs(f1), Math.abs(f2), Math.abs(f3)) < 1e-15 * aMax) break;
    // J = [[j11 j12 0], [j21 0 j23], [0 j32 j33]]
    const j11 = 2 * l1 + b12 * l2;
    const j12 = 2 * l2 + b12 * l1;
    const j21 = 2 * l1 + b13 * l3;
    const j23 = 2 * l3 + b13 * l1;
    const j32 = 2 * l2 + b23 * l3;
    const j33 = 2 * l3 + b23 * l2;
    const det = j11 * (-j23 * j32) - j12 * (j21 * j33);
    if (det === 0 || !Number.isFinite(det)) break;
    // Cramer on J δ = f
    const d1 = (-f1 * j23 * j32 - j12 * (f2 * j33 - j23 * f3)) / det;
    const d2 = (j11 * (f2 * j33 - j23 * f3) - f1 * j21 * j33) / det;
    const d3 = (-j11 * j32 * f2 - j12 * j21 * f3 + f1 * j21 * j32) / det;
    l1 -= d1;
    l2 -= d2;
    l3 -= d3;
  }
  f1 = l1 * l1 + l2 * l2 + b12 * l1 * l2 - a12;
  f2 = l1 * l1 + l3 * l3 + b13 * l1 * l3 - a13;
  f3 = l2 * l2 + l3 * l3 + b23 * l2 * l3 - a23;
  if (!(Math.max(Math.abs(f1), Math.abs(f2), Math.abs(f3)) <= 1e-8 * aMax)) return false;
  if (!(l1 > 0 && l2 > 0 && l3 > 0)) return false;
  l[0] = l1;
  l[1] = l2;
  l[2] = l3;
  return true;
}

// --- pose refinement scratch ---
const H6 = new Float64Array(36);
const g6 = new Float64Array(6);
const A6 = new Float64Array(36);
const d6 = new Float64Array(6);
const jRow = new Float64Array(6);
const dR = new Float64Array(9);
const Rtry = new Float64Array(9);
const ttry = new Float64Array(3);

/** ½ Σ squared reprojection errors (px²) of the masked points under (R, t); Infinity if one is behind. */
function poseCost(
  R: Float64Array,
  t: Float64Array,
  px: ArrayLike<number>,
  Xw: ArrayLike<number>,
  K: Readonly<Intrinsics>,
  mask: Uint8Array | null,
): number {
  const n = px.length >> 1;
  let cost = 0;
  for (let i = 0; i < n; i++) {
    if (mask !== null && !mask[i]) continue;
    const x = Xw[3 * i]!;
    const yw = Xw[3 * i + 1]!;
    const z = Xw[3 * i + 2]!;
    const cz = R[6]! * x + R[7]! * yw + R[8]! * z + t[2]!;
    if (!(cz > 0)) return Infinity;
    const ru = (K.fx * (R[0]! * x + R[1]! * yw + R[2]! * z + t[0]!)) / cz + K.cx - px[2 * i]!;
    const rv = (K.fy * (R[3]! * x + R[4]! * yw + R[5]! * z + t[1]!)) / cz + K.cy - px[2 * i + 1]!;
    cost += ru * ru + rv * rv;
  }
  return 0.5 * cost;
}

export interface PoseRefineOptions {
  /** Levenberg–Marquardt iterations at most; default 30. */
  maxIterations?: number;
}

export interface PoseRefineReport {
  iterations: number;
  /** ½ Σ squared reprojection errors before and after, px². */
  initialCost: number;
  finalCost: number;
  /** RMS of the residual coordinates over the points used, √(Σ|r|² / (2n)), px. */
  rmsReprojectionPx: number;
}

/**
 * Refines `camFromWorld` in place by Levenberg–Marquardt on the reprojection error (px) of the
 * points with `mask[i] = 1` (all when `mask` is null). `points2dPx`: 2 numbers per point (pixels);
 * `points3dWorld`: 3 per point (metres, world frame). The rotation is updated on the left by an
 * axis-angle step (R ← exp([δω]×)·R, t ← t + δt). No allocation (module scratch); O(n) per
 * iteration.
 */
export function refineAbsolutePose(
  camFromWorld: CamFromWorld,
  points2dPx: ArrayLike<number>,
  points3dWorld: ArrayLike<number>,
  K: Readonly<Intrinsics>,
  mask: Uint8Array | null,
  opts: PoseRefineOptions = {},
): PoseRefineReport {
  const maxIterations = opts.maxIterations ?? 30;
  const { R, t } = camFromWorld;
  const n = points2dPx.length >> 1;
  let used = 0;
  for (let i = 0; i < n; i++) if (mask === null || mask[i]) used++;
  let cost = poseCost(R, t, points2dPx, points3dWorld, K, mask);
  const initialCost = cost;
  let lambda = 1e-4;
  let it = 0;
  for (; it < maxIterations && Number.isFinite(cost) && cost > 0; it++) {
    H6.fill(0);
    g6.fill(0);
    for (let i = 0; i < n; i++) {
      if (mask !== null && !mask[i]) continue;
      const x = points3dWorld[3 * i]!;
      const yw = points3dWorld[3 * i + 1]!;
      const z = points3dWorld[3 * i + 2]!;
      // p = R X, x_c = p + t
      const px = R[0]! * x + R[1]! * yw + R[2]! * z;
      const py = R[3]! * x + R[4]! * yw + R[5]! * z;
      const pz = R[6]! * x + R[7]! * yw + R[8]! * z;
      const X = px + t[0]!;
      const Y = py + t[1]!;
      const Z = pz + t[2]!;
      const iz = 1 / Z;
      const xz = X * iz;
      const yz = Y * iz;
      const ru = K.fx * xz + K.cx - points2dPx[2 * i]!;
      const rv = K.fy * yz + K.cy - points2dPx[2 * i + 1]!;
      // ∂(u, v)/∂x_c times ∂x_c/∂(δω, δt) = (−[p]×, I)
      const fu = K.fx * iz;
      const fv = K.fy * iz;
      const ju0 = -fu * xz * py;
      const ju1 = fu * (pz + xz * px);
      const ju2 = -fu * py;
      const ju3 = fu;
      const ju4 = 0;
      const ju5 = -fu * xz;
      const jv0 = -fv * (pz + yz * py);
      const jv1 = fv * yz * px;
      const jv2 = fv * px;
      const jv3 = 0;
      const jv4 = fv;
      const jv5 = -fv * yz;
      accumulateRow(ju0, ju1, ju2, ju3, ju4, ju5, ru);
      accumulateRow(jv0, jv1, jv2, jv3, jv4, jv5, rv);
    }
    let accepted = false;
    while (!accepted && lambda < 1e12) {
      A6.set(H6);
      for (let k = 0; k < 6; k++) {
        A6[7 * k] = H6[7 * k]! + lambda * Math.max(H6[7 * k]!, 1e-12);
        d6[k] = -g6[k]!;
      }
      if (!choleskySolveInPlace(A6, d6, 6)) {
        lambda *= 10;
        continue;
      }
      rotationFromAxisAngle(dR, d6, 0);
      multiplyRotations(Rtry, dR, R);
      ttry[0] = t[0]! + d6[3]!;
      ttry[1] = t[1]! + d6[4]!;
      ttry[2] = t[2]! + d6[5]!;
      const c = poseCost(Rtry, ttry, points2dPx, points3dWorld, K, mask);
      if (c < cost) {
        R.set(Rtry);
        t.set(ttry);
        const rel = (cost - c) / cost;
        cost = c;
        lambda = Math.max(lambda / 10, 1e-12);
        accepted = true;
        if (rel < 1e-12) it = maxIterations; // converged
      } else lambda *= 10;
    }
    if (!accepted) break;
  }
  return {
    iterations: Math.min(it, maxIterations),
    initialCost,
    finalCost: cost,
    rmsReprojectionPx: used > 0 ? Math.sqrt(cost / used) : 0,
  };
}

/** H6 += jᵀj, g6 += jᵀr for one residual row. */
function accumulateRow(j0: number, j1: number, j2: number, j3: number, j4: number, j5: number, r: number): void {
  jRow[0] = j0;
  jRow[1] = j1;
  jRow[2] = j2;
  jRow[3] = j3;
  jRow[4] = j4;
  jRow[5] = j5;
  for (let a = 0; a < 6; a++) {
    const ja = jRow[a]!;
    if (ja === 0) continue;
    g6[a] = g6[a]! + ja * r;
    for (let b = 0; b < 6; b++) H6[6 * a + b] = H6[6 * a + b]! + ja * jRow[b]!;
  }
}

/** The absolute-pose problem as a RANSAC estimator over camera-frame bearings; models are R|t (12). */
class AbsolutePoseEstimator implements Estimator<Float64Array> {
  readonly minSamples = 3;
  private readonly sampleBearings = new Float64Array(9);
  private readonly samplePoints = new Float64Array(9);
  private readonly solutions = new Float64Array(12 * P3P_MAX_SOLUTIONS);
  constructor(
    private readonly bearings: Float64Array,
    private readonly px: ArrayLike<number>,
    private readonly Xw: ArrayLike<number>,
    private readonly K: Readonly<Intrinsics>,
  ) {}

  fit(sampleIdx: Int32Array, out: Float64Array[]): number {
    for (let k = 0; k < 3; k++) {
      const i = sampleIdx[k]!;
      for (let c = 0; c < 3; c++) {
        this.sampleBearings[3 * k + c] = this.bearings[3 * i + c]!;
        this.samplePoints[3 * k + c] = this.Xw[3 * i + c]!;
      }
    }
    const count = solveP3P(this.solutions, this.sampleBearings, this.samplePoints);
    for (let s = 0; s < count; s++) {
      let m = out[s];
      if (m === undefined) {
        m = new Float64Array(12);
        out[s] = m;
      }
      m.set(this.solutions.subarray(12 * s, 12 * s + 12));
    }
    return count;
  }

  /** Reprojection error, px; Infinity behind the camera. */
  residual(m: Float64Array, i: number): number {
    const x = this.Xw[3 * i]!;
    const yw = this.Xw[3 * i + 1]!;
    const z = this.Xw[3 * i + 2]!;
    const cz = m[6]! * x + m[7]! * yw + m[8]! * z + m[11]!;
    if (!(cz > 0)) return Infinity;
    const K = this.K;
    const du = (K.fx * (m[0]! * x + m[1]! * yw + m[2]! * z + m[9]!)) / cz + K.cx - this.px[2 * i]!;
    const dv = (K.fy * (m[3]! * x + m[4]! * yw + m[5]! * z + m[10]!)) / cz + K.cy - this.px[2 * i + 1]!;
    return Math.sqrt(du * du + dv * dv);
  }
}

export interface AbsolutePoseOptions {
  /** Inlier threshold on the reprojection error, pixels (> 0). */
  thresholdPx: number;
  /** RANSAC seed: same data and seed give the same pose. */
  seed: number;
  /** RANSAC confidence, default 0.9999. */
  confidence?: number;
  /** RANSAC sample cap, default 10000. */
  maxIterations?: number;
  /** Refine on the inliers by LM (and re-select inliers once); default true. */
  refine?: boolean;
}

export interface AbsolutePoseResult {
  camFromWorld: CamFromWorld;
  /** 1 for correspondences within `thresholdPx` of the final pose, 0 otherwise; length n. */
  inliers: Uint8Array;
  inlierCount: number;
  /** RMS of the inliers' residual coordinates, √(Σ|r|² / (2·inlierCount)), px. */
  rmsReprojectionPx: number;
  /** RANSAC samples drawn. */
  ransacIterations: number;
}

/**
 * Absolute pose of a calibrated camera from n ≥ 3 correspondences: `points2dPx` (2 numbers each,
 * pixels) ↔ `points3dWorld` (3 numbers each, metres, world frame). P3P (Lambda Twist) in the
 * project RANSAC with the reprojection error in pixels as residual, then (unless `refine` is
 * false) LM on the inliers, inlier re-selection and a second LM pass. Returns null when no sample
 * gives a pose. Options are checked up front (RangeError). Allocates O(n) (bearings, masks) once;
 * cost O(iterations · n) for RANSAC plus O(n) per LM iteration.
 */
export function estimateAbsolutePose(
  points2dPx: Float64Array,
  points3dWorld: Float64Array,
  K: Readonly<Intrinsics>,
  opts: AbsolutePoseOptions,
): AbsolutePoseResult | null {
  const n = points2dPx.length >> 1;
  if (points2dPx.length !== 2 * n || points3dWorld.length !== 3 * n)
    throw new RangeError(
      `estimateAbsolutePose: ${points2dPx.length} pixel and ${points3dWorld.length} world numbers are not n×2 and n×3`,
    );
  if (!(K.fx > 0 && K.fy > 0)) throw new RangeError('estimateAbsolutePose: focal lengths must be > 0');
  const bearings = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const bx = (points2dPx[2 * i]! - K.cx) / K.fx;
    const by = (points2dPx[2 * i + 1]! - K.cy) / K.fy;
    const inv = 1 / Math.sqrt(bx * bx + by * by + 1);
    bearings[3 * i] = bx * inv;
    bearings[3 * i + 1] = by * inv;
    bearings[3 * i + 2] = inv;
  }
  const estimator = new AbsolutePoseEstimator(bearings, points2dPx, points3dWorld, K);
  const res = ransac(estimator, n, {
    threshold: opts.thresholdPx,
    confidence: opts.confidence ?? 0.9999,
    maxIterations: opts.maxIterations ?? 10000,
    seed: opts.seed,
  });
  if (res.model === null) return null;
  const m = res.model;
  const camFromWorld: CamFromWorld = { R: m.slice(0, 9), t: m.slice(9, 12) };
  let inliers = res.inliers;
  let inlierCount = res.inlierCount;
  if (opts.refine !== false) {
    for (let round = 0; round < 2; round++) {
      refineAbsolutePose(camFromWorld, points2dPx, points3dWorld, K, inliers);
      m.set(camFromWorld.R, 0);
      m.set(camFromWorld.t, 9);
      const next = new Uint8Array(n);
      let count = 0;
      let same = true;
      for (let i = 0; i < n; i++) {
        const inl = estimator.residual(m, i) <= opts.thresholdPx ? 1 : 0;
        next[i] = inl;
        count += inl;
        if (inl !== inliers[i]) same = false;
      }
      inliers = next;
      inlierCount = count;
      if (same) break;
    }
  }
  const cost = poseCost(camFromWorld.R, camFromWorld.t, points2dPx, points3dWorld, K, inliers);
  return {
    camFromWorld,
    inliers,
    inlierCount,
    rmsReprojectionPx: inlierCount > 0 ? Math.sqrt(cost / inlierCount) : 0,
    ransacIterations: res.iterations,
  };
}
