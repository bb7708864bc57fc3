/**
 * Depth artifacts as PNG files, encoded by sharp/libvips off the event loop.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import sharp from 'sharp';
import { depthToMillimetres } from '../../engines/image/index.js';

// Millimetre conversion runs in slices this size with an event-loop turn between,
// so a 12 MP map never blocks the loop for long.
const SLICE_PIXELS = 1 << 18; // ≈ 1 ms each

function checkSize(length: number, channels: number, width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`${what}: bad size ${width}×${height}`);
  }
  if (length < width * height * channels)
    throw new RangeError(`${what}: ${length} values for ${width}×${height}×${channels}`);
}

/**
 * Depth (metres, row-major `width` × `height`) → a 16-bit greyscale PNG of whole millimetres:
 * 0 = invalid or unknown (mask zero, NaN, ≤ 0, ∞); 1..65535 = depth in mm, rounded; anything
 * beyond 65.535 m is clamped to 65535. Read it back as `value / 1000` metres (OpenCV
 * `IMREAD_ANYDEPTH`, PIL mode I;16, numpy via imageio). Allocates one Uint16Array.
 */
export async function encodeDepthPng16(
  depthM: Float32Array,
  valid: Uint8Array | null,
  width: number,
  height: number,
): Promise<Buffer> {
  checkSize(depthM.length, 1, width, height, 'encodeDepthPng16');
  const n = width * height;
  const mm = new Uint16Array(n);
  for (let start = 0; start < n; start += SLICE_PIXELS) {
    depthToMillimetres(mm, depthM, valid, start, Math.min(n, start + SLICE_PIXELS));
    if (start + SLICE_PIXELS < n) await nextTurn();
  }
  return sharp(mm, { raw: { width, height, channels: 1 }, limitInputPixels: false })
    .toColourspace('grey16')
    .png({ compressionLevel: 3, adaptiveFiltering: true }) // 2–3× faster than level 6 for ~1.5× the bytes
    .toBuffer();
}

/** Packed 8-bit RGB (e.g. a colour-mapped depth preview) → an RGB PNG. */
export async function encodePreviewPng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  checkSize(rgb.length, 3, width, height, 'encodePreviewPng');
  return sharp(rgb.subarray(0, width * height * 3), { raw: { width, height, channels: 3 }, limitInputPixels: false })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** A validity mask (non-zero = valid) → an 8-bit greyscale PNG, 255 valid and 0 invalid. */
export async function encodeMaskPng(valid: Uint8Array, width: number, height: number): Promise<Buffer> {
  checkSize(valid.length, 1, width, height, 'encodeMaskPng');
  return sharp(valid.subarray(0, width * height), { raw: { width, height, channels: 1 }, limitInputPixels: false })
    .threshold(1)
    .toColourspace('b-w')
    .png({ compressionLevel: 6 })
    .toBuffer();
}
