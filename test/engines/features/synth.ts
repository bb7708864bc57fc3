// Synthetic images for the feature tests: a seeded field of Gaussian blobs that can be evaluated
// at any continuous point, so a translated or warped copy is exact (no resampling error).
import { mulberry32 } from '../../../engines/core/random.js';
import type { GrayImage } from '../../../engines/features/index.js';

/** mulberry32 (engines/core/random.ts): a small seeded PRNG in [0, 1). */
export const rng = mulberry32;

export interface BlobField {
  cx: Float64Array;
  cy: Float64Array;
  inv2s2: Float64Array;
  amp: Float64Array;
  radius: Float64Array;
  /** Hard-edged discs (a 1 px linear rim) drawn over the blobs: sharp edges for blur tests. */
  discX: Float64Array;
  discY: Float64Array;
  discR: Float64Array;
  discAmp: Float64Array;
}

/** `count` blobs over [x0, x1] × [y0, y1] (world units = px), σ 2–16 px log-uniform (texture at
 * every pyramid level, like natural images), amplitude ±30–60. */
export function blobField(
  seed: number,
  count: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  discs = 0,
): BlobField {
  const r = rng(seed);
  const f: BlobField = {
    cx: new Float64Array(count),
    cy: new Float64Array(count),
    inv2s2: new Float64Array(count),
    amp: new Float64Array(count),
    radius: new Float64Array(count),
    discX: new Float64Array(discs),
    discY: new Float64Array(discs),
    discR: new Float64Array(discs),
    discAmp: new Float64Array(discs),
  };
  for (let i = 0; i < discs; i++) {
    f.discX[i] = x0 + (x1 - x0) * r();
    f.discY[i] = y0 + (y1 - y0) * r();
    f.discR[i] = 3 + 9 * r();
    f.discAmp[i] = (r() < 0.5 ? -1 : 1) * (25 + 25 * r());
  }
  for (let i = 0; i < count; i++) {
    const s = 2 * Math.pow(8, r());
    f.cx[i] = x0 + (x1 - x0) * r();
    f.cy[i] = y0 + (y1 - y0) * r();
    f.inv2s2[i] = 1 / (2 * s * s);
    f.amp[i] = (r() < 0.5 ? -1 : 1) * (30 + 30 * r());
    f.radius[i] = 3.5 * s;
  }
  return f;
}

/**
 * Renders the field into a w × h grey image: pixel (i, j) shows the field at world point
 * inv(i + 0.5, j + 0.5) (default identity), i.e. the image of a world point p lies at map(p).
 * `inv` must be affine (ax, bx, cx; ay, by, cy): world = [[ax, bx],[ay, by]] · pixel + (cx, cy).
 */
export function render(
  field: BlobField,
  w: number,
  h: number,
  inv: readonly [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0],
): GrayImage {
  const data = new Float32Array(w * h).fill(128);
  const [ax, bx, cx, ay, by, cy] = inv;
  // Forward map (world → pixel) to find each blob's pixel bounding box.
  const det = ax * by - bx * ay;
  const fa = by / det;
  const fb = -bx / det;
  const fc = -ay / det;
  const fd = ax / det;
  const scale = Math.max(Math.abs(fa) + Math.abs(fb), Math.abs(fc) + Math.abs(fd));
  for (let k = 0; k < field.cx.length; k++) {
    const X = field.cx[k]! - cx;
    const Y = field.cy[k]! - cy;
    const px = fa * X + fb * Y;
    const py = fc * X + fd * Y;
    const rad = field.radius[k]! * scale + 1;
    const i0 = Math.max(0, Math.floor(px - rad));
    const i1 = Math.min(w - 1, Math.ceil(px + rad));
    const j0 = Math.max(0, Math.floor(py - rad));
    const j1 = Math.min(h - 1, Math.ceil(py + rad));
    const bxk = field.cx[k]!;
    const byk = field.cy[k]!;
    const g = field.inv2s2[k]!;
    const a = field.amp[k]!;
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const u = ax * (i + 0.5) + bx * (j + 0.5) + cx - bxk;
        const v = ay * (i + 0.5) + by * (j + 0.5) + cy - byk;
        data[j * w + i]! += a * Math.exp(-(u * u + v * v) * g);
      }
    }
  }
  for (let k = 0; k < field.discX.length; k++) {
    const X = field.discX[k]! - cx;
    const Y = field.discY[k]! - cy;
    const px = fa * X + fb * Y;
    const py = fc * X + fd * Y;
    const R = field.discR[k]!;
    const rad = (R + 1) * scale + 1;
    for (let j = Math.max(0, Math.floor(py - rad)); j <= Math.min(h - 1, Math.ceil(py + rad)); j++)
      for (let i = Math.max(0, Math.floor(px - rad)); i <= Math.min(w - 1, Math.ceil(px + rad)); i++) {
        const u = ax * (i + 0.5) + bx * (j + 0.5) + cx - field.discX[k]!;
        const v = ay * (i + 0.5) + by * (j + 0.5) + cy - field.discY[k]!;
        const cover = Math.min(1, Math.max(0, R + 0.5 - Math.hypot(u, v)));
        data[j * w + i]! += field.discAmp[k]! * cover;
      }
  }
  return { data, width: w, height: h, channels: 1 };
}

/** Box blur (2r+1)², replicated borders, into a new image. */
export function boxBlur(img: GrayImage, r: number): GrayImage {
  const { width: w, height: h } = img;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) {
          const xx = Math.min(w - 1, Math.max(0, x + dx));
          const yy = Math.min(h - 1, Math.max(0, y + dy));
          s += img.data[yy * w + xx]!;
        }
      out[y * w + x] = s / ((2 * r + 1) * (2 * r + 1));
    }
  return { data: out, width: w, height: h, channels: 1 };
}
