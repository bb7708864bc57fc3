import type { GrayImage } from './gray.js';
import { scharr } from './pyramid.js';

/** Options of {@link detectCorners}; every field has a default. */
export interface CornerOptions {
  /** Most corners to return (default 500). */
  maxCorners: number;
  /** Keep responses ≥ qualityLevel × the image's strongest response (default 0.01, as OpenCV). */
  qualityLevel: number;
  /** Absolute floor on the response, (grey levels / px)², so a flat or noise-only image gives none (default 1). */
  minResponse: number;
  /** Least distance between two corners, px (default 10). */
  minDistancePx: number;
  /** Side of the window the structure tensor is averaged over, odd, px (default 3). */
  blockSize: number;
  /** The image is split into gridCols × gridRows cells so corners spread out (default 8 × 6). */
  gridCols: number;
  gridRows: number;
  /** Most corners per grid cell (default ⌈maxCorners / cells⌉). */
  maxPerCell: number;
  /** No corners closer than this to the image border, px (default blockSize/2 + 1, the least
   * the response needs; a tracker wants its window inside, so it passes winSize/2). */
  borderPx: number;
  /** Corners already held (packed xy, same pixel convention): new ones keep minDistancePx from them. */
  existingXY: Float32Array | null;
  existingCount: number;
  /** Only fill grid cells that hold no existing corner (the tracker's replenishment; default false). */
  onlyEmptyCells: boolean;
}

const DEFAULTS: Omit<CornerOptions, 'maxPerCell' | 'borderPx'> = {
  maxCorners: 500,
  qualityLevel: 0.01,
  minResponse: 1,
  minDistancePx: 10,
  blockSize: 3,
  gridCols: 8,
  gridRows: 6,
  existingXY: null,
  existingCount: 0,
  onlyEmptyCells: false,
};

// Module scratch, grown to the largest image seen (one detector runs at a time per JS thread).
let gx = new Float32Array(0);
let gy = new Float32Array(0);
let sxx = new Float32Array(0);
let sxy = new Float32Array(0);
let syy = new Float32Array(0);
let tmp = new Float32Array(0);
let cand = new Int32Array(0);
let cellHead = new Int32Array(0);
let nextInCell = new Int32Array(0);
let ptX = new Float32Array(0);
let ptY = new Float32Array(0);
let gridCount = new Int32Array(0);

function ensureScratch(n: number): void {
  if (gx.length >= n) return;
  gx = new Float32Array(n);
  gy = new Float32Array(n);
  sxx = new Float32Array(n);
  sxy = new Float32Array(n);
  syy = new Float32Array(n);
  tmp = new Float32Array(n);
  cand = new Int32Array(n);
}

/** Box-sums `a` over a (2r+1)² window in place (via `tmp`), replicated borders. */
function boxFilter(a: Float32Array, w: number, h: number, r: number): void {
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) {
        const xx = x + k < 0 ? 0 : x + k >= w ? w - 1 : x + k;
        s += a[o + xx]!;
      }
      tmp[o + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) {
        const yy = y + k < 0 ? 0 : y + k >= h ? h - 1 : y + k;
        s += tmp[yy * w + x]!;
      }
      a[y * w + x] = s;
    }
  }
}

/**
 * Shi–Tomasi corner response: the smaller eigenvalue of the structure tensor (Scharr gradients,
 * averaged over a blockSize² window), in (grey levels / px)², written per pixel into `out`
 * (`width · height` floats; 0 within blockSize/2 + 1 px of the border). Uses module scratch; O(w·h·blockSize).
 */
export function minEigenResponse(out: Float32Array, gray: GrayImage, blockSize = 3): void {
  const { width: w, height: h } = gray;
  const n = w * h;
  if (out.length < n) throw new RangeError(`out has ${out.length} values, needs ${n}`);
  if (blockSize < 1 || blockSize % 2 !== 1) throw new RangeError(`blockSize must be odd, got ${blockSize}`);
  ensureScratch(n);
  scharr(gx, gy, gray);
  for (let i = 0; i < n; i++) {
    const x = gx[i]!;
    const y = gy[i]!;
    sxx[i] = x * x;
    sxy[i] = x * y;
    syy[i] = y * y;
  }
  const r = blockSize >> 1;
  boxFilter(sxx, w, h, r);
  boxFilter(sxy, w, h, r);
  boxFilter(syy, w, h, r);
  const norm = 1 / (blockSize * blockSize);
  const border = r + 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x < border || y < border || x >= w - border || y >= h - border) {
        out[i] = 0;
        continue;
      }
      const a = sxx[i]! * norm;
      const b = sxy[i]! * norm;
      const c = syy[i]! * norm;
      const hd = (a - c) * 0.5;
      out[i] = (a + c) * 0.5 - Math.sqrt(hd * hd + b * b);
    }
  }
}

let response = new Float32Array(0);

/**
 * Shi–Tomasi ("good features to track") corners: minimum-eigenvalue response, 3 × 3 non-maximum
 * suppression, threshold max(qualityLevel × strongest, minResponse), then strongest first while
 * keeping `minDistancePx` from every corner taken (and from `existingXY`) and at most
 * `maxPerCell` per grid cell. Writes packed xy (pixel centres at +0.5, integer-pixel precision)
 * into `out`, strongest first, and returns how many (≤ maxCorners and ≤ out.length / 2).
 * Uses module scratch (no allocation after the first call at a size); O(w·h·blockSize + k log k)
 * for k local maxima.
 */
export function detectCorners(out: Float32Array, gray: GrayImage, options: Partial<CornerOptions> = {}): number {
  const o = { ...DEFAULTS, ...options };
  const { width: w, height: h } = gray;
  const n = w * h;
  const cells = o.gridCols * o.gridRows;
  if (!(o.gridCols >= 1 && o.gridRows >= 1)) throw new RangeError('grid must be at least 1 × 1');
  const maxPerCell = options.maxPerCell ?? Math.ceil(o.maxCorners / cells);
  const maxOut = Math.min(o.maxCorners, out.length >> 1);
  if (response.length < n) response = new Float32Array(n);
  minEigenResponse(response, gray, o.blockSize);
  const resp = response;

  let maxR = 0;
  for (let i = 0; i < n; i++) if (resp[i]! > maxR) maxR = resp[i]!;
  const thr = Math.max(maxR * o.qualityLevel, o.minResponse);
  if (maxR < thr || maxOut <= 0) return 0;

  // 3 × 3 local maxima above the threshold (the response is 0 at the border, so no bounds checks).
  const bd = Math.max(1, Math.ceil(options.borderPx ?? 0));
  let m = 0;
  for (let y = bd; y < h - bd; y++) {
    for (let x = bd; x < w - bd; x++) {
      const i = y * w + x;
      const v = resp[i]!;
      if (v < thr) continue;
      if (
        v >= resp[i - w - 1]! &&
        v >= resp[i - w]! &&
        v >= resp[i - w + 1]! &&
        v >= resp[i - 1]! &&
        v >= resp[i + 1]! &&
        v >= resp[i + w - 1]! &&
        v >= resp[i + w]! &&
        v >= resp[i + w + 1]!
      )
        cand[m++] = i;
    }
  }
  const sorted = cand.subarray(0, m).sort((a, b) => resp[b]! - resp[a]! || a - b);

  // Minimum distance through a bucket grid of cell size minDist; the spreading grid counts per cell.
  const minD = Math.max(o.minDistancePx, 1e-6);
  const bw = Math.max(1, Math.ceil(w / minD));
  const bh = Math.max(1, Math.ceil(h / minD));
  if (cellHead.length < bw * bh) cellHead = new Int32Array(bw * bh);
  cellHead.fill(-1, 0, bw * bh);
  const cap = o.existingCount + maxOut;
  if (ptX.length < cap) {
    ptX = new Float32Array(cap);
    ptY = new Float32Array(cap);
    nextInCell = new Int32Array(cap);
  }
  if (gridCount.length < cells) gridCount = new Int32Array(cells);
  gridCount.fill(0, 0, cells);
  const gcw = w / o.gridCols;
  const gch = h / o.gridRows;
  let np = 0;
  const ex = o.existingXY;
  for (let k = 0; k < o.existingCount && ex; k++) {
    const x = ex[2 * k]! - 0.5;
    const y = ex[2 * k + 1]! - 0.5;
    if (!(x >= 0 && y >= 0 && x < w && y < h)) continue;
    const b = Math.floor(y / minD) * bw + Math.floor(x / minD);
    ptX[np] = x;
    ptY[np] = y;
    nextInCell[np] = cellHead[b]!;
    cellHead[b] = np++;
    gridCount[
      Math.min(o.gridRows - 1, Math.floor(y / gch)) * o.gridCols + Math.min(o.gridCols - 1, Math.floor(x / gcw))
    ]!++;
  }
  const emptyOnly = o.onlyEmptyCells;
  const gridLimit = emptyOnly ? -1 : maxPerCell;
  if (emptyOnly) for (let c = 0; c < cells; c++) if (gridCount[c]! > 0) gridCount[c] = -1; // mark as closed
  const minD2 = minD * minD;
  let count = 0;
  for (let k = 0; k < m && count < maxOut; k++) {
    const i = sorted[k]!;
    const y = (i / w) | 0;
    const x = i - y * w;
    const g =
      Math.min(o.gridRows - 1, Math.floor(y / gch)) * o.gridCols + Math.min(o.gridCols - 1, Math.floor(x / gcw));
    const gc = gridCount[g]!;
    if (gc < 0 || (gridLimit >= 0 && gc >= gridLimit) || (emptyOnly && gc >= maxPerCell)) continue;
    const bx = Math.floor(x / minD);
    const by = Math.floor(y / minD);
    let free = true;
    for (let yy = Math.max(0, by - 1); yy <= Math.min(bh - 1, by + 1) && free; yy++) {
      for (let xx = Math.max(0, bx - 1); xx <= Math.min(bw - 1, bx + 1) && free; xx++) {
        for (let p = cellHead[yy * bw + xx]!; p >= 0; p = nextInCell[p]!) {
          const dx = ptX[p]! - x;
          const dy = ptY[p]! - y;
          if (dx * dx + dy * dy < minD2) {
            free = false;
            break;
          }
        }
      }
    }
    if (!free) continue;
    const b = by * bw + bx;
    ptX[np] = x;
    ptY[np] = y;
    nextInCell[np] = cellHead[b]!;
    cellHead[b] = np++;
    gridCount[g] = gc + 1;
    out[2 * count] = x + 0.5;
    out[2 * count + 1] = y + 0.5;
    count++;
  }
  return count;
}
