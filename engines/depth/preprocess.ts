/** How an image is resized for a model (mirrors the manifest's `preprocess.resize`). */
export type ResizeRule =
  | { mode: 'fit-multiple'; target: number; multiple: number }
  | { mode: 'fixed'; width: number; height: number }
  | { mode: 'tokens'; num_tokens: number; multiple: number; max_side: number };

export interface Normalisation {
  /** Multiplied into 0..255 values first. */
  scale: number;
  mean: readonly [number, number, number] | null;
  std: readonly [number, number, number] | null;
}

/** Python's round(): halves go to the even neighbour (DPTImageProcessor rounds this way). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function toMultiple(x: number, multiple: number): number {
  const y = roundHalfEven(x / multiple) * multiple;
  return y < multiple ? multiple : y;
}

/**
 * The model input size for an image of `width` × `height` (pixels, after EXIF orientation).
 * `fit-multiple` is DPTImageProcessor's rule (keep_aspect_ratio, ensure_multiple_of): the side
 * whose scale to `target` changes it least decides one common scale, then each side is rounded
 * to a multiple. `tokens` keeps aspect under `max_side`, rounded to the multiple. No allocation.
 */
export function modelInputSize(rule: ResizeRule, width: number, height: number): { width: number; height: number } {
  switch (rule.mode) {
    case 'fixed':
      return { width: rule.width, height: rule.height };
    case 'fit-multiple': {
      let sw = rule.target / width;
      let sh = rule.target / height;
      if (Math.abs(1 - sw) < Math.abs(1 - sh)) sh = sw;
      else sw = sh;
      return { width: toMultiple(sw * width, rule.multiple), height: toMultiple(sh * height, rule.multiple) };
    }
    case 'tokens': {
      const s = Math.min(1, rule.max_side / Math.max(width, height));
      return { width: toMultiple(s * width, rule.multiple), height: toMultiple(s * height, rule.multiple) };
    }
  }
}

// Per-channel lookup tables for the last normalisation seen: 256 entries each, rebuilt only when the
// normalisation changes (one per model), so the loop below does one load per value.
const lut0 = new Float32Array(256);
const lut1 = new Float32Array(256);
const lut2 = new Float32Array(256);
let lutFor: Normalisation | null = null;

/**
 * Interleaved RGB bytes (HWC) → planar float32 (CHW), `(v·scale − mean) / std` per channel,
 * through 256-entry tables. Writes `out` (length 3·w·h); no allocation; three sequential passes.
 */
export function rgbToPlanar(out: Float32Array, rgb: Uint8Array, width: number, height: number, norm: Normalisation) {
  const n = width * height;
  if (out.length < 3 * n || rgb.length < 3 * n) throw new RangeError('buffer too small for the image');
  if (lutFor !== norm) {
    const tables = [lut0, lut1, lut2];
    for (let c = 0; c < 3; c++) {
      const mean = norm.mean?.[c] ?? 0;
      const std = norm.std?.[c] ?? 1;
      for (let v = 0; v < 256; v++) tables[c]![v] = (v * norm.scale - mean) / std;
    }
    lutFor = norm;
  }
  // One plane at a time: sequential writes beat three interleaved output streams (~25 % here).
  const o0 = out.subarray(0, n);
  const o1 = out.subarray(n, 2 * n);
  const o2 = out.subarray(2 * n, 3 * n);
  for (let i = 0, j = 0; i < n; i++, j += 3) o0[i] = lut0[rgb[j]!]!;
  for (let i = 0, j = 1; i < n; i++, j += 3) o1[i] = lut1[rgb[j]!]!;
  for (let i = 0, j = 2; i < n; i++, j += 3) o2[i] = lut2[rgb[j]!]!;
  return out;
}
