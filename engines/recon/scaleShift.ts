/**
 * Metric scale for relative depth: fit the affine map from a network's relative prediction to the
 * metric depths of sparse SfM points seen in the frame, robustly (RANSAC on two-sample fits with
 * an LO refit, then a final weighted least-squares polish on the inliers).
 *
 * Two output meanings (engines/depth's OutputKind):
 * - 'depth' (affine-invariant depth): z ≈ s·d + b;
 * - 'inverse_depth' (affine-invariant inverse depth / disparity, MiDaS, Depth Anything):
 *   1/z ≈ s·d + b.
 * Either way the residual is relative: |s·d + b − y| / y with y = z or 1/z, i.e. the relative error
 * in depth (to first order, for inverse depth), so near and far points count alike.
 */
import { ransac, type Estimator } from '../core/ransac.js';

export type ScaleShiftMode = 'depth' | 'inverse_depth';

export interface ScaleShiftOptions {
  /** What the prediction is; default 'depth'. */
  mode?: ScaleShiftMode;
  /** Inlier threshold on the relative residual; default 0.05. */
  thresholdRel?: number;
  /** Fewest usable samples to try a fit (integer ≥ 2); default 8. */
  minSamples?: number;
  /** Fewest inliers to accept a fit; default max(minSamples, ⌈0.2 · usable samples⌉). */
  minInliers?: number;
  /** RANSAC samples at most; default 500. */
  maxIterations?: number;
  /** RANSAC seed; default 1. */
  seed?: number;
}

export interface ScaleShift {
  mode: ScaleShiftMode;
  /** s (> 0) and b of z ≈ s·d + b ('depth') or 1/z ≈ s·d + b ('inverse_depth'). */
  scale: number;
  shift: number;
}

export type ScaleShiftFailure = 'too_few_samples' | 'degenerate' | 'too_few_inliers';

/** A fit, or why there is none (an expected outcome, not an error). */
export type ScaleShiftResult =
  | (ScaleShift & {
      ok: true;
      /** Samples with a usable prediction and depth. */
      sampleCount: number;
      inlierCount: number;
      /** 1 per inlying sample, 0 otherwise (unusable samples are 0); one per input sample. */
      inliers: Uint8Array;
      /** RMS relative residual over the inliers. */
      rmsResidualRel: number;
      /** Median relative residual over all usable samples. */
      medianResidualRel: number;
    })
  | { ok: false; reason: ScaleShiftFailure; message: string; sampleCount: number };

/** Weighted least squares y ≈ s·d + b with weights 1/y² over `idx`; null when singular. */
function weightedFit(d: Float64Array, y: Float64Array, idx: ArrayLike<number>, count: number): [number, number] | null {
  let sw = 0, sd = 0, sy = 0, sdd = 0, sdy = 0; // prettier-ignore
  for (let k = 0; k < count; k++) {
    const i = idx[k]!;
    const w = 1 / (y[i]! * y[i]!);
    sw += w;
    sd += w * d[i]!;
    sy += w * y[i]!;
    sdd += w * d[i]! * d[i]!;
    sdy += w * d[i]! * y[i]!;
  }
  const det = sw * sdd - sd * sd;
  if (!(Math.abs(det) > 1e-12 * sw * sdd)) return null;
  const s = (sw * sdy - sd * sy) / det;
  return [s, (sy - s * sd) / sw];
}

/**
 * Fits the scale and shift that map `pred` (relative depth or inverse depth, row-major `width` ×
 * `height`; non-finite values are unusable) to metric depth at sparse samples given packed as
 * (u, v, zM): pixel coordinates (engines/core/camera.ts convention; the prediction of the pixel
 * containing (u, v) is used) and the point's metric z-depth in this camera (> 0). Returns
 * `{ ok: false, reason }` with fewer than `minSamples` usable samples, predictions without spread
 * ('degenerate'), or fewer than `minInliers` inliers; the scale is always > 0 (a two-sample fit
 * with s ≤ 0 is discarded). Deterministic for a given seed. Allocates O(samples);
 * O(samples · iterations).
 */
export function fitScaleShift(
  pred: Float32Array,
  width: number,
  height: number,
  samplesUvz: ArrayLike<number>,
  options: ScaleShiftOptions = {},
): ScaleShiftResult {
  const mode = options.mode ?? 'depth';
  const threshold = options.thresholdRel ?? 0.05;
  const minSamples = options.minSamples ?? 8;
  if (mode !== 'depth' && mode !== 'inverse_depth') throw new RangeError(`fitScaleShift: unknown mode ${String(mode)}`);
  if (!(threshold > 0 && threshold < 1))
    throw new RangeError(`fitScaleShift: thresholdRel must be in (0, 1), got ${threshold}`);
  if (!(Number.isInteger(minSamples) && minSamples >= 2))
    throw new RangeError(`fitScaleShift: minSamples must be an integer ≥ 2, got ${minSamples}`);
  if (pred.length < width * height) throw new RangeError('fitScaleShift: pred is smaller than width × height');
  const total = Math.floor(samplesUvz.length / 3);

  // Usable samples: inside the image, finite prediction, positive finite depth.
  const d = new Float64Array(total);
  const y = new Float64Array(total);
  const from = new Int32Array(total);
  let n = 0;
  let dMin = Infinity;
  let dMax = -Infinity;
  for (let s = 0; s < total; s++) {
    const u = samplesUvz[3 * s]!;
    const v = samplesUvz[3 * s + 1]!;
    const z = samplesUvz[3 * s + 2]!;
    if (!(u >= 0 && u < width && v >= 0 && v < height && z > 0 && z < Infinity)) continue;
    const p = pred[Math.floor(v) * width + Math.floor(u)]!;
    if (!Number.isFinite(p)) continue;
    d[n] = p;
    y[n] = mode === 'depth' ? z : 1 / z;
    from[n] = s;
    if (p < dMin) dMin = p;
    if (p > dMax) dMax = p;
    n++;
  }
  if (n < minSamples)
    return {
      ok: false,
      reason: 'too_few_samples',
      message: `${n} usable samples, at least ${minSamples} needed`,
      sampleCount: n,
    };
  if (!(dMax - dMin > 1e-9 * Math.max(Math.abs(dMin), Math.abs(dMax), 1e-30)))
    return { ok: false, reason: 'degenerate', message: 'the prediction is constant over the samples', sampleCount: n };

  const minInliers = options.minInliers ?? Math.max(minSamples, Math.ceil(0.2 * n));
  const spread = dMax - dMin;
  const estimator: Estimator<[number, number]> = {
    minSamples: 2,
    fit(idx, out) {
      const i = idx[0]!;
      const j = idx[1]!;
      const dd = d[i]! - d[j]!;
      if (!(Math.abs(dd) > 1e-6 * spread)) return 0;
      const s = (y[i]! - y[j]!) / dd;
      if (!(s > 0)) return 0;
      const m: [number, number] = out[0] ?? [0, 0];
      m[0] = s;
      m[1] = y[i]! - s * d[i]!;
      out[0] = m;
      return 1;
    },
    residual(m, i) {
      return Math.abs(m[0] * d[i]! + m[1] - y[i]!) / y[i]!;
    },
    refit(idx) {
      const f = weightedFit(d, y, idx, idx.length);
      return f !== null && f[0] > 0 ? f : null;
    },
  };
  const result = ransac(estimator, n, {
    threshold,
    maxIterations: options.maxIterations ?? 500,
    minIterations: Math.min(20, options.maxIterations ?? 500),
    seed: options.seed ?? 1,
  });
  if (result.model === null || result.inlierCount < minInliers)
    return {
      ok: false,
      reason: result.model === null ? 'degenerate' : 'too_few_inliers',
      message: `${result.inlierCount} inliers of ${n} samples, at least ${minInliers} needed`,
      sampleCount: n,
    };

  // Polish: refit on the inliers and re-select them until the set stops changing (a few rounds).
  let [scale, shift] = result.model;
  const mask = Uint8Array.from(result.inliers);
  const idx = new Int32Array(n);
  for (let round = 0; round < 5; round++) {
    let m = 0;
    for (let i = 0; i < n; i++) if (mask[i]) idx[m++] = i;
    const f = m >= 2 ? weightedFit(d, y, idx, m) : null;
    if (f === null || !(f[0] > 0)) break;
    [scale, shift] = f;
    let changed = false;
    for (let i = 0; i < n; i++) {
      const inl = Math.abs(scale * d[i]! + shift - y[i]!) / y[i]! <= threshold ? 1 : 0;
      if (inl !== mask[i]) changed = true;
      mask[i] = inl;
    }
    if (!changed) break;
  }

  const residuals = new Float64Array(n);
  const inliers = new Uint8Array(total);
  let inlierCount = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const r = Math.abs(scale * d[i]! + shift - y[i]!) / y[i]!;
    residuals[i] = r;
    if (r <= threshold) {
      inliers[from[i]!] = 1;
      inlierCount++;
      sq += r * r;
    }
  }
  if (inlierCount < minInliers)
    return {
      ok: false,
      reason: 'too_few_inliers',
      message: `${inlierCount} inliers of ${n} samples, at least ${minInliers} needed`,
      sampleCount: n,
    };
  residuals.sort();
  return {
    ok: true,
    mode,
    scale,
    shift,
    sampleCount: n,
    inlierCount,
    inliers,
    rmsResidualRel: Math.sqrt(sq / inlierCount),
    medianResidualRel: n % 2 ? residuals[n >> 1]! : 0.5 * (residuals[n / 2 - 1]! + residuals[n / 2]!),
  };
}

/**
 * Metric depth from a relative prediction and a fit: z = s·d + b ('depth') or z = 1 / (s·d + b)
 * ('inverse_depth'), written to `out` (may be `pred`); 0 where the prediction is not finite or
 * the result is not a positive finite depth. Optional `maxDepthM` also zeroes depths beyond it
 * (inverse depth near 0 maps to huge depths). Returns the number of valid depths. No allocation; O(n).
 */
export function applyScaleShift(out: Float32Array, pred: Float32Array, fit: ScaleShift, maxDepthM = Infinity): number {
  if (out.length < pred.length) throw new RangeError('applyScaleShift: out is smaller than pred');
  const { scale, shift } = fit;
  const inverse = fit.mode === 'inverse_depth';
  let valid = 0;
  for (let i = 0; i < pred.length; i++) {
    const a = scale * pred[i]! + shift;
    const z = inverse ? 1 / a : a;
    if (z > 0 && z <= maxDepthM && z < Infinity) {
      out[i] = z;
      valid++;
    } else out[i] = 0;
  }
  return valid;
}
