/**
 * Oriented binary descriptors (ORB-like): Shi–Tomasi corners refined to sub-pixel, an
 * intensity-centroid orientation per corner, and a steered BRIEF test pattern (256 intensity
 * comparisons on a Gaussian-smoothed patch, rotated by the orientation) packed into 8 × 32-bit
 * words per keypoint. Compared by Hamming distance (popcount), see {@link hammingDistance} and
 * matching.ts. Pixel coordinates follow gray.ts (pixel centres at +0.5).
 */
import { mulberry32, randomNormal } from '../core/random.js';
import { detectCorners, minEigenResponse, type CornerOptions } from './corners.js';
import type { GrayImage } from './gray.js';

/** 32-bit words per descriptor (256 bits). */
export const DESCRIPTOR_WORDS = 8;
/** Radius of the described patch, px: every (rotated) test point lies within it. */
export const PATCH_RADIUS = 15;
const BITS = 32 * DESCRIPTOR_WORDS;

/**
 * A BRIEF test pattern: `BITS` pairs (x1, y1, x2, y2) of offsets from the keypoint, px, drawn
 * isotropic Gaussian (σ = patch size / 5, BRIEF's "G II") from a seeded generator and kept inside
 * the disc of radius {@link PATCH_RADIUS} − 1, so a rotated pattern stays inside the patch.
 * Allocates one Float32Array(1024); O(bits).
 */
export function briefPattern(seed = 0x5eed): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(4 * BITS);
  const sigma = (2 * PATCH_RADIUS + 1) / 5;
  const rMax = PATCH_RADIUS - 1;
  for (let i = 0; i < 2 * BITS;) {
    const x = sigma * randomNormal(rng);
    const y = sigma * randomNormal(rng);
    if (x * x + y * y > rMax * rMax) continue;
    // Both ends of a pair at the same point would be a constant bit: redraw the second.
    if (i % 2 === 1 && Math.hypot(x - out[2 * i - 2]!, y - out[2 * i - 1]!) < 1) continue;
    out[2 * i] = x;
    out[2 * i + 1] = y;
    i++;
  }
  return out;
}

const DEFAULT_PATTERN = briefPattern();

/** Options of {@link describeKeypoints}; every field has a default. */
export interface DescriptorOptions {
  /** σ of the Gaussian that smooths the image before the intensity tests, px (default 2, as ORB). */
  blurSigma: number;
  /** The test pattern, from {@link briefPattern} (default: seed 0x5eed). */
  pattern: Float32Array;
  /** Steer the pattern by the intensity-centroid orientation (default true); false = upright BRIEF. */
  oriented: boolean;
}

// Module scratch (one describer runs at a time per JS thread).
let smooth = new Float32Array(0);
let rowTmp = new Float32Array(0);
let kernel = new Float32Array(0);

/**
 * Separable Gaussian blur of `src` into `out` (`width · height` floats), kernel radius ⌈3σ⌉,
 * replicated borders. Uses module scratch; O(w·h·σ).
 */
export function gaussianBlur(out: Float32Array, src: GrayImage, sigma: number): void {
  const { width: w, height: h, data } = src;
  const n = w * h;
  if (out.length < n) throw new RangeError(`out has ${out.length} values, needs ${n}`);
  const r = Math.max(1, Math.ceil(3 * sigma));
  if (kernel.length < 2 * r + 1) kernel = new Float32Array(2 * r + 1);
  let ks = 0;
  for (let k = -r; k <= r; k++) ks += kernel[k + r] = Math.exp((-k * k) / (2 * sigma * sigma));
  for (let k = 0; k <= 2 * r; k++) kernel[k] = kernel[k]! / ks;
  if (rowTmp.length < n) rowTmp = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      if (x >= r && x < w - r) for (let k = -r; k <= r; k++) s += kernel[k + r]! * data[o + x + k]!;
      else
        for (let k = -r; k <= r; k++) {
          const xx = x + k < 0 ? 0 : x + k >= w ? w - 1 : x + k;
          s += kernel[k + r]! * data[o + xx]!;
        }
      rowTmp[o + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) {
        const yy = y + k < 0 ? 0 : y + k >= h ? h - 1 : y + k;
        s += kernel[k + r]! * rowTmp[yy * w + x]!;
      }
      out[y * w + x] = s;
    }
  }
}

/** Bilinear sample of `img` (w × h) at array coordinates (x, y), clamped to the image. */
function bilinear(img: Float32Array, w: number, h: number, x: number, y: number): number {
  if (x < 0) x = 0;
  else if (x > w - 1) x = w - 1;
  if (y < 0) y = 0;
  else if (y > h - 1) y = h - 1;
  const x0 = Math.min(Math.floor(x), w - 2 < 0 ? 0 : w - 2);
  const y0 = Math.min(Math.floor(y), h - 2 < 0 ? 0 : h - 2);
  const fx = x - x0;
  const fy = y - y0;
  const i = y0 * w + x0;
  const x1 = w > 1 ? 1 : 0;
  const y1 = h > 1 ? w : 0;
  const a = img[i]! + fx * (img[i + x1]! - img[i]!);
  const b = img[i + y1]! + fx * (img[i + y1 + x1]! - img[i + y1]!);
  return a + fy * (b - a);
}

/**
 * Intensity-centroid orientation (Rosin; ORB) of the disc of radius {@link PATCH_RADIUS} around
 * (x, y) px in `img` (w × h floats): atan2(m01, m10), radians, image axes (x right, y down).
 * Pixels outside the image are skipped. No allocation; O(radius²).
 */
export function intensityCentroidAngle(img: Float32Array, w: number, h: number, x: number, y: number): number {
  const cx = Math.round(x - 0.5);
  const cy = Math.round(y - 0.5);
  const r = PATCH_RADIUS;
  let m10 = 0;
  let m01 = 0;
  for (let dy = -r; dy <= r; dy++) {
    const yy = cy + dy;
    if (yy < 0 || yy >= h) continue;
    const half = Math.floor(Math.sqrt(r * r - dy * dy));
    const o = yy * w;
    for (let dx = -half; dx <= half; dx++) {
      const xx = cx + dx;
      if (xx < 0 || xx >= w) continue;
      const v = img[o + xx]!;
      m10 += dx * v;
      m01 += dy * v;
    }
  }
  return Math.atan2(m01, m10);
}

/**
 * Describes `count` keypoints at packed `xy` (px) of `gray`: smooths the image (Gaussian, σ =
 * blurSigma), measures each keypoint's orientation on it ({@link intensityCentroidAngle}, written
 * to `outAngle`, radians) and sets bit k of the descriptor when the smoothed intensity at the
 * rotated first point of test k is below that at its second point (bilinear samples, clamped at
 * the border). Writes `DESCRIPTOR_WORDS` words per keypoint into `outDesc`. Uses module scratch
 * (no allocation after the first call at a size); O(w·h·σ + count · (radius² + 512)).
 */
export function describeKeypoints(
  outDesc: Uint32Array,
  outAngle: Float32Array,
  gray: GrayImage,
  xy: Float32Array,
  count: number,
  options: Partial<DescriptorOptions> = {},
): void {
  const { width: w, height: h } = gray;
  if (outDesc.length < DESCRIPTOR_WORDS * count)
    throw new RangeError(`outDesc needs ${DESCRIPTOR_WORDS * count} words`);
  if (outAngle.length < count) throw new RangeError(`outAngle needs ${count} values`);
  const pattern = options.pattern ?? DEFAULT_PATTERN;
  if (pattern.length < 4 * BITS) throw new RangeError(`pattern needs ${4 * BITS} values`);
  const oriented = options.oriented ?? true;
  if (smooth.length < w * h) smooth = new Float32Array(w * h);
  gaussianBlur(smooth, gray, options.blurSigma ?? 2);
  const img = smooth;
  for (let k = 0; k < count; k++) {
    const x = xy[2 * k]!;
    const y = xy[2 * k + 1]!;
    const a = oriented ? intensityCentroidAngle(img, w, h, x, y) : 0;
    outAngle[k] = a;
    const c = Math.cos(a);
    const s = Math.sin(a);
    // Array coordinates of the keypoint (pixel centres at +0.5).
    const ax = x - 0.5;
    const ay = y - 0.5;
    for (let word = 0; word < DESCRIPTOR_WORDS; word++) {
      let bits = 0;
      for (let b = 0; b < 32; b++) {
        const p = 4 * (32 * word + b);
        const px1 = pattern[p]!;
        const py1 = pattern[p + 1]!;
        const px2 = pattern[p + 2]!;
        const py2 = pattern[p + 3]!;
        const i1 = bilinear(img, w, h, ax + c * px1 - s * py1, ay + s * px1 + c * py1);
        const i2 = bilinear(img, w, h, ax + c * px2 - s * py2, ay + s * px2 + c * py2);
        if (i1 < i2) bits |= 1 << b;
      }
      outDesc[DESCRIPTOR_WORDS * k + word] = bits >>> 0;
    }
  }
}

/**
 * Hamming distance between descriptor `ia` of `a` and descriptor `ib` of `b` (packed
 * `DESCRIPTOR_WORDS` words each), 0–256. Parallel bit count; no allocation; O(1).
 */
export function hammingDistance(a: Uint32Array, ia: number, b: Uint32Array, ib: number): number {
  const oa = DESCRIPTOR_WORDS * ia;
  const ob = DESCRIPTOR_WORDS * ib;
  let sum = 0;
  for (let k = 0; k < DESCRIPTOR_WORDS; k++) {
    let v = a[oa + k]! ^ b[ob + k]!;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    sum += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return sum;
}

/**
 * Moves integer-pixel corners to sub-pixel by a separable parabola through the corner response
 * (`response`, w × h, e.g. {@link minEigenResponse}) at the corner and its 4-neighbours; shifts are
 * clamped to ±0.5 px. Updates packed `xy` in place. No allocation; O(count).
 */
export function refineCornersSubpixel(
  xy: Float32Array,
  count: number,
  response: Float32Array,
  w: number,
  h: number,
): void {
  for (let k = 0; k < count; k++) {
    const x = Math.floor(xy[2 * k]!);
    const y = Math.floor(xy[2 * k + 1]!);
    if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) continue;
    const i = y * w + x;
    const c = response[i]!;
    const l = response[i - 1]!;
    const r = response[i + 1]!;
    const u = response[i - w]!;
    const d = response[i + w]!;
    const dxx = l - 2 * c + r;
    const dyy = u - 2 * c + d;
    let sx = dxx < 0 ? (0.5 * (l - r)) / dxx : 0;
    let sy = dyy < 0 ? (0.5 * (u - d)) / dyy : 0;
    sx = sx > 0.5 ? 0.5 : sx < -0.5 ? -0.5 : sx;
    sy = sy > 0.5 ? 0.5 : sy < -0.5 ? -0.5 : sy;
    xy[2 * k] = x + 0.5 + sx;
    xy[2 * k + 1] = y + 0.5 + sy;
  }
}

/** Keypoints of one image with their descriptors. */
export interface Keypoints {
  count: number;
  /** Packed xy, px (pixel centres at +0.5), strongest corner first. */
  xy: Float32Array;
  /** Orientation per keypoint, radians (image axes). */
  angle: Float32Array;
  /** `DESCRIPTOR_WORDS` words per keypoint. */
  descriptors: Uint32Array;
}

/** Options of {@link detectAndDescribe}: corner detection, description, sub-pixel refinement. */
export interface DetectDescribeOptions {
  corners: Partial<Omit<CornerOptions, 'existingXY' | 'existingCount' | 'onlyEmptyCells'>>;
  descriptor: Partial<DescriptorOptions>;
  /** Refine corners to sub-pixel on the response (default true). */
  subpixel: boolean;
}

let respScratch = new Float32Array(0);

/**
 * Shi–Tomasi corners ({@link detectCorners}; defaults here: 2000 corners, quality 0.001,
 * 6 px apart, at least {@link PATCH_RADIUS} px from the border), refined to sub-pixel, and their
 * oriented descriptors. Allocates the returned arrays (O(maxCorners)); O(w·h·σ + n·800).
 */
export function detectAndDescribe(gray: GrayImage, options: Partial<DetectDescribeOptions> = {}): Keypoints {
  const co = { maxCorners: 2000, qualityLevel: 0.001, minDistancePx: 6, borderPx: PATCH_RADIUS, ...options.corners };
  const buf = new Float32Array(2 * co.maxCorners);
  const n = detectCorners(buf, gray, co);
  const xy = buf.slice(0, 2 * n);
  if (options.subpixel ?? true) {
    const wh = gray.width * gray.height;
    if (respScratch.length < wh) respScratch = new Float32Array(wh);
    minEigenResponse(respScratch, gray, co.blockSize ?? 3);
    refineCornersSubpixel(xy, n, respScratch, gray.width, gray.height);
  }
  const angle = new Float32Array(n);
  const descriptors = new Uint32Array(DESCRIPTOR_WORDS * n);
  describeKeypoints(descriptors, angle, gray, xy, n, options.descriptor);
  return { count: n, xy, angle, descriptors };
}
