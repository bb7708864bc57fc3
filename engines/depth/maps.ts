/**
 * Depth-map kernels: validity-aware resampling, robust statistics, affine alignment and the
 * standard error metrics. Maps are row-major Float32Array with a Uint8Array validity mask (1 = valid).
 */

/**
 * Resamples `src` (sw × sh) into `out` (dw × dh) with pixel-centre alignment (align_corners off).
 * Bilinear where all four neighbours are valid, else the nearest neighbour (value and validity),
 * so depth edges and holes are not smeared into invented depths. No allocation.
 */
export function resampleDepth(
  out: Float32Array,
  outValid: Uint8Array,
  src: Float32Array,
  srcValid: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): void {
  const fx = sw / dw;
  const fy = sh / dh;
  for (let y = 0; y < dh; y++) {
    let syf = (y + 0.5) * fy - 0.5;
    if (syf < 0) syf = 0;
    if (syf > sh - 1) syf = sh - 1;
    const y0 = Math.floor(syf);
    const y1 = y0 + 1 < sh ? y0 + 1 : y0;
    const wy = syf - y0;
    const r0 = y0 * sw;
    const r1 = y1 * sw;
    const ny = wy < 0.5 ? r0 : r1;
    for (let x = 0, o = y * dw; x < dw; x++, o++) {
      let sxf = (x + 0.5) * fx - 0.5;
      if (sxf < 0) sxf = 0;
      if (sxf > sw - 1) sxf = sw - 1;
      const x0 = Math.floor(sxf);
      const x1 = x0 + 1 < sw ? x0 + 1 : x0;
      const wx = sxf - x0;
      if (srcValid[r0 + x0] && srcValid[r0 + x1] && srcValid[r1 + x0] && srcValid[r1 + x1]) {
        const top = src[r0 + x0]! + (src[r0 + x1]! - src[r0 + x0]!) * wx;
        const bottom = src[r1 + x0]! + (src[r1 + x1]! - src[r1 + x0]!) * wx;
        out[o] = top + (bottom - top) * wy;
        outValid[o] = 1;
      } else {
        const i = ny + (wx < 0.5 ? x0 : x1);
        out[o] = src[i]!;
        outValid[o] = srcValid[i]!;
      }
    }
  }
}

export interface DepthStats {
  min: number;
  median: number;
  max: number;
  validFraction: number;
  validCount: number;
}

const HIST_BINS = 16384;
const hist = new Uint32Array(HIST_BINS);

/**
 * Min, median, max and valid fraction over valid, finite pixels. The median is exact to within
 * (max − min) / 16384² (a histogram pass, then a second one inside the median's bin). Three
 * passes with one multiply per pixel each, no allocation. All NaN when nothing is valid.
 */
export function depthStats(depth: Float32Array, valid: Uint8Array | null): DepthStats {
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  for (let i = 0; i < depth.length; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const d = depth[i]!;
    if (!(d > -Infinity && d < Infinity)) continue;
    if (d < min) min = d;
    if (d > max) max = d;
    count++;
  }
  if (count === 0) return { min: NaN, median: NaN, max: NaN, validFraction: 0, validCount: 0 };
  const median = max === min ? min : quantileIn(depth, valid, count, min, max, 0.5);
  return { min, median, max, validFraction: count / depth.length, validCount: count };
}

/** The q-quantile of the `count` valid, finite values known to lie in [lo, hi], by two histogram refinements. */
export function quantileIn(
  depth: Float32Array,
  valid: Uint8Array | null,
  count: number,
  lo: number,
  hi: number,
  q: number,
): number {
  let rank = Math.min(count - 1, Math.max(0, Math.floor(q * (count - 1))));
  for (let pass = 0; pass < 2; pass++) {
    const width = (hi - lo) / HIST_BINS;
    if (!(width > 0)) return lo;
    const inv = 1 / width;
    hist.fill(0);
    const last = HIST_BINS - 1;
    for (let i = 0; i < depth.length; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const d = depth[i]!;
      if (!(d >= lo && d <= hi)) continue; // also drops NaN
      const b = ((d - lo) * inv) | 0;
      hist[b > last ? last : b]!++;
    }
    let acc = 0;
    let bin = 0;
    for (; bin < HIST_BINS; bin++) {
      if (acc + hist[bin]! > rank) break;
      acc += hist[bin]!;
    }
    rank -= acc;
    lo = lo + bin * width;
    hi = lo + width;
  }
  return (lo + hi) / 2;
}

/**
 * Least-squares `scale`, `shift` so that scale·pred + shift ≈ target over pixels valid in both
 * masks (`targetValid` null = all target > 0). Double-precision sums; no allocation.
 */
export function fitScaleShift(
  pred: Float32Array,
  target: Float32Array,
  predValid: Uint8Array | null,
  targetValid: Uint8Array | null,
): { scale: number; shift: number; count: number } {
  let n = 0;
  let sp = 0;
  let st = 0;
  let spp = 0;
  let spt = 0;
  for (let i = 0; i < pred.length; i++) {
    if (predValid && !predValid[i]) continue;
    const t = target[i]!;
    if (targetValid ? !targetValid[i] : !(t > 0)) continue;
    const p = pred[i]!;
    n++;
    sp += p;
    st += t;
    spp += p * p;
    spt += p * t;
  }
  const det = n * spp - sp * sp;
  if (n < 2 || det === 0) return { scale: NaN, shift: NaN, count: n };
  const scale = (n * spt - sp * st) / det;
  return { scale, shift: (st - scale * sp) / n, count: n };
}

/**
 * AbsRel (mean |p − t| / t) and δ1 (share with max(p/t, t/p) < 1.25) over pixels where t > 0
 * and the mask (if any) is set, after `p = scale·pred + shift`.
 */
export function depthErrors(
  pred: Float32Array,
  target: Float32Array,
  mask: Uint8Array | null,
  scale = 1,
  shift = 0,
): { absRel: number; delta1: number; count: number } {
  let n = 0;
  let rel = 0;
  let good = 0;
  for (let i = 0; i < pred.length; i++) {
    if (mask && !mask[i]) continue;
    const t = target[i]!;
    if (!(t > 0)) continue;
    let p = scale * pred[i]! + shift;
    if (p < 1e-6) p = 1e-6;
    n++;
    rel += Math.abs(p - t) / t;
    if (Math.max(p / t, t / p) < 1.25) good++;
  }
  return { absRel: n ? rel / n : NaN, delta1: n ? good / n : NaN, count: n };
}
