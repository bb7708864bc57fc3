/**
 * Relative pose of two calibrated views: the five-point essential-matrix solver (Nistér 2004, in
 * the formulation of Stewénius et al.), the linear eight-point essential matrix, the decomposition
 * of E into its four (R, t) and the cheirality test, the Sampson error, and a RANSAC estimator.
 *
 * Frames: camera 1 is the world frame. The relative pose is camera 2's camFromWorld,
 * x_cam2 = R·x_cam1 + t, R row-major Float64Array(9), t unit length (scale is unobservable).
 * Then E = [t]×·R and every correspondence satisfies x2ᵀ·E·x1 = 0 for x = (x, y, 1) in
 * *normalised* image coordinates (K⁻¹·pixel, pixels per engines/core/camera.ts). Point sets are
 * packed Float64Arrays [x0, y0, x1, y1, …]; E is row-major Float64Array(9), unit Frobenius norm.
 */
import {
  gaussJordanInPlace,
  mat3Determinant,
  mat3MulVec3,
  mat3Multiply,
  mat3Skew,
  polyRealRoots,
  ransac,
  rotationFromAxisAngle,
  solveInPlace,
  svd,
  symmetricEigen,
  vec3Cross,
  vec3Normalize,
  type Estimator,
  type Intrinsics,
} from '../core/index.js';
import type { CamFromWorld } from './pnp.js';

/** Most essential matrices the five-point solver returns for one sample. */
export const FIVE_POINT_MAX_SOLUTIONS = 10;

// ---------------------------------------------------------------------------------------------
// Cubic polynomials in (x, y, z): 20 monomials in Nistér's order, so Gauss–Jordan on the first 10
// columns leaves the rows the hidden-variable step needs.
// 0 x³, 1 y³, 2 x²y, 3 xy², 4 x²z, 5 x², 6 y²z, 7 y², 8 xyz, 9 xy,
// 10 xz², 11 xz, 12 x, 13 yz², 14 yz, 15 y, 16 z³, 17 z², 18 z, 19 1
const MONO_EXP: ReadonlyArray<readonly [number, number, number]> = [
  [3, 0, 0],
  [0, 3, 0],
  [2, 1, 0],
  [1, 2, 0],
  [2, 0, 1],
  [2, 0, 0],
  [0, 2, 1],
  [0, 2, 0],
  [1, 1, 1],
  [1, 1, 0],
  [1, 0, 2],
  [1, 0, 1],
  [1, 0, 0],
  [0, 1, 2],
  [0, 1, 1],
  [0, 1, 0],
  [0, 0, 3],
  [0, 0, 2],
  [0, 0, 1],
  [0, 0, 0],
];
const NM = 20;
// PROD[i * NM + j]: index of monomial_i · monomial_j, or −1 above degree 3.
const PROD = new Int8Array(NM * NM).fill(-1);
for (let i = 0; i < NM; i++)
  for (let j = 0; j < NM; j++) {
    const a = MONO_EXP[i]!;
    const b = MONO_EXP[j]!;
    const e0 = a[0] + b[0];
    const e1 = a[1] + b[1];
    const e2 = a[2] + b[2];
    if (e0 + e1 + e2 > 3) continue;
    PROD[i * NM + j] = MONO_EXP.findIndex((m) => m[0] === e0 && m[1] === e1 && m[2] === e2);
  }
const MX = 12;
const MY = 15;
const MZ = 18;
const M1 = 19;

// out += s · a · b (polynomials in the 20-monomial basis); products above degree 3 must not occur.
function polyMulAdd(
  out: Float64Array,
  oo: number,
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  s: number,
) {
  for (let i = 0; i < NM; i++) {
    const ai = a[ao + i]!;
    if (ai === 0) continue;
    for (let j = 0; j < NM; j++) {
      const bj = b[bo + j]!;
      if (bj === 0) continue;
      const k = PROD[i * NM + j]!;
      out[oo + k] = out[oo + k]! + s * ai * bj;
    }
  }
}

// 1-D polynomials in z (ascending): out = a · b.
function zMul(out: Float64Array, a: Float64Array, da: number, b: Float64Array, db: number): number {
  out.fill(0, 0, da + db + 1);
  for (let i = 0; i <= da; i++) for (let j = 0; j <= db; j++) out[i + j] = out[i + j]! + a[i]! * b[j]!;
  return da + db;
}

// --- five-point scratch (module-level: the solver runs once per RANSAC sample) ---
const fpA = new Float64Array(81); // 5×9 constraints padded to 9×9
const fpS = new Float64Array(9);
const fpV = new Float64Array(81);
const fpE = new Float64Array(9 * NM); // E entries as linear polynomials
const fpEEt = new Float64Array(9 * NM); // E·Eᵀ, quadratic
const fpTmp = new Float64Array(NM);
const fpM = new Float64Array(10 * NM); // the 10 cubic constraints
const fpB = new Float64Array(9 * 5); // B(z): 3×3 polynomials in z, up to degree 4
const fpP1 = new Float64Array(11);
const fpP2 = new Float64Array(11);
const fpP3 = new Float64Array(11);
const fpDet = new Float64Array(11);
const fpRoots = new Float64Array(10);
const fpNull = new Float64Array(36);

/**
 * The five-point solver: all essential matrices (up to 10) consistent with 5 correspondences in
 * normalised coordinates. `x1`, `x2` are packed xy (normalised, camera 1 and camera 2); `idx` picks
 * the 5 points (default: the first 5). Writes each E (row-major, unit Frobenius norm) to
 * `outEs[9k .. 9k+9)` (length ≥ 90) and returns how many. Method: the 4-D null space X, Y, Z, W of
 * the 5×9 constraints (Jacobi SVD); E = x·X + y·Y + z·Z + W; det E = 0 and 2·E·Eᵀ·E − tr(E·Eᵀ)·E = 0
 * give 10 cubics in (x, y, z); Gauss–Jordan on their 20 monomials and Nistér's hidden-variable
 * elimination of x and y leave a 3×3 matrix B(z) whose determinant is a degree-10 polynomial; its
 * real roots give z, and the null vector of B(z) gives x, y. No allocation (module scratch);
 * about 30k flops.
 */
export function essentialFromFivePoints(
  outEs: Float64Array,
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  idx?: ArrayLike<number>,
): number {
  fpA.fill(0);
  for (let r = 0; r < 5; r++) {
    const p = idx ? idx[r]! : r;
    const u1 = x1[2 * p]!;
    const v1 = x1[2 * p + 1]!;
    const u2 = x2[2 * p]!;
    const v2 = x2[2 * p + 1]!;
    // x2ᵀ E x1 = Σ_ij x2_i x1_j E_ij
    const o = r * 9;
    fpA[o] = u2 * u1;
    fpA[o + 1] = u2 * v1;
    fpA[o + 2] = u2;
    fpA[o + 3] = v2 * u1;
    fpA[o + 4] = v2 * v1;
    fpA[o + 5] = v2;
    fpA[o + 6] = u1;
    fpA[o + 7] = v1;
    fpA[o + 8] = 1;
  }
  svd(fpA, 9, 9, fpS, fpV);
  // Null-space basis: columns 5..8 of V → X, Y, Z, W.
  fpE.fill(0);
  for (let e = 0; e < 9; e++) {
    fpE[e * NM + MX] = fpV[e * 9 + 5]!;
    fpE[e * NM + MY] = fpV[e * 9 + 6]!;
    fpE[e * NM + MZ] = fpV[e * 9 + 7]!;
    fpE[e * NM + M1] = fpV[e * 9 + 8]!;
  }
  fpM.fill(0);
  // Row 0: det E.
  for (let c = 0; c < 3; c++) {
    // cofactor expansion along the first row
    const c1 = (c + 1) % 3;
    const c2 = (c + 2) % 3;
    fpTmp.fill(0);
    polyMulAdd(fpTmp, 0, fpE, (3 + c1) * NM, fpE, (6 + c2) * NM, 1);
    polyMulAdd(fpTmp, 0, fpE, (3 + c2) * NM, fpE, (6 + c1) * NM, -1);
    polyMulAdd(fpM, 0, fpE, c * NM, fpTmp, 0, 1);
  }
  // E·Eᵀ (symmetric) and its trace.
  fpEEt.fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = i; j < 3; j++) {
      for (let k = 0; k < 3; k++) polyMulAdd(fpEEt, (3 * i + j) * NM, fpE, (3 * i + k) * NM, fpE, (3 * j + k) * NM, 1);
      if (j !== i) fpEEt.copyWithin((3 * j + i) * NM, (3 * i + j) * NM, (3 * i + j + 1) * NM);
    }
  fpTmp.fill(0);
  for (let i = 0; i < 3; i++) for (let m = 0; m < NM; m++) fpTmp[m] = fpTmp[m]! + fpEEt[4 * i * NM + m]!;
  // Rows 1..9: (2·E·Eᵀ − tr(E·Eᵀ)·I)·E = 0; fold the trace into the diagonal of E·Eᵀ.
  for (let i = 0; i < 3; i++)
    for (let m = 0; m < NM; m++) {
      const o = 4 * i * NM + m;
      fpEEt[o] = fpEEt[o]! - 0.5 * fpTmp[m]!;
    }
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 3; k++)
        polyMulAdd(fpM, (1 + 3 * i + j) * NM, fpEEt, (3 * i + k) * NM, fpE, (3 * k + j) * NM, 2);
  if (!gaussJordanInPlace(fpM, 10, NM)) return 0;

  // B(z) rows: k = row4 − z·row5, l = row6 − z·row7, m = row8 − z·row9; columns x, y, 1.
  fpB.fill(0);
  for (let r = 0; r < 3; r++) {
    const ra = (4 + 2 * r) * NM;
    const rb = (5 + 2 * r) * NM;
    // x column: (xz², xz, x) = cols 10, 11, 12; y column: 13, 14, 15 — cubic in z.
    for (let c = 0; c < 2; c++) {
      const base = 10 + 3 * c;
      const o = (3 * r + c) * 5;
      fpB[o] = fpM[ra + base + 2]!;
      fpB[o + 1] = fpM[ra + base + 1]! - fpM[rb + base + 2]!;
      fpB[o + 2] = fpM[ra + base]! - fpM[rb + base + 1]!;
      fpB[o + 3] = -fpM[rb + base]!;
    }
    // 1 column: (z³, z², z, 1) = cols 16..19 — quartic in z.
    const o = (3 * r + 2) * 5;
    fpB[o] = fpM[ra + 19]!;
    fpB[o + 1] = fpM[ra + 18]! - fpM[rb + 19]!;
    fpB[o + 2] = fpM[ra + 17]! - fpM[rb + 18]!;
    fpB[o + 3] = fpM[ra + 16]! - fpM[rb + 17]!;
    fpB[o + 4] = -fpM[rb + 16]!;
  }
  // det B(z), degree 10, by cofactors along the first row.
  const deg = [3, 3, 4];
  fpDet.fill(0);
  for (let c = 0; c < 3; c++) {
    const c1 = (c + 1) % 3;
    const c2 = (c + 2) % 3;
    const b = (r: number, col: number) => fpB.subarray((3 * r + col) * 5, (3 * r + col) * 5 + 5);
    const d12 = zMul(fpP1, b(1, c1), deg[c1]!, b(2, c2), deg[c2]!);
    zMul(fpP2, b(1, c2), deg[c2]!, b(2, c1), deg[c1]!);
    for (let i = 0; i <= d12; i++) fpP1[i] = fpP1[i]! - fpP2[i]!;
    const dd = zMul(fpP3, b(0, c), deg[c]!, fpP1, d12);
    for (let i = 0; i <= dd; i++) fpDet[i] = fpDet[i]! + fpP3[i]!;
  }
  const nRoots = polyRealRoots(fpRoots, fpDet, 10);
  let count = 0;
  for (let s = 0; s < nRoots; s++) {
    const z = fpRoots[s]!;
    // Evaluate B(z) and take the null vector (x, y, 1) as the largest cross product of two rows.
    for (let e = 0; e < 9; e++) {
      const o = e * 5;
      fpNull[e] = (((fpB[o + 4]! * z + fpB[o + 3]!) * z + fpB[o + 2]!) * z + fpB[o + 1]!) * z + fpB[o]!;
    }
    let bestN = -1;
    let nx = 0;
    let ny = 0;
    let nw = 0;
    for (let p = 0; p < 3; p++) {
      const a = 3 * p;
      const q = 3 * ((p + 1) % 3);
      const cx = fpNull[a + 1]! * fpNull[q + 2]! - fpNull[a + 2]! * fpNull[q + 1]!;
      const cy = fpNull[a + 2]! * fpNull[q]! - fpNull[a]! * fpNull[q + 2]!;
      const cw = fpNull[a]! * fpNull[q + 1]! - fpNull[a + 1]! * fpNull[q]!;
      const n = Math.hypot(cx, cy, cw);
      if (n > bestN) {
        bestN = n;
        nx = cx;
        ny = cy;
        nw = cw;
      }
    }
    if (!(bestN > 0) || nw === 0) continue;
    const x = nx / nw;
    const y = ny / nw;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const o = 9 * count;
    let norm = 0;
    for (let e = 0; e < 9; e++) {
      const v = x * fpV[e * 9 + 5]! + y * fpV[e * 9 + 6]! + z * fpV[e * 9 + 7]! + fpV[e * 9 + 8]!;
      outEs[o + e] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    if (!(norm > 0)) continue;
    for (let e = 0; e < 9; e++) outEs[o + e] = outEs[o + e]! / norm;
    count++;
  }
  return count;
}

// --- eight-point / projection scratch ---
const epAtA = new Float64Array(81);
const epRow = new Float64Array(9);
const epW = new Float64Array(9);
const epV = new Float64Array(81);
const e3S = new Float64Array(3);
const e3V = new Float64Array(9);
const e3U = new Float64Array(9);

/**
 * out = the essential matrix closest (Frobenius) to `e`: singular values set to (1, 1, 0), then
 * scaled to unit Frobenius norm. `out` may alias `e`. No allocation; O(1).
 */
export function projectToEssential(out: Float64Array, e: ArrayLike<number>): Float64Array {
  svd(e, 3, 3, e3S, e3V, e3U);
  // U·diag(1, 1, 0)·Vᵀ / √2
  const s = Math.SQRT1_2;
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) out[3 * r + c] = s * (e3U[3 * r]! * e3V[3 * c]! + e3U[3 * r + 1]! * e3V[3 * c + 1]!);
  return out;
}

/**
 * The linear eight-point essential matrix from n ≥ 8 correspondences (normalised coordinates,
 * packed xy) — all of them, or those listed in `idx`: the least-squares null vector of the n×9
 * constraints (smallest eigenvector of AᵀA), projected to an essential matrix (unit Frobenius
 * norm). Returns false for fewer than 8 points. No allocation; O(81·n).
 */
export function essentialFromEightPoints(
  outE: Float64Array,
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  idx?: ArrayLike<number>,
): boolean {
  const n = idx ? idx.length : Math.min(x1.length, x2.length) >> 1;
  if (n < 8) return false;
  epAtA.fill(0);
  for (let k = 0; k < n; k++) {
    const p = idx ? idx[k]! : k;
    const u1 = x1[2 * p]!;
    const v1 = x1[2 * p + 1]!;
    const u2 = x2[2 * p]!;
    const v2 = x2[2 * p + 1]!;
    epRow[0] = u2 * u1;
    epRow[1] = u2 * v1;
    epRow[2] = u2;
    epRow[3] = v2 * u1;
    epRow[4] = v2 * v1;
    epRow[5] = v2;
    epRow[6] = u1;
    epRow[7] = v1;
    epRow[8] = 1;
    for (let i = 0; i < 9; i++) {
      const ri = epRow[i]!;
      for (let j = i; j < 9; j++) epAtA[i * 9 + j] = epAtA[i * 9 + j]! + ri * epRow[j]!;
    }
  }
  symmetricEigen(epAtA, 9, epW, epV);
  for (let e = 0; e < 9; e++) outE[e] = epV[e * 9]!;
  projectToEssential(outE, outE);
  return true;
}

/**
 * Squared Sampson distance of correspondence i under E (normalised units²): the first-order
 * geometric error (x2ᵀEx1)² / ((Ex1)₁² + (Ex1)₂² + (Eᵀx2)₁² + (Eᵀx2)₂²). No allocation; O(1).
 */
export function sampsonErrorSq(E: ArrayLike<number>, x1: ArrayLike<number>, x2: ArrayLike<number>, i: number): number {
  const u1 = x1[2 * i]!;
  const v1 = x1[2 * i + 1]!;
  const u2 = x2[2 * i]!;
  const v2 = x2[2 * i + 1]!;
  const a = E[0]! * u1 + E[1]! * v1 + E[2]!;
  const b = E[3]! * u1 + E[4]! * v1 + E[5]!;
  const c = E[6]! * u1 + E[7]! * v1 + E[8]!;
  const d = E[0]! * u2 + E[3]! * v2 + E[6]!;
  const e = E[1]! * u2 + E[4]! * v2 + E[7]!;
  const num = u2 * a + v2 * b + c;
  const den = a * a + b * b + d * d + e * e;
  return den > 0 ? (num * num) / den : Infinity;
}

// --- decomposition scratch ---
const dU = new Float64Array(9);
const dS = new Float64Array(3);
const dV = new Float64Array(9);

/**
 * The four relative poses an essential matrix allows: (R1, t), (R1, −t), (R2, t), (R2, −t), with
 * E = U·diag(1,1,0)·Vᵀ (det U = det V = +1), R1 = U·W·Vᵀ, R2 = U·Wᵀ·Vᵀ, W = [[0,−1,0],[1,0,0],[0,0,1]],
 * t = U's third column (unit). Writes R1, R2 (row-major) and t. No allocation; O(1).
 */
export function decomposeEssential(
  outR1: Float64Array,
  outR2: Float64Array,
  outT: Float64Array,
  E: ArrayLike<number>,
): void {
  svd(E, 3, 3, dS, dV, dU);
  // U's third column may be zero (rank 2): complete U to a right-handed basis.
  dU[2] = dU[3]! * dU[7]! - dU[6]! * dU[4]!;
  dU[5] = dU[6]! * dU[1]! - dU[0]! * dU[7]!;
  dU[8] = dU[0]! * dU[4]! - dU[3]! * dU[1]!;
  if (mat3Determinant(dV) < 0) for (let i = 0; i < 9; i++) dV[i] = -dV[i]!;
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) {
      // U·W = [u2, −u1, u3]; U·Wᵀ = [−u2, u1, u3] (columns)
      const u1 = dU[3 * r]!;
      const u2 = dU[3 * r + 1]!;
      const u3 = dU[3 * r + 2]!;
      const v1 = dV[3 * c]!;
      const v2 = dV[3 * c + 1]!;
      const v3 = dV[3 * c + 2]!;
      outR1[3 * r + c] = u2 * v1 - u1 * v2 + u3 * v3;
      outR2[3 * r + c] = -u2 * v1 + u1 * v2 + u3 * v3;
    }
  outT[0] = dU[2]!;
  outT[1] = dU[5]!;
  outT[2] = dU[8]!;
}

const chA = new Float64Array(3);

/**
 * Depths (d1 along x1 in camera 1, d2 along x2 in camera 2) of the least-squares intersection of
 * the two rays of correspondence i under x_cam2 = R·x_cam1 + t, into out[0], out[1]; returns false
 * for parallel rays. No allocation; O(1).
 */
export function twoViewDepths(
  out: Float64Array,
  R: ArrayLike<number>,
  t: ArrayLike<number>,
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  i: number,
): boolean {
  // d2·b = d1·a + t with a = R·x1, b = x2: normal equations of min |d1·a − d2·b + t|².
  chA[0] = x1[2 * i]!;
  chA[1] = x1[2 * i + 1]!;
  chA[2] = 1;
  mat3MulVec3(chA, R, chA);
  const bx = x2[2 * i]!;
  const by = x2[2 * i + 1]!;
  const aa = chA[0] * chA[0] + chA[1] * chA[1] + chA[2] * chA[2];
  const bb = bx * bx + by * by + 1;
  const ab = chA[0] * bx + chA[1] * by + chA[2];
  const at = chA[0] * t[0]! + chA[1] * t[1]! + chA[2] * t[2]!;
  const bt = bx * t[0]! + by * t[1]! + t[2]!;
  const det = aa * bb - ab * ab;
  if (!(det > 1e-15 * aa * bb)) return false;
  out[0] = (-at * bb + ab * bt) / det;
  out[1] = (aa * bt - ab * at) / det;
  return true;
}

const cR1 = new Float64Array(9);
const cR2 = new Float64Array(9);
const cT = new Float64Array(3);
const cD = new Float64Array(2);
const chT = new Float64Array(3);

/**
 * Chooses, among E's four poses, the one with the most correspondences in front of both cameras
 * (positive depths, see {@link twoViewDepths}), writing R (row-major) and unit t of camera 2's
 * camFromWorld (camera 1 = world). Uses all points or those with mask[i] ≠ 0. Returns the number
 * of points in front for the chosen pose. No allocation; O(4n).
 */
export function poseFromEssential(
  outR: Float64Array,
  outT: Float64Array,
  E: ArrayLike<number>,
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  mask?: ArrayLike<number>,
): number {
  decomposeEssential(cR1, cR2, cT, E);
  const n = Math.min(x1.length, x2.length) >> 1;
  let best = -1;
  for (let cand = 0; cand < 4; cand++) {
    const R = cand < 2 ? cR1 : cR2;
    const sign = cand % 2 === 0 ? 1 : -1;
    let count = 0;
    chT[0] = sign * cT[0]!;
    chT[1] = sign * cT[1]!;
    chT[2] = sign * cT[2]!;
    for (let i = 0; i < n; i++) {
      if (mask && !mask[i]) continue;
      if (twoViewDepths(cD, R, chT, x1, x2, i) && cD[0]! > 0 && cD[1]! > 0) count++;
    }
    if (count > best) {
      best = count;
      outR.set(R.subarray(0, 9));
      outT.set(chT);
    }
  }
  return best;
}

// --- refinement scratch ---
const rfEs = new Float64Array(11 * 9); // E at the current pose and at ± steps of the 5 parameters
const rfR = new Float64Array(9);
const rfT = new Float64Array(3);
const rfDR = new Float64Array(9);
const rfSk = new Float64Array(9);
const rfB1 = new Float64Array(3);
const rfB2 = new Float64Array(3);
const rfJtJ = new Float64Array(25);
const rfJtr = new Float64Array(5);
const rfA = new Float64Array(25);
const rfRes = new Float64Array(11);
const rfSaveR = new Float64Array(9);
const rfSaveT = new Float64Array(3);

// R' = exp([ω]×)·R, t' = normalise(t + α·b1 + β·b2) for p = (ω, α, β); E' = [t']×·R' into out[o..o+9).
function perturbedEssential(
  out: Float64Array,
  o: number,
  R: Float64Array,
  t: Float64Array,
  p0: number,
  p1: number,
  p2: number,
  a: number,
  b: number,
): void {
  rotationFromAxisAngle(rfDR, p0, p1, p2);
  mat3Multiply(rfR, rfDR, R);
  rfT[0] = t[0]! + a * rfB1[0]! + b * rfB2[0]!;
  rfT[1] = t[1]! + a * rfB1[1]! + b * rfB2[1]!;
  rfT[2] = t[2]! + a * rfB1[2]! + b * rfB2[2]!;
  vec3Normalize(rfT, rfT);
  mat3Skew(rfSk, rfT);
  mat3Multiply(rfDR, rfSk, rfR);
  out.set(rfDR, o);
}

// Signed Sampson residual (normalised units) of correspondence i under E = es[o..o+9).
function sampsonSigned(es: Float64Array, o: number, x1: ArrayLike<number>, x2: ArrayLike<number>, i: number): number {
  const u1 = x1[2 * i]!;
  const v1 = x1[2 * i + 1]!;
  const u2 = x2[2 * i]!;
  const v2 = x2[2 * i + 1]!;
  const a = es[o]! * u1 + es[o + 1]! * v1 + es[o + 2]!;
  const b = es[o + 3]! * u1 + es[o + 4]! * v1 + es[o + 5]!;
  const c = es[o + 6]! * u1 + es[o + 7]! * v1 + es[o + 8]!;
  const d = es[o]! * u2 + es[o + 3]! * v2 + es[o + 6]!;
  const e = es[o + 1]! * u2 + es[o + 4]! * v2 + es[o + 7]!;
  const den = a * a + b * b + d * d + e * e;
  return den > 0 ? (u2 * a + v2 * b + c) / Math.sqrt(den) : 0;
}

/**
 * Refines a relative pose (R row-major, unit t; x_cam2 = R·x_cam1 + t) in place by
 * Levenberg–Marquardt on the Sampson errors (normalised units) of the correspondences with
 * mask[i] ≠ 0 (all when no mask): 5 parameters (a rotation increment on the left, and t moved on
 * the unit sphere), central-difference Jacobians. Returns the final sum of squared Sampson errors.
 * No allocation; O(iterations · 11 · n).
 */
export function refineRelativePose(
  R: Float64Array,
  t: Float64Array,
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  mask?: ArrayLike<number>,
  maxIterations = 20,
): number {
  const n = Math.min(x1.length, x2.length) >> 1;
  const h = 1e-7;
  let lambda = 1e-3;
  const cost = (): number => {
    perturbedEssential(rfEs, 0, R, t, 0, 0, 0, 0, 0);
    let c = 0;
    for (let i = 0; i < n; i++) {
      if (mask && !mask[i]) continue;
      const r = sampsonSigned(rfEs, 0, x1, x2, i);
      c += r * r;
    }
    return c;
  };
  let current = cost();
  for (let it = 0; it < maxIterations; it++) {
    // Tangent basis of the unit sphere at t.
    const ax = Math.abs(t[0]!) < 0.9 ? 1 : 0;
    rfB1[0] = ax;
    rfB1[1] = 1 - ax;
    rfB1[2] = 0;
    vec3Cross(rfB1, t, rfB1);
    vec3Normalize(rfB1, rfB1);
    vec3Cross(rfB2, t, rfB1);
    perturbedEssential(rfEs, 0, R, t, 0, 0, 0, 0, 0);
    for (let k = 0; k < 5; k++)
      for (let sgn = 0; sgn < 2; sgn++) {
        const d = sgn === 0 ? h : -h;
        perturbedEssential(
          rfEs,
          9 * (1 + 2 * k + sgn),
          R,
          t,
          k === 0 ? d : 0,
          k === 1 ? d : 0,
          k === 2 ? d : 0,
          k === 3 ? d : 0,
          k === 4 ? d : 0,
        );
      }
    rfJtJ.fill(0);
    rfJtr.fill(0);
    for (let i = 0; i < n; i++) {
      if (mask && !mask[i]) continue;
      const r0 = sampsonSigned(rfEs, 0, x1, x2, i);
      for (let k = 0; k < 5; k++)
        rfRes[k] =
          (sampsonSigned(rfEs, 9 * (1 + 2 * k), x1, x2, i) - sampsonSigned(rfEs, 9 * (2 + 2 * k), x1, x2, i)) / (2 * h);
      for (let k = 0; k < 5; k++) {
        rfJtr[k] = rfJtr[k]! + rfRes[k]! * r0;
        for (let l = 0; l < 5; l++) rfJtJ[5 * k + l] = rfJtJ[5 * k + l]! + rfRes[k]! * rfRes[l]!;
      }
    }
    let improved = false;
    for (let tries = 0; tries < 10 && !improved; tries++) {
      rfA.set(rfJtJ);
      for (let k = 0; k < 5; k++) rfA[6 * k] = rfJtJ[6 * k]! * (1 + lambda) + 1e-12;
      for (let k = 0; k < 5; k++) rfRes[5 + k] = -rfJtr[k]!;
      const step = rfRes.subarray(5, 10);
      if (!solveInPlace(rfA, step, 5)) {
        lambda *= 10;
        continue;
      }
      rfSaveR.set(R);
      rfSaveT.set(t);
      perturbedEssential(rfEs, 0, R, t, step[0]!, step[1]!, step[2]!, step[3]!, step[4]!);
      R.set(rfR);
      t.set(rfT);
      const next = cost();
      if (next < current) {
        const rel = (current - next) / Math.max(current, 1e-300);
        current = next;
        lambda = Math.max(lambda / 10, 1e-9);
        improved = true;
        if (rel < 1e-10) return current;
      } else {
        R.set(rfSaveR);
        t.set(rfSaveT);
        lambda *= 10;
      }
    }
    if (!improved) break;
  }
  return current;
}
/** Options of {@link estimateRelativePose}. */
export interface RelativePoseOptions {
  /** Sampson-error threshold, pixels (converted with the mean focal length of both cameras). */
  thresholdPx: number;
  /** RANSAC seed. */
  seed: number;
  /** RANSAC confidence, default 0.999. */
  confidence?: number;
  /** RANSAC sample cap, default 1000. */
  maxIterations?: number;
}

/** Result of {@link estimateRelativePose}. */
export interface RelativePoseResult {
  /** Camera 2's camFromWorld with camera 1 as the world: x_cam2 = R·x_cam1 + t, |t| = 1. */
  camFromWorld: CamFromWorld;
  /** Essential matrix in normalised coordinates, unit Frobenius norm: x2ᵀ·E·x1 = 0. */
  E: Float64Array;
  /** 1 for RANSAC inliers (Sampson error ≤ threshold), length n. */
  inliers: Uint8Array;
  inlierCount: number;
  /** Inliers in front of both cameras under the chosen pose. */
  inFrontCount: number;
  iterations: number;
}

/**
 * Normalised image coordinates of packed pixels: out = ((u − cx)/fx, (v − cy)/fy) per point
 * (pixels per engines/core/camera.ts). `out` may be `pixels`. No allocation; O(n).
 */
export function normalisePixels(out: Float64Array, pixels: ArrayLike<number>, K: Readonly<Intrinsics>): Float64Array {
  const n = pixels.length >> 1;
  for (let i = 0; i < n; i++) {
    out[2 * i] = (pixels[2 * i]! - K.cx) / K.fx;
    out[2 * i + 1] = (pixels[2 * i + 1]! - K.cy) / K.fy;
  }
  return out;
}

/**
 * A RANSAC {@link Estimator} of essential matrices over n correspondences in normalised
 * coordinates: five-point minimal solver, residual √Sampson (normalised units), eight-point
 * refit on the inliers (LO step). Allocates the candidate models it hands to RANSAC (at most 10,
 * reused).
 */
export function essentialEstimator(x1: Float64Array, x2: Float64Array): Estimator<Float64Array> {
  const sols = new Float64Array(9 * FIVE_POINT_MAX_SOLUTIONS);
  return {
    minSamples: 5,
    fit(idx, out) {
      const k = essentialFromFivePoints(sols, x1, x2, idx);
      for (let s = 0; s < k; s++) {
        const m = out[s] ?? new Float64Array(9);
        m.set(sols.subarray(9 * s, 9 * s + 9));
        out[s] = m;
      }
      return k;
    },
    residual(E, i) {
      return Math.sqrt(sampsonErrorSq(E, x1, x2, i));
    },
    refit(idx) {
      const E = new Float64Array(9);
      return essentialFromEightPoints(E, x1, x2, idx) ? E : null;
    },
  };
}

/**
 * Relative pose of two calibrated views from pixel correspondences: points1[i] (image 1) ↔
 * points2[i] (image 2), packed pixel xy, intrinsics K1, K2. Normalises with K⁻¹, runs
 * {@link ransac} with {@link essentialEstimator} (threshold = thresholdPx / mean focal, on the
 * Sampson error; LO refit by the eight-point method), picks the pose by cheirality over the
 * inliers, refines it by {@link refineRelativePose} on the inliers and re-classifies every point
 * with the refined E. Returns null when there are
 * fewer than 5 correspondences or no model was found. Options are checked up front (RangeError).
 * Allocates O(n); cost ≈ iterations × (30k flops + 30n).
 */
export function estimateRelativePose(
  points1: Float64Array,
  points2: Float64Array,
  K1: Readonly<Intrinsics>,
  K2: Readonly<Intrinsics>,
  opts: RelativePoseOptions,
): RelativePoseResult | null {
  if (points1.length !== points2.length || points1.length % 2 !== 0)
    throw new RangeError('estimateRelativePose: points1 and points2 must be packed xy of the same length');
  if (!(Number.isFinite(opts.thresholdPx) && opts.thresholdPx > 0))
    throw new RangeError(`estimateRelativePose: thresholdPx must be > 0, got ${opts.thresholdPx}`);
  const n = points1.length >> 1;
  const x1 = normalisePixels(new Float64Array(2 * n), points1, K1);
  const x2 = normalisePixels(new Float64Array(2 * n), points2, K2);
  const meanFocal = (K1.fx + K1.fy + K2.fx + K2.fy) / 4;
  const r = ransac(essentialEstimator(x1, x2), n, {
    threshold: opts.thresholdPx / meanFocal,
    confidence: opts.confidence ?? 0.999,
    maxIterations: opts.maxIterations ?? 1000,
    seed: opts.seed,
  });
  if (!r.model) return null;
  const R = new Float64Array(9);
  const t = new Float64Array(3);
  poseFromEssential(R, t, r.model, x1, x2, r.inliers);
  // Polish on the inliers (the LO step is linear), then re-classify with the refined model.
  refineRelativePose(R, t, x1, x2, r.inliers);
  const E = mat3Multiply(new Float64Array(9), mat3Skew(new Float64Array(9), t), R);
  const en = Math.hypot(...E);
  for (let i = 0; i < 9; i++) E[i] = E[i]! / en;
  const thr2 = (opts.thresholdPx / meanFocal) ** 2;
  let inlierCount = 0;
  for (let i = 0; i < n; i++) {
    const inl = sampsonErrorSq(E, x1, x2, i) <= thr2 ? 1 : 0;
    r.inliers[i] = inl;
    inlierCount += inl;
  }
  let inFront = 0;
  const d = new Float64Array(2);
  for (let i = 0; i < n; i++)
    if (r.inliers[i] && twoViewDepths(d, R, t, x1, x2, i) && d[0]! > 0 && d[1]! > 0) inFront++;
  return {
    camFromWorld: { R, t },
    E,
    inliers: r.inliers,
    inlierCount,
    inFrontCount: inFront,
    iterations: r.iterations,
  };
}
