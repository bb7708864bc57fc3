/**
 * A single-channel float image, row-major, `data.length >= width * height`. Values are grey levels
 * on the 8-bit scale (0–255) but kept as floats so that pyramids and blurs do not quantise.
 * Pixel (i, j) covers [i, i+1) × [j, j+1) and its centre is (i + 0.5, j + 0.5), as in
 * engines/core/camera.ts; every coordinate this engine takes or gives follows that convention.
 */
export interface GrayImage {
  data: Float32Array;
  width: number;
  height: number;
  channels: 1;
}

/** Allocates a zeroed `width` × `height` grey image. */
export function createGray(width: number, height: number): GrayImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
  return { data: new Float32Array(width * height), width, height, channels: 1 };
}

/**
 * Converts interleaved 8-bit pixels (`channels` = 1, 3 RGB or 4 RGBA; alpha ignored) to grey with
 * the Rec. 601 luma weights (0.299 R + 0.587 G + 0.114 B, what OpenCV's cvtColor uses), writing
 * `width · height` floats into `out` (0–255). Returns `out`. No allocation; O(w·h).
 */
export function rgbToGray(
  out: Float32Array,
  src: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): Float32Array {
  const n = width * height;
  if (out.length < n) throw new RangeError(`out has ${out.length} values, ${width}×${height} needs ${n}`);
  if (src.length < n * channels) throw new RangeError(`src has ${src.length} bytes, needs ${n * channels}`);
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[i] = src[i]!;
    return out;
  }
  for (let i = 0, k = 0; i < n; i++, k += channels)
    out[i] = 0.299 * src[k]! + 0.587 * src[k + 1]! + 0.114 * src[k + 2]!;
  return out;
}
