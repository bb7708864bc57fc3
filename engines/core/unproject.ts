import type { Intrinsics } from './camera.js';

/**
 * Which pixels become points: valid-mask non-zero (when a mask is given) and a finite depth > 0.
 * Both functions below use this one rule, so their outputs line up point for point.
 */
function isUsable(depthM: Float32Array, valid: Uint8Array | null | undefined, i: number): boolean {
  const z = depthM[i]!;
  return (valid === null || valid === undefined || valid[i] !== 0) && z > 0 && z < Infinity;
}

function checkSizes(depthLength: number, width: number, height: number, stride: number, valid?: Uint8Array | null) {
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`stride must be a positive integer, got ${stride}`);
  if (depthLength < width * height)
    throw new RangeError(`depth has ${depthLength} values, ${width}×${height} needs more`);
  if (valid && valid.length < width * height) throw new RangeError('valid mask is smaller than the image');
}

/**
 * Back-projects a depth map into camera-frame points: for pixel (i, j) with depth z (metres, along
 * the optical axis, i.e. z-depth, not ray length) at pixel centre (i + 0.5, j + 0.5),
 * X = (i + 0.5 − cx) / fx · z, Y = (j + 0.5 − cy) / fy · z, Z = z (OpenCV axes: x right, y down,
 * z forward; see camera.ts for the pixel convention). Visits every `stride`-th column and row,
 * writes only usable pixels (mask non-zero, finite depth > 0) as packed xyz into `out`, in
 * row-major order, and returns how many it wrote. `K` is for a `width` × `height` image (scale it
 * with `scaleIntrinsics` if the depth map was resized). Throws RangeError if `out` fills up
 * (size it 3 × ceil(w/stride) × ceil(h/stride) to be safe). No allocation; O(w·h / stride²).
 */
export function unprojectDepth(
  out: Float32Array,
  depthM: Float32Array,
  K: Readonly<Intrinsics>,
  width: number,
  height: number,
  valid: Uint8Array | null = null,
  stride = 1,
): number {
  checkSizes(depthM.length, width, height, stride, valid);
  const invFx = 1 / K.fx;
  const invFy = 1 / K.fy;
  const capacity = Math.floor(out.length / 3);
  let n = 0;
  for (let y = 0; y < height; y += stride) {
    const ny = (y + 0.5 - K.cy) * invFy;
    const row = y * width;
    for (let x = 0; x < width; x += stride) {
      const i = row + x;
      if (!isUsable(depthM, valid, i)) continue;
      if (n === capacity) throw new RangeError(`unprojectDepth: out holds only ${capacity} points`);
      const z = depthM[i]!;
      const o = n * 3;
      out[o] = (x + 0.5 - K.cx) * invFx * z;
      out[o + 1] = ny * z;
      out[o + 2] = z;
      n++;
    }
  }
  return n;
}

/**
 * Gathers the RGB (packed, 3 bytes per pixel, same `width` × `height` as the depth map — resize
 * the photo first) of exactly the pixels {@link unprojectDepth} turns into points, in the same
 * order, into `out`; returns the count. No allocation; O(w·h / stride²).
 */
export function gatherPointColors(
  out: Uint8Array,
  rgb: Uint8Array,
  depthM: Float32Array,
  width: number,
  height: number,
  valid: Uint8Array | null = null,
  stride = 1,
): number {
  checkSizes(depthM.length, width, height, stride, valid);
  if (rgb.length < width * height * 3) throw new RangeError('rgb is smaller than the depth map (resize it first)');
  const capacity = Math.floor(out.length / 3);
  let n = 0;
  for (let y = 0; y < height; y += stride) {
    const row = y * width;
    for (let x = 0; x < width; x += stride) {
      const i = row + x;
      if (!isUsable(depthM, valid, i)) continue;
      if (n === capacity) throw new RangeError(`gatherPointColors: out holds only ${capacity} points`);
      const s = i * 3;
      const o = n * 3;
      out[o] = rgb[s]!;
      out[o + 1] = rgb[s + 1]!;
      out[o + 2] = rgb[s + 2]!;
      n++;
    }
  }
  return n;
}

/** How many points {@link unprojectDepth} would write, to size its output exactly. No allocation. */
export function countUsableDepth(
  depthM: Float32Array,
  width: number,
  height: number,
  valid: Uint8Array | null = null,
  stride = 1,
): number {
  checkSizes(depthM.length, width, height, stride, valid);
  let n = 0;
  for (let y = 0; y < height; y += stride) {
    const row = y * width;
    for (let x = 0; x < width; x += stride) if (isUsable(depthM, valid, row + x)) n++;
  }
  return n;
}
