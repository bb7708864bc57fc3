/**
 * Fitting a depth map to a reference plane: z_plane ≈ scale · d_map (+ shift), robustly, over a
 * grid of samples inside the reference rectangle. Internal to the measure engine.
 */
import { applyHomography } from './homography.js';

/** Depth-map samples inside a reference rectangle: pixel centres (u, v) and raw map values d. */
export interface ReferenceSamples {
  count: number;
  u: Float64Array;
  v: Float64Array;
  d: Float64Array;
  /** 1 = used by the fit (set by the robust pass). */
  inlier: Uint8Array;
}

/** The rectangle's border share left out of the fit: corners are clicked, edges may be lifted. */
const INSET = 0.1;
const MAX_GRID = 24;
const MIN_GRID = 3;

/**
 * Samples the map on a grid (about one sample per 2 px, 3…24 per side) over the inner 80% of the
 * rectangle `imageFromPlane` maps from plane metres [0, widthM] × [0, heightM]; one sample per
 * distinct pixel, invalid pixels skipped. `sidePx` = [width, height] of the rectangle in pixels
 * (mean of opposite sides). Allocates the sample arrays (≤ 576 samples); O(samples).
 */
export function gatherReferenceSamples(
  imageFromPlane: ArrayLike<number>,
  widthM: number,
  heightM: number,
  sidePx: readonly [number, number],
  depth: Float32Array,
  valid: Uint8Array | null,
  width: number,
  height: number,
): ReferenceSamples {
  const grid = (px: number) => Math.max(MIN_GRID, Math.min(MAX_GRID, Math.round(((1 - 2 * INSET) * px) / 2)));
  const nu = grid(sidePx[0]);
  const nv = grid(sidePx[1]);
  const cap = nu * nv;
  const s: ReferenceSamples = {
    count: 0,
    u: new Float64Array(cap),
    v: new Float64Array(cap),
    d: new Float64Array(cap),
    inlier: new Uint8Array(cap),
  };
  const seen = new Set<number>();
  const p = [0, 0];
  for (let b = 0; b < nv; b++)
    for (let a = 0; a < nu; a++) {
      const X = widthM * (INSET + ((1 - 2 * INSET) * (a + 0.5)) / nu);
      const Y = heightM * (INSET + ((1 - 2 * INSET) * (b + 0.5)) / nv);
      applyHomography(p, imageFromPlane, X, Y);
      const i = Math.floor(p[0]!);
      const j = Math.floor(p[1]!);
      if (!(i >= 0 && i < width && j >= 0 && j < height)) continue;
      const k = j * width + i;
      if (seen.has(k)) continue;
      seen.add(k);
      const z = depth[k]!;
      if (!(z > 0 && z < Infinity) || (valid !== null && valid[k] === 0)) continue;
      s.u[s.count] = i + 0.5;
      s.v[s.count] = j + 0.5;
      s.d[s.count] = z;
      s.inlier[s.count] = 1;
      s.count++;
    }
  return s;
}

/** target ≈ scale·d + shift, with the covariance of (scale, shift) and the per-sample residual sigma. */
export interface AffineFit {
  scale: number;
  shift: number;
  withShift: boolean;
  covSS: number;
  covSB: number;
  covBB: number;
  /** Per-sample residual 1-sigma (target units) over the inliers. */
  residualSigma: number;
  inliers: number;
}

/**
 * Least squares over the samples marked inlier (no allocation). `robust`: first re-marks inliers
 * over up to 5 rounds, keeping |residual| ≤ max(3 · 1.4826 · MAD, 1e-6 · target). Returns NaN
 * scale when fewer than 3 (+1 with shift) inliers remain or the system is singular.
 */
export function fitDepthAffine(
  s: ReferenceSamples,
  targets: Float64Array,
  withShift: boolean,
  robust: boolean,
  out: AffineFit,
): AffineFit {
  solve(s, targets, withShift, out);
  if (robust) {
    const abs = new Float64Array(s.count);
    for (let round = 0; round < 5 && Number.isFinite(out.scale); round++) {
      for (let k = 0; k < s.count; k++) abs[k] = Math.abs(targets[k]! - out.scale * s.d[k]! - out.shift);
      const sortedAbs = abs.slice().sort();
      const mad = sortedAbs[sortedAbs.length >> 1]!;
      const limit = 3 * 1.4826 * mad;
      let changed = false;
      for (let k = 0; k < s.count; k++) {
        const keep = abs[k]! <= Math.max(limit, 1e-6 * targets[k]!) ? 1 : 0;
        if (keep !== s.inlier[k]) changed = true;
        s.inlier[k] = keep;
      }
      if (!changed) break;
      solve(s, targets, withShift, out);
    }
  }
  return out;
}

function solve(s: ReferenceSamples, t: Float64Array, withShift: boolean, out: AffineFit): void {
  let n = 0,
    sd = 0,
    st = 0,
    sdd = 0,
    sdt = 0;
  for (let k = 0; k < s.count; k++) {
    if (!s.inlier[k]) continue;
    const d = s.d[k]!;
    const z = t[k]!;
    n++;
    sd += d;
    st += z;
    sdd += d * d;
    sdt += d * z;
  }
  out.withShift = withShift;
  out.inliers = n;
  const params = withShift ? 2 : 1;
  const fail = () => {
    out.scale = out.shift = out.residualSigma = NaN;
    out.covSS = out.covSB = out.covBB = NaN;
  };
  if (n < params + 2) return fail();
  let i00: number, i01: number, i11: number;
  if (withShift) {
    const det = n * sdd - sd * sd;
    if (!(det > 1e-12 * n * sdd)) return fail();
    out.scale = (n * sdt - sd * st) / det;
    out.shift = (st - out.scale * sd) / n;
    // (AᵀA)⁻¹ for rows [d, 1].
    i00 = n / det;
    i01 = -sd / det;
    i11 = sdd / det;
  } else {
    out.scale = sdt / sdd;
    out.shift = 0;
    i00 = 1 / sdd;
    i01 = 0;
    i11 = 0;
  }
  let rss = 0;
  for (let k = 0; k < s.count; k++) {
    if (!s.inlier[k]) continue;
    const r = t[k]! - out.scale * s.d[k]! - out.shift;
    rss += r * r;
  }
  const var1 = rss / (n - params);
  out.residualSigma = Math.sqrt(var1);
  out.covSS = var1 * i00;
  out.covSB = var1 * i01;
  out.covBB = var1 * i11;
}
