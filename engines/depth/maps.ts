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

/**
 * Min, median, max and valid fraction over valid, finite pixels. The median is exact: the lower
 * median, one of the values (see {@link quantileIn}). Three passes, no allocation. All NaN when
 * nothing is valid.
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

// Radix selection over the floats' bit patterns: two passes of a 2^16-bin histogram, the first on
// the high 16 bits of an order-preserving key, the second on the low 16 bits inside the chosen bin.
const RADIX_BINS = 1 << 16;
const radixHist = new Uint32Array(RADIX_BINS);

/**
 * The value of rank ⌊q·(count − 1)⌋ among the `count` valid values in [lo, hi] (exact: one of the
 * values, e.g. the lower median for q = 0.5). Values outside [lo, hi] and NaN are skipped, so pass
 * the min and max of the valid values and their count. Two passes with integer work only (a
 * float's bits, made order-preserving, are radix-selected 16 bits at a time); no allocation.
 */
export function quantileIn(
  depth: Float32Array,
  valid: Uint8Array | null,
  count: number,
  lo: number,
  hi: number,
  q: number,
): number {
  if (!(hi > lo)) return lo;
  const bits = new Uint32Array(depth.buffer, depth.byteOffset, depth.length);
  const loKey = orderKey(lo);
  const hiKey = orderKey(hi);
  // Pass 1: high halves of the keys.
  radixHist.fill(0);
  for (let i = 0; i < bits.length; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const b = bits[i]!;
    const key = (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
    if (key < loKey || key > hiKey) continue; // NaN keys sort above +∞ and are dropped here too
    radixHist[key >>> 16]!++;
  }
  return finishQuantile(bits, valid, count, q, loKey, hiKey);
}

/**
 * Radix selection with its first pass fused into the caller's own loop over a map of positive
 * values (what a depth adapter writes anyway): `const hist = beginPositiveQuantile()`, then for
 * every valid value written `hist[positiveKeyHigh(bitsOfIt)]++`, then `endPositiveQuantile`.
 * Saves a full pass over the map. Values must be positive and finite.
 */
export function beginPositiveQuantile(): Uint32Array {
  radixHist.fill(0);
  return radixHist;
}

/** The high 16 bits of a positive float32's order key, from its bits. */
export function positiveKeyHigh(bits: number): number {
  return (bits | 0x80000000) >>> 16;
}

/** Finishes {@link beginPositiveQuantile}: the value of rank ⌊q·(count − 1)⌋ among the `count` valid values. */
export function endPositiveQuantile(depth: Float32Array, valid: Uint8Array | null, count: number, q: number): number {
  const bits = new Uint32Array(depth.buffer, depth.byteOffset, depth.length);
  return finishQuantile(bits, valid, count, q, 0x80000001, 0xff7fffff);
}

function finishQuantile(
  bits: Uint32Array,
  valid: Uint8Array | null,
  count: number,
  q: number,
  loKey: number,
  hiKey: number,
): number {
  let rank = Math.min(count - 1, Math.max(0, Math.floor(q * (count - 1))));
  let high = 0;
  for (; high < RADIX_BINS - 1; high++) {
    const c = radixHist[high]!;
    if (rank < c) break;
    rank -= c;
  }
  // Pass 2: low halves of the keys in that bin.
  radixHist.fill(0);
  for (let i = 0; i < bits.length; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const b = bits[i]!;
    const key = (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
    if (key >>> 16 !== high || key < loKey || key > hiKey) continue;
    radixHist[key & 0xffff]!++;
  }
  let low = 0;
  for (; low < RADIX_BINS - 1; low++) {
    const c = radixHist[low]!;
    if (rank < c) break;
    rank -= c;
  }
  return keyValue(((high << 16) | low) >>> 0);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A float32's bits mapped so that unsigned order is numeric order (negatives flipped). */
function orderKey(v: number): number {
  f32[0] = v;
  const b = u32[0]!;
  return (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
}

function keyValue(key: number): number {
  u32[0] = key & 0x80000000 ? key & 0x7fffffff : ~key >>> 0;
  return f32[0]!;
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
