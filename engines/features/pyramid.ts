import type { GrayImage } from './gray.js';

/**
 * A Gaussian image pyramid with Scharr gradients per level, the input of pyramidal Lucas–Kanade.
 * Level 0 is a copy of the source; level L+1 is level L blurred with the 5-tap binomial kernel
 * [1 4 6 4 1]/16 and decimated by 2 (OpenCV's pyrDown: size ⌈w/2⌉ × ⌈h/2⌉, reflect-101 borders).
 * `gradX` / `gradY` hold ∂I/∂x and ∂I/∂y per level in grey levels per pixel of that level.
 * Buffers are kept between {@link buildPyramid} calls of the same size, so a tracker can reuse two
 * pyramids for a whole video without allocating.
 */
export interface ImagePyramid {
  levels: GrayImage[];
  gradX: Float32Array[];
  gradY: Float32Array[];
}

/** An empty pyramid; {@link buildPyramid} sizes it on first use. */
export function createPyramid(): ImagePyramid {
  return { levels: [], gradX: [], gradY: [] };
}

let scratchRow = new Float32Array(0);

function ensureLevel(pyr: ImagePyramid, l: number, w: number, h: number): GrayImage {
  let img = pyr.levels[l];
  if (!img || img.width !== w || img.height !== h) {
    img = { data: new Float32Array(w * h), width: w, height: h, channels: 1 };
    pyr.levels[l] = img;
    pyr.gradX[l] = new Float32Array(w * h);
    pyr.gradY[l] = new Float32Array(w * h);
  }
  return img;
}

/** Reflect-101 index into [0, n): −1 → 1, n → n − 2 (n = 1 maps everything to 0). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/**
 * Builds `maxLevel + 1` levels from `src` into `pyr` (stops early when a level would be smaller than
 * 8 px on a side) and their gradients. Returns the number of levels built. Allocates only when
 * the pyramid is new or the size changed; O(w·h · 4/3).
 */
export function buildPyramid(pyr: ImagePyramid, src: GrayImage, maxLevel: number): number {
  const { width, height } = src;
  const base = ensureLevel(pyr, 0, width, height);
  base.data.set(src.data.subarray(0, width * height));
  let nLevels = 1;
  for (let l = 1; l <= maxLevel; l++) {
    const prev = pyr.levels[l - 1]!;
    const w = (prev.width + 1) >> 1;
    const h = (prev.height + 1) >> 1;
    if (w < 8 || h < 8) break;
    pyrDown(ensureLevel(pyr, l, w, h), prev);
    nLevels++;
  }
  pyr.levels.length = nLevels;
  pyr.gradX.length = nLevels;
  pyr.gradY.length = nLevels;
  for (let l = 0; l < nLevels; l++) scharr(pyr.gradX[l]!, pyr.gradY[l]!, pyr.levels[l]!);
  return nLevels;
}

/**
 * Blurs `src` with [1 4 6 4 1]/16 in both directions and keeps every second pixel into `dst`
 * (⌈w/2⌉ × ⌈h/2⌉). Output pixel (i, j) is the blur centred on source pixel (2i, 2j), so a
 * coordinate x (pixel centres at +0.5) maps to (x − 0.5) / 2 + 0.5 on the next level. Allocates a
 * row buffer once per size; O(w·h).
 */
export function pyrDown(dst: GrayImage, src: GrayImage): void {
  const sw = src.width;
  const sh = src.height;
  const dw = dst.width;
  const dh = dst.height;
  if (dw !== (sw + 1) >> 1 || dh !== (sh + 1) >> 1) throw new RangeError('pyrDown: dst must be ⌈w/2⌉ × ⌈h/2⌉');
  // Vertical pass per output row into a full-width row, then horizontal pass with decimation.
  if (scratchRow.length < sw) scratchRow = new Float32Array(sw);
  const row = scratchRow;
  const s = src.data;
  const d = dst.data;
  for (let j = 0; j < dh; j++) {
    const y = 2 * j;
    const r0 = reflect(y - 2, sh) * sw;
    const r1 = reflect(y - 1, sh) * sw;
    const r2 = y * sw;
    const r3 = reflect(y + 1, sh) * sw;
    const r4 = reflect(y + 2, sh) * sw;
    for (let x = 0; x < sw; x++) row[x] = s[r0 + x]! + s[r4 + x]! + 4 * (s[r1 + x]! + s[r3 + x]!) + 6 * s[r2 + x]!;
    const o = j * dw;
    for (let i = 0; i < dw; i++) {
      const x = 2 * i;
      let v: number;
      if (x >= 2 && x + 2 < sw) v = row[x - 2]! + row[x + 2]! + 4 * (row[x - 1]! + row[x + 1]!) + 6 * row[x]!;
      else
        v =
          row[reflect(x - 2, sw)]! +
          row[reflect(x + 2, sw)]! +
          4 * (row[reflect(x - 1, sw)]! + row[reflect(x + 1, sw)]!) +
          6 * row[x]!;
      d[o + i] = v * (1 / 256);
    }
  }
}

/**
 * Scharr derivatives of `img` (kernel [−1 0 1] ⊗ [3 10 3], divided by 32 so they are grey levels
 * per pixel), replicated borders. No allocation; O(w·h).
 */
export function scharr(outX: Float32Array, outY: Float32Array, img: GrayImage): void {
  const { width: w, height: h, data: s } = img;
  for (let y = 0; y < h; y++) {
    const ym = (y > 0 ? y - 1 : 0) * w;
    const y0 = y * w;
    const yp = (y < h - 1 ? y + 1 : y) * w;
    for (let x = 0; x < w; x++) {
      const xm = x > 0 ? x - 1 : 0;
      const xp = x < w - 1 ? x + 1 : x;
      outX[y0 + x] =
        (3 * (s[ym + xp]! - s[ym + xm]! + s[yp + xp]! - s[yp + xm]!) + 10 * (s[y0 + xp]! - s[y0 + xm]!)) * (1 / 32);
      outY[y0 + x] =
        (3 * (s[yp + xm]! - s[ym + xm]! + s[yp + xp]! - s[ym + xp]!) + 10 * (s[yp + x]! - s[ym + x]!)) * (1 / 32);
    }
  }
}
