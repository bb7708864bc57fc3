import type { ImagePyramid } from './pyramid.js';

/** Per-point outcome of {@link trackLK}, written into a Uint8Array. Only `TRACK_OK` is usable. */
export const TRACK_OK = 1;
/** The point left the image (its final position is outside the pixel area). */
export const TRACK_OUTSIDE = 2;
/** The window has no texture in two directions (minimum eigenvalue below the threshold). */
export const TRACK_FLAT = 3;
/** Tracking back from the result missed the start by more than `fbThresholdPx` (occlusion, drift). */
export const TRACK_FB_MISMATCH = 4;
/** The mean absolute window difference exceeds `maxErrorGrey`. */
export const TRACK_HIGH_ERROR = 5;

/** Options of {@link trackLK}; every field has a default. */
export interface LKOptions {
  /** Side of the square window, odd, px (default 21). */
  winSize: number;
  /** Coarsest pyramid level used (default 3: 1/8 scale; capped by the pyramids' depth). */
  maxLevel: number;
  /** Gauss–Newton iterations per level at most (default 30). */
  maxIterations: number;
  /** Stop level 0 when the update is below this, px (default 0.01). */
  epsilonPx: number;
  /** Stop a coarser level when the update is below this, px of that level (default 0.1): those
   * levels only hand the next one its start, which that level refines anyway. */
  coarseEpsilonPx: number;
  /** Minimum eigenvalue of the window's mean gradient tensor, (grey levels / px)², below which a
   * point is {@link TRACK_FLAT} (default 0.05). */
  minEigThreshold: number;
  /** Forward–backward tolerance, px: track back and compare with the start; ≤ 0 turns the check
   * off (default 1). */
  fbThresholdPx: number;
  /** Coarsest pyramid level of the backward pass of the forward–backward check (default 1;
   * capped by maxLevel). That pass starts at the point's own start, the answer it should give, so
   * it needs no coarse levels to reach it: a wrong forward result still sends it elsewhere. */
  fbMaxLevel: number;
  /** Mean absolute grey difference over the window above which a track is dropped (default ∞). */
  maxErrorGrey: number;
  /** After the translation converges at full resolution, refine an affine window deformation too
   * (6 parameters; more accurate under rotation, zoom and shear, about 1.5× slower; default false). */
  affine: boolean;
}

const DEFAULTS: LKOptions = {
  winSize: 21,
  maxLevel: 3,
  maxIterations: 30,
  epsilonPx: 0.01,
  coarseEpsilonPx: 0.1,
  minEigThreshold: 0.05,
  fbThresholdPx: 1,
  fbMaxLevel: 1,
  maxErrorGrey: Number.POSITIVE_INFINITY,
  affine: false,
};

// Module scratch: the template window and its gradients, and one point's result.
let winI = new Float32Array(0);
let winX = new Float32Array(0);
let winY = new Float32Array(0);
let resX = 0;
let resY = 0;
let resStatus = 0;
let resErr = 0;

/**
 * Samples `src` (w × h) bilinearly into `dst` over the (2r+1)² window centred on index coordinates
 * (cx, cy); the fractional weights are the same for the whole window, so they are computed once.
 * Returns true when the whole window is inside the image. Otherwise samples outside are clamped
 * and, when `mask` is given, marked 0 there (1 inside) so the caller can leave them out — border
 * replication would otherwise pull tracks near the edge.
 */
function sampleWindow(
  dst: Float32Array,
  mask: Uint8Array | null,
  src: Float32Array,
  w: number,
  h: number,
  cx: number,
  cy: number,
  r: number,
): boolean {
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const fx = cx - x0;
  const fy = cy - y0;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  const side = 2 * r + 1;
  let k = 0;
  if (x0 - r >= 0 && y0 - r >= 0 && x0 + r + 1 < w && y0 + r + 1 < h) {
    for (let dy = -r; dy <= r; dy++) {
      let b = (y0 + dy) * w + x0 - r;
      for (let dx = 0; dx < side; dx++, b++, k++)
        dst[k] = w00 * src[b]! + w01 * src[b + 1]! + w10 * src[b + w]! + w11 * src[b + w + 1]!;
    }
    return true;
  }
  for (let dy = -r; dy <= r; dy++) {
    const yi = y0 + dy;
    const ya = clamp(yi, h) * w;
    const yb = clamp(yi + 1, h) * w;
    const yIn = yi >= 0 && (yi + 1 < h || (yi === h - 1 && fy === 0));
    for (let dx = -r; dx <= r; dx++, k++) {
      const xi = x0 + dx;
      const xa = clamp(xi, w);
      const xb = clamp(xi + 1, w);
      dst[k] = w00 * src[ya + xa]! + w01 * src[ya + xb]! + w10 * src[yb + xa]! + w11 * src[yb + xb]!;
      if (mask) mask[k] = yIn && xi >= 0 && (xi + 1 < w || (xi === w - 1 && fx === 0)) ? 1 : 0;
    }
  }
  return false;
}

// Results of the fused kernels below.
let tmplG11 = 0;
let tmplG12 = 0;
let tmplG22 = 0;
let misB1 = 0;
let misB2 = 0;

/**
 * The template of one level in one pass when its window lies inside the image: grey values and
 * both gradients sampled bilinearly (shared weights and indices) into winI, winX, winY, and the
 * gradient tensor sums into tmplG11, tmplG12, tmplG22 (from the stored Float32 values, so the sums
 * are those of separate passes). Returns false, touching nothing, when the window is not inside.
 */
function sampleTemplate(
  src: Float32Array,
  gxs: Float32Array,
  gys: Float32Array,
  w: number,
  h: number,
  cx: number,
  cy: number,
  r: number,
): boolean {
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  if (!(x0 - r >= 0 && y0 - r >= 0 && x0 + r + 1 < w && y0 + r + 1 < h)) return false;
  const fx = cx - x0;
  const fy = cy - y0;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  const side = 2 * r + 1;
  const I = winI;
  const X = winX;
  const Y = winY;
  let g11 = 0;
  let g12 = 0;
  let g22 = 0;
  let k = 0;
  for (let dy = -r; dy <= r; dy++) {
    let b = (y0 + dy) * w + x0 - r;
    for (let dx = 0; dx < side; dx++, b++, k++) {
      I[k] = w00 * src[b]! + w01 * src[b + 1]! + w10 * src[b + w]! + w11 * src[b + w + 1]!;
      const ix = Math.fround(w00 * gxs[b]! + w01 * gxs[b + 1]! + w10 * gxs[b + w]! + w11 * gxs[b + w + 1]!);
      const iy = Math.fround(w00 * gys[b]! + w01 * gys[b + 1]! + w10 * gys[b + w]! + w11 * gys[b + w + 1]!);
      X[k] = ix;
      Y[k] = iy;
      g11 += ix * ix;
      g12 += ix * iy;
      g22 += iy * iy;
    }
  }
  tmplG11 = g11;
  tmplG12 = g12;
  tmplG22 = g22;
  return true;
}

/**
 * One Gauss–Newton right-hand side when the window at (cx, cy) lies inside the image: samples the
 * next level bilinearly and accumulates Σ (I − J)·∇I into misB1, misB2 without storing J (each
 * sample rounded to Float32 as if stored). Returns false, touching nothing, when it is not inside.
 */
function mismatchInside(src: Float32Array, w: number, h: number, cx: number, cy: number, r: number): boolean {
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  if (!(x0 - r >= 0 && y0 - r >= 0 && x0 + r + 1 < w && y0 + r + 1 < h)) return false;
  const fx = cx - x0;
  const fy = cy - y0;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  const side = 2 * r + 1;
  const I = winI;
  const X = winX;
  const Y = winY;
  let b1 = 0;
  let b2 = 0;
  let k = 0;
  for (let dy = -r; dy <= r; dy++) {
    let b = (y0 + dy) * w + x0 - r;
    for (let dx = 0; dx < side; dx++, b++, k++) {
      const d = I[k]! - Math.fround(w00 * src[b]! + w01 * src[b + 1]! + w10 * src[b + w]! + w11 * src[b + w + 1]!);
      b1 += d * X[k]!;
      b2 += d * Y[k]!;
    }
  }
  misB1 = b1;
  misB2 = b2;
  return true;
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

let winJ = new Float32Array(0);
let maskI = new Uint8Array(0);
let maskJ = new Uint8Array(0);

/**
 * Tracks one point (index coordinates, level 0) from pyramid `a` to pyramid `b`, starting from the
 * guess (gx, gy). Writes resX, resY (index coordinates), resStatus, resErr.
 */
function trackOne(
  a: ImagePyramid,
  b: ImagePyramid,
  px: number,
  py: number,
  gx: number,
  gy: number,
  top: number,
  o: LKOptions,
) {
  const r = o.winSize >> 1;
  const area = (2 * r + 1) * (2 * r + 1);
  const eps2 = o.epsilonPx * o.epsilonPx;
  const coarseEps2 = Math.max(o.epsilonPx, o.coarseEpsilonPx) ** 2;
  let nx = gx / (1 << top);
  let ny = gy / (1 << top);
  resStatus = TRACK_OK;
  let tmplInside = true;
  for (let l = top; l >= 0; l--) {
    const la = a.levels[l]!;
    const lb = b.levels[l]!;
    const w = la.width;
    const h = la.height;
    const s = 1 / (1 << l);
    const ux = px * s;
    const uy = py * s;
    const inside = sampleTemplate(la.data, a.gradX[l]!, a.gradY[l]!, w, h, ux, uy, r);
    tmplInside = inside;
    let g11 = tmplG11;
    let g12 = tmplG12;
    let g22 = tmplG22;
    if (!inside) {
      sampleWindow(winI, maskI, la.data, w, h, ux, uy, r);
      sampleWindow(winX, null, a.gradX[l]!, w, h, ux, uy, r);
      sampleWindow(winY, null, a.gradY[l]!, w, h, ux, uy, r);
      // Template pixels outside the image get zero gradient: they drop out of G and b alike.
      g11 = g12 = g22 = 0;
      for (let k = 0; k < area; k++) {
        if (maskI[k] === 0) {
          winX[k] = 0;
          winY[k] = 0;
        }
        const ix = winX[k]!;
        const iy = winY[k]!;
        g11 += ix * ix;
        g12 += ix * iy;
        g22 += iy * iy;
      }
    }
    const det = g11 * g22 - g12 * g12;
    const hd = (g11 - g22) * 0.5;
    const minEig = ((g11 + g22) * 0.5 - Math.sqrt(hd * hd + g12 * g12)) / area;
    if (minEig < o.minEigThreshold || det < 1e-12) {
      if (l === 0) {
        resStatus = TRACK_FLAT;
        break;
      }
      nx *= 2;
      ny *= 2;
      continue;
    }
    const inv = 1 / det;
    let pdx = 0;
    let pdy = 0;
    for (let it = 0; it < o.maxIterations; it++) {
      // Far outside the level (window entirely off the image): no information left.
      if (nx < -r || ny < -r || nx > w - 1 + r || ny > h - 1 + r) break;
      let b1: number;
      let b2: number;
      if (mismatchInside(lb.data, w, h, nx, ny, r)) {
        b1 = misB1;
        b2 = misB2;
      } else {
        sampleWindow(winJ, maskJ, lb.data, w, h, nx, ny, r);
        b1 = 0;
        b2 = 0;
        for (let k = 0; k < area; k++) {
          if (maskJ[k] === 0) continue;
          const d = winI[k]! - winJ[k]!;
          b1 += d * winX[k]!;
          b2 += d * winY[k]!;
        }
      }
      const dx = (g22 * b1 - g12 * b2) * inv;
      const dy = (g11 * b2 - g12 * b1) * inv;
      // Oscillation between two positions: settle halfway (as OpenCV does).
      if (it > 0 && Math.abs(dx + pdx) < 0.01 && Math.abs(dy + pdy) < 0.01) {
        nx -= dx * 0.5;
        ny -= dy * 0.5;
        break;
      }
      nx += dx;
      ny += dy;
      pdx = dx;
      pdy = dy;
      if (dx * dx + dy * dy < (l > 0 ? coarseEps2 : eps2)) break;
    }
    if (l > 0) {
      nx *= 2;
      ny *= 2;
    }
  }
  const l0 = b.levels[0]!;
  let affine = false;
  if (resStatus === TRACK_OK && o.affine && refineAffine(l0.data, l0.width, l0.height, nx, ny, r, o)) {
    nx = affX;
    ny = affY;
    affine = true;
  }
  resX = nx;
  resY = ny;
  if (resStatus !== TRACK_OK) {
    resErr = Number.NaN;
    return;
  }
  if (!(nx >= -0.5 && ny >= -0.5 && nx <= l0.width - 0.5 && ny <= l0.height - 0.5)) {
    resStatus = TRACK_OUTSIDE;
    resErr = Number.NaN;
    return;
  }
  // winI holds the level-0 template (last level visited); compare with the final window.
  // Mean |ΔI| over the pixels inside both images.
  let full = true;
  if (affine) sampleWarped(winJ, l0.data, l0.width, l0.height, nx, ny, affA, r);
  else full = sampleWindow(winJ, maskJ, l0.data, l0.width, l0.height, nx, ny, r);
  let e = 0;
  let used = 0;
  for (let k = 0; k < area; k++) {
    if (!full && maskJ[k] === 0) continue;
    if (!tmplInside && maskI[k] === 0) continue;
    e += Math.abs(winJ[k]! - winI[k]!);
    used++;
  }
  resErr = used > 0 ? e / used : Number.NaN;
}

/** Bilinear samples of `src` at (cx, cy) + A·(u, v) for the window offsets (u, v); borders replicate. */
function sampleWarped(
  dst: Float32Array,
  src: Float32Array,
  w: number,
  h: number,
  cx: number,
  cy: number,
  A: Float64Array,
  r: number,
) {
  const a11 = A[0]!;
  const a12 = A[1]!;
  const a21 = A[2]!;
  const a22 = A[3]!;
  let k = 0;
  for (let v = -r; v <= r; v++) {
    for (let u = -r; u <= r; u++, k++) {
      const x = cx + a11 * u + a12 * v;
      const y = cy + a21 * u + a22 * v;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const xa = clamp(x0, w);
      const xb = clamp(x0 + 1, w);
      const ya = clamp(y0, h) * w;
      const yb = clamp(y0 + 1, h) * w;
      dst[k] =
        (1 - fy) * ((1 - fx) * src[ya + xa]! + fx * src[ya + xb]!) +
        fy * ((1 - fx) * src[yb + xa]! + fx * src[yb + xb]!);
    }
  }
}

// Affine refinement scratch: the deformation, the 6 × 6 normal equations and the result.
const affA = new Float64Array(4);
const affH = new Float64Array(36);
const affM = new Float64Array(42);
const affB = new Float64Array(6);
let affX = 0;
let affY = 0;

/** Solves the 6 × 6 system affM (augmented, row-major 6 × 7) in place; false if singular. */
function solve6(): boolean {
  const M = affM;
  for (let c = 0; c < 6; c++) {
    let p = c;
    for (let r = c + 1; r < 6; r++) if (Math.abs(M[r * 7 + c]!) > Math.abs(M[p * 7 + c]!)) p = r;
    if (Math.abs(M[p * 7 + c]!) < 1e-12) return false;
    if (p !== c)
      for (let k = 0; k < 7; k++) {
        const t = M[c * 7 + k]!;
        M[c * 7 + k] = M[p * 7 + k]!;
        M[p * 7 + k] = t;
      }
    const inv = 1 / M[c * 7 + c]!;
    for (let r = 0; r < 6; r++) {
      if (r === c) continue;
      const f = M[r * 7 + c]! * inv;
      if (f === 0) continue;
      for (let k = c; k < 7; k++) M[r * 7 + k]! -= f * M[c * 7 + k]!;
    }
  }
  for (let r = 0; r < 6; r++) affB[r] = M[r * 7 + 6]! / M[r * 7 + r]!;
  return true;
}

/**
 * Refines position and affine deformation of the level-0 window (template in winI / winX / winY)
 * by Gauss–Newton with the template's gradients (Hager–Belhumeur style: the Hessian is fixed).
 * Writes affX, affY, affA; returns false (keep the translation result) if it diverges.
 */
function refineAffine(
  src: Float32Array,
  w: number,
  h: number,
  nx: number,
  ny: number,
  r: number,
  o: LKOptions,
): boolean {
  const side = 2 * r + 1;
  const area = side * side;
  affH.fill(0);
  const g = affB; // reused as the per-pixel gradient row while building H
  let k = 0;
  for (let v = -r; v <= r; v++)
    for (let u = -r; u <= r; u++, k++) {
      const ix = winX[k]!;
      const iy = winY[k]!;
      g[0] = ix;
      g[1] = iy;
      g[2] = u * ix;
      g[3] = v * ix;
      g[4] = u * iy;
      g[5] = v * iy;
      for (let i = 0; i < 6; i++) for (let j = i; j < 6; j++) affH[i * 6 + j]! += g[i]! * g[j]!;
    }
  for (let i = 0; i < 6; i++) for (let j = 0; j < i; j++) affH[i * 6 + j] = affH[j * 6 + i]!;
  affA[0] = 1;
  affA[1] = 0;
  affA[2] = 0;
  affA[3] = 1;
  let x = nx;
  let y = ny;
  const eps2 = o.epsilonPx * o.epsilonPx;
  for (let it = 0; it < o.maxIterations; it++) {
    sampleWarped(winJ, src, w, h, x, y, affA, r);
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    let b4 = 0;
    let b5 = 0;
    k = 0;
    for (let v = -r; v <= r; v++)
      for (let u = -r; u <= r; u++, k++) {
        const e = winI[k]! - winJ[k]!;
        const ex = e * winX[k]!;
        const ey = e * winY[k]!;
        b0 += ex;
        b1 += ey;
        b2 += u * ex;
        b3 += v * ex;
        b4 += u * ey;
        b5 += v * ey;
      }
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) affM[i * 7 + j] = affH[i * 6 + j]!;
    affM[6] = b0;
    affM[13] = b1;
    affM[20] = b2;
    affM[27] = b3;
    affM[34] = b4;
    affM[41] = b5;
    if (!solve6()) return false;
    x += affB[0]!;
    y += affB[1]!;
    affA[0]! += affB[2]!;
    affA[1]! += affB[3]!;
    affA[2]! += affB[4]!;
    affA[3]! += affB[5]!;
    if (Math.abs(affA[0]! - 1) + Math.abs(affA[1]!) + Math.abs(affA[2]!) + Math.abs(affA[3]! - 1) > 1) return false;
    // Converged when neither the centre nor the window's corners move by more than epsilon.
    const dc = (Math.abs(affB[2]!) + Math.abs(affB[3]!) + Math.abs(affB[4]!) + Math.abs(affB[5]!)) * r;
    if (affB[0]! * affB[0]! + affB[1]! * affB[1]! < eps2 && dc < o.epsilonPx) break;
  }
  if (!(Math.abs(x - nx) < r && Math.abs(y - ny) < r) || area === 0) return false;
  affX = x;
  affY = y;
  return true;
}

/**
 * Pyramidal Lucas–Kanade optical flow (Bouguet's iterative scheme): for each of `count` points in
 * `prevXY` (packed xy, pixel centres at +0.5) finds its position in the next frame, coarse to fine
 * over `maxLevel + 1` levels, with bilinear sampling and sub-pixel Gauss–Newton updates of a
 * translation. Writes `outXY` (packed xy), `outStatus` ({@link TRACK_OK} or why not) and
 * `outError` (mean absolute grey difference over the window at the result; NaN when lost). With
 * `fbThresholdPx` > 0 each good result is tracked back (from its start as the guess, through at
 * most `fbMaxLevel` levels) and dropped as {@link TRACK_FB_MISMATCH} when it misses its start by
 * more than that. `guessXY` (optional) is where to start looking in the next frame (default: the
 * same position). Both pyramids need the same size and gradients (see buildPyramid). Returns the
 * number of TRACK_OK points. Allocates only scratch windows on the first call with a window size;
 * O(count · levels · iterations · winSize²), about 1.3× that with the check.
 */
export function trackLK(
  outXY: Float32Array,
  outStatus: Uint8Array,
  outError: Float32Array,
  prevPyr: ImagePyramid,
  nextPyr: ImagePyramid,
  prevXY: Float32Array,
  count: number,
  options: Partial<LKOptions> = {},
  guessXY: Float32Array | null = null,
): number {
  const o: LKOptions = { ...DEFAULTS, ...options };
  if (o.winSize < 3 || o.winSize % 2 !== 1) throw new RangeError(`winSize must be odd and ≥ 3, got ${o.winSize}`);
  const p0 = prevPyr.levels[0];
  const n0 = nextPyr.levels[0];
  if (!p0 || !n0 || p0.width !== n0.width || p0.height !== n0.height)
    throw new RangeError('trackLK: both pyramids must be built and of the same size');
  if (outXY.length < 2 * count || outStatus.length < count || outError.length < count || prevXY.length < 2 * count)
    throw new RangeError('trackLK: arrays are shorter than count');
  const area = o.winSize * o.winSize;
  if (winI.length < area) {
    winI = new Float32Array(area);
    winX = new Float32Array(area);
    winY = new Float32Array(area);
    winJ = new Float32Array(area);
    maskI = new Uint8Array(area);
    maskJ = new Uint8Array(area);
  }
  const top = Math.max(0, Math.min(o.maxLevel, prevPyr.levels.length - 1, nextPyr.levels.length - 1));
  const fbTop = Math.max(0, Math.min(top, o.fbMaxLevel));
  const fb = o.fbThresholdPx > 0;
  const fb2 = o.fbThresholdPx * o.fbThresholdPx;
  let ok = 0;
  for (let i = 0; i < count; i++) {
    const px = prevXY[2 * i]! - 0.5;
    const py = prevXY[2 * i + 1]! - 0.5;
    const gx = guessXY ? guessXY[2 * i]! - 0.5 : px;
    const gy = guessXY ? guessXY[2 * i + 1]! - 0.5 : py;
    trackOne(prevPyr, nextPyr, px, py, gx, gy, top, o);
    let status = resStatus;
    const nx = resX;
    const ny = resY;
    const err = resErr;
    if (status === TRACK_OK && err > o.maxErrorGrey) status = TRACK_HIGH_ERROR;
    if (status === TRACK_OK && fb) {
      trackOne(nextPyr, prevPyr, nx, ny, px, py, fbTop, o);
      const ex = resX - px;
      const ey = resY - py;
      if (resStatus !== TRACK_OK || !(ex * ex + ey * ey <= fb2)) status = TRACK_FB_MISMATCH;
    }
    outXY[2 * i] = nx + 0.5;
    outXY[2 * i + 1] = ny + 0.5;
    outStatus[i] = status;
    outError[i] = err;
    if (status === TRACK_OK) ok++;
  }
  return ok;
}
