/**
 * Edge-aware robust depth sampling around a clicked pixel.
 *
 * Rule, written down once. The window is the (2r+1)² pixels around the pixel that contains the
 * click; invalid pixels (mask 0, non-finite or ≤ 0 depth) are skipped. The valid depths are
 * sorted; the window *straddles an edge* when the largest ratio between consecutive depths is
 * ≥ 1.05 and that gap is at least half the window's whole (log) range, i.e. two surfaces rather
 * than one slanted or noisy one. Then, in this order:
 *   1. the near (foreground) cluster, when it is not a thin minority (≥ 20% of the valid samples,
 *      and ≥ 2) and the click lies on one of its pixels or within 1 px of one: a click one pixel
 *      off an object's silhouette means the object, not the background behind it;
 *   2. otherwise the cluster of the clicked pixel's own depth, unless that is a thin minority
 *      (a flying pixel, a wire);
 *   3. otherwise the larger cluster.
 * The split is repeated once inside the chosen cluster (a corner can show three surfaces).
 * Within the chosen cluster a least-squares plane in pixel offsets gives the depth gradient; the
 * depth at the click is the median of the detrended samples, evaluated at the click's continuous
 * coordinates (so sub-pixel clicks on slanted surfaces are not quantised to pixel centres).
 *
 * Sigma (1-sigma, in the map's units):
 *   - noise: 1.4826·MAD of the detrended samples (corrected for the fitted parameters) is the
 *     per-pixel noise; the median of m samples has standard error ≈ 1.2533·σ/√m. This assumes
 *     independent per-pixel noise: error that is correlated over the window (a model's bias) is
 *     not visible here and belongs to the scale source's term;
 *   - edge: when the window straddles an edge, Δ·√(p(1−p)), with Δ the depth gap to the other
 *     surface and p = Φ(−dₑ/σ_click) the chance that a click error of σ_click (pixels) crosses the
 *     dₑ pixels between the click and the nearest pixel of the other surface;
 *   - invalid centre: the estimate is for an unobserved pixel, so the full per-pixel spread and a
 *     1% floor are added; `nearest_valid` (no valid pixel in the window, the nearest one within
 *     3r px) gets 5% of its depth.
 */

/** How a sampled depth was chosen; see the file comment. */
export type DepthSampleMethod =
  'window_median' | 'foreground_cluster' | 'centre_cluster' | 'majority_cluster' | 'nearest_valid';

/** The depth at a clicked point, in the units of the map it came from (metres for a metric map). */
export interface DepthSample {
  /** Depth at the click's continuous coordinates (map units; z-depth for a metric map). */
  depth: number;
  /** 1-sigma uncertainty of `depth`, map units (see the file comment for its terms). */
  sigma: number;
  /** Local depth gradient of the chosen surface, map units per pixel along x and y. */
  gradX: number;
  gradY: number;
  method: DepthSampleMethod;
  /** The window holds two surfaces (a depth edge) and one was chosen. */
  straddlesEdge: boolean;
  /** The pixel that contains the click has no valid depth. */
  centreInvalid: boolean;
  /** Valid pixels in the window, and how many of them the estimate used. */
  validCount: number;
  usedCount: number;
  /** Side of the square window, pixels (2r + 1). */
  windowPx: number;
}

const EDGE_MIN_RATIO = 1.05;
const EDGE_GAP_SHARE = 0.5;
const THIN_SHARE = 0.2;
const SNAP_PX = 1;
const INVALID_CENTRE_FLOOR = 0.01;
const NEAREST_VALID_REL = 0.05;
const MAX_RADIUS_PX = 15;

// Module scratch, grown on demand (never per call once large enough).
let sorted = new Float64Array((2 * 2 + 1) ** 2);
let detrended = new Float64Array((2 * 2 + 1) ** 2);

function insertionSort(a: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}

/** Median of the first n values of a sorted array. */
function sortedMedian(a: Float64Array, lo: number, hi: number): number {
  const n = hi - lo + 1;
  const mid = lo + (n >> 1);
  return n & 1 ? a[mid]! : 0.5 * (a[mid - 1]! + a[mid]!);
}

/** erfc(x) for x ≥ 0 (Numerical Recipes' erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return y;
}

/** Distance (px) from the point (x, y) to the square of pixel (i, j). */
function distToPixel(x: number, y: number, i: number, j: number): number {
  const dx = x < i ? i - x : x > i + 1 ? x - i - 1 : 0;
  const dy = y < j ? j - y : y > j + 1 ? y - j - 1 : 0;
  return Math.hypot(dx, dy);
}

const usable = (z: number, valid: Uint8Array | null, i: number) =>
  z > 0 && z < Infinity && (valid === null || valid[i] !== 0);

/**
 * Robust depth at the continuous pixel position (x, y) of a `width` × `height` map (row-major,
 * values at pixel centres; `valid` null = every finite depth > 0 is valid), from the window of
 * radius `radiusPx` (integer 0…15) around the pixel that contains (x, y); `clickPx` is the click's
 * 1-sigma error in pixels, used for the edge term. Returns null when no valid pixel lies within
 * max(3·radius, 3) px. See the file comment for the rule and the sigma. Allocates only the result
 * (module scratch otherwise); O(r²) plus an O(r⁴) worst-case insertion sort (≤ 121 values at r = 5).
 */
export function sampleDepthRobust(
  depth: Float32Array,
  valid: Uint8Array | null,
  width: number,
  height: number,
  x: number,
  y: number,
  radiusPx = 2,
  clickPx = 0.5,
): DepthSample | null {
  if (!Number.isInteger(radiusPx) || radiusPx < 0 || radiusPx > MAX_RADIUS_PX)
    throw new RangeError(`radiusPx must be an integer in 0…${MAX_RADIUS_PX}, got ${radiusPx}`);
  if (!(x >= 0 && x < width && y >= 0 && y < height))
    throw new RangeError(`(${x}, ${y}) is outside the ${width}×${height} map`);
  const side = 2 * radiusPx + 1;
  if (sorted.length < side * side) {
    sorted = new Float64Array(side * side);
    detrended = new Float64Array(side * side);
  }
  const ci = Math.floor(x);
  const cj = Math.floor(y);
  const x0 = Math.max(0, ci - radiusPx);
  const x1 = Math.min(width - 1, ci + radiusPx);
  const y0 = Math.max(0, cj - radiusPx);
  const y1 = Math.min(height - 1, cj + radiusPx);
  const centreIndex = cj * width + ci;
  const centreZ = depth[centreIndex]!;
  const centreValid = usable(centreZ, valid, centreIndex);

  let n = 0;
  for (let j = y0; j <= y1; j++)
    for (let i = x0, k = j * width + x0; i <= x1; i++, k++) {
      const z = depth[k]!;
      if (usable(z, valid, k)) sorted[n++] = z;
    }
  if (n === 0) return nearestValid(depth, valid, width, height, x, y, radiusPx, side);
  insertionSort(sorted, n);

  // Split into surfaces (at most twice) and pick one; [lo, hi] indexes the chosen cluster.
  let lo = 0;
  let hi = n - 1;
  let straddles = false;
  let method: DepthSampleMethod = 'window_median';
  let gapToOther = 0;
  for (let pass = 0; pass < 2 && hi > lo; pass++) {
    let k = lo;
    let best = 0;
    for (let i = lo; i < hi; i++) {
      const r = sorted[i + 1]! / sorted[i]!;
      if (r > best) {
        best = r;
        k = i;
      }
    }
    if (best < EDGE_MIN_RATIO || Math.log(best) < EDGE_GAP_SHARE * Math.log(sorted[hi]! / sorted[lo]!)) break;
    const count = hi - lo + 1;
    const thin = (size: number) => size < Math.max(2, THIN_SHARE * count);
    const nearSize = k - lo + 1;
    const farSize = hi - k;
    const nearHi = sorted[k]!;
    let chooseNear: boolean;
    if (!thin(nearSize) && clickNear(depth, valid, width, x, y, x0, x1, y0, y1, sorted[lo]!, nearHi)) {
      chooseNear = true;
      method = 'foreground_cluster';
    } else if (
      centreValid &&
      centreZ >= sorted[lo]! &&
      centreZ <= sorted[hi]! &&
      !thin(centreZ <= nearHi ? nearSize : farSize)
    ) {
      chooseNear = centreZ <= nearHi;
      method = 'centre_cluster';
    } else {
      chooseNear = nearSize >= farSize;
      method = 'majority_cluster';
    }
    const nearMed = sortedMedian(sorted, lo, k);
    const farMed = sortedMedian(sorted, k + 1, hi);
    gapToOther = Math.max(gapToOther, Math.abs(farMed - nearMed));
    straddles = true;
    if (chooseNear) hi = k;
    else lo = k + 1;
  }
  const zLo = sorted[lo]!;
  const zHi = sorted[hi]!;

  // Least-squares plane z = a + gx·dx + gy·dy over the chosen cluster, offsets from the click;
  // and the distance from the click to the nearest pixel of another surface.
  let m = 0;
  let sx = 0,
    sy = 0,
    sz = 0,
    sxx = 0,
    sxy = 0,
    syy = 0,
    sxz = 0,
    syz = 0;
  let edgeDistPx = Infinity;
  for (let j = y0; j <= y1; j++)
    for (let i = x0, k = j * width + x0; i <= x1; i++, k++) {
      const z = depth[k]!;
      if (!usable(z, valid, k)) continue;
      if (z < zLo || z > zHi) {
        const d = distToPixel(x, y, i, j);
        if (d < edgeDistPx) edgeDistPx = d;
        continue;
      }
      const dx = i + 0.5 - x;
      const dy = j + 0.5 - y;
      m++;
      sx += dx;
      sy += dy;
      sz += z;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
      sxz += dx * z;
      syz += dy * z;
    }
  let gx = 0;
  let gy = 0;
  let params = 1;
  if (m >= 6) {
    // Centred normal equations for the slopes.
    const cxx = sxx - (sx * sx) / m;
    const cxy = sxy - (sx * sy) / m;
    const cyy = syy - (sy * sy) / m;
    const cxz = sxz - (sx * sz) / m;
    const cyz = syz - (sy * sz) / m;
    const det = cxx * cyy - cxy * cxy;
    if (det > 1e-9 * (cxx + cyy) * (cxx + cyy)) {
      gx = (cyy * cxz - cxy * cyz) / det;
      gy = (cxx * cyz - cxy * cxz) / det;
      params = 3;
    }
  }
  let q = 0;
  for (let j = y0; j <= y1; j++)
    for (let i = x0, k = j * width + x0; i <= x1; i++, k++) {
      const z = depth[k]!;
      if (!usable(z, valid, k) || z < zLo || z > zHi) continue;
      detrended[q++] = z - gx * (i + 0.5 - x) - gy * (j + 0.5 - y);
    }
  insertionSort(detrended, q);
  const level = sortedMedian(detrended, 0, q - 1);
  for (let i = 0; i < q; i++) detrended[i] = Math.abs(detrended[i]! - level);
  insertionSort(detrended, q);
  const mad = sortedMedian(detrended, 0, q - 1);
  const perPixel = q > params ? 1.4826 * mad * Math.sqrt(q / (q - params)) : 0;
  let variance = q > 0 ? (1.2533 * perPixel) ** 2 / q : 0;
  if (straddles) {
    const p = edgeDistPx === Infinity ? 0 : clickPx > 0 ? 0.5 * erfc(edgeDistPx / clickPx / Math.SQRT2) : 0;
    variance += gapToOther * gapToOther * p * (1 - p);
  }
  if (!centreValid) variance += perPixel * perPixel + (INVALID_CENTRE_FLOOR * level) ** 2;
  return {
    depth: level,
    sigma: Math.sqrt(variance),
    gradX: gx,
    gradY: gy,
    method,
    straddlesEdge: straddles,
    centreInvalid: !centreValid,
    validCount: n,
    usedCount: q,
    windowPx: side,
  };
}

/** True when (x, y) lies within SNAP_PX of a window pixel whose depth is in [zLo, zHi]. */
function clickNear(
  depth: Float32Array,
  valid: Uint8Array | null,
  width: number,
  x: number,
  y: number,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  zLo: number,
  zHi: number,
): boolean {
  const j0 = Math.max(y0, Math.floor(y - SNAP_PX));
  const j1 = Math.min(y1, Math.floor(y + SNAP_PX));
  const i0 = Math.max(x0, Math.floor(x - SNAP_PX));
  const i1 = Math.min(x1, Math.floor(x + SNAP_PX));
  for (let j = j0; j <= j1; j++)
    for (let i = i0; i <= i1; i++) {
      const k = j * width + i;
      const z = depth[k]!;
      if (usable(z, valid, k) && z >= zLo && z <= zHi && distToPixel(x, y, i, j) <= SNAP_PX) return true;
    }
  return false;
}

/** No valid pixel in the window: the nearest valid one within max(3r, 3) px, or null. */
function nearestValid(
  depth: Float32Array,
  valid: Uint8Array | null,
  width: number,
  height: number,
  x: number,
  y: number,
  radiusPx: number,
  side: number,
): DepthSample | null {
  const reach = Math.max(3 * radiusPx, 3);
  const ci = Math.floor(x);
  const cj = Math.floor(y);
  let bestD = Infinity;
  let bestZ = NaN;
  for (let j = Math.max(0, cj - reach); j <= Math.min(height - 1, cj + reach); j++)
    for (let i = Math.max(0, ci - reach); i <= Math.min(width - 1, ci + reach); i++) {
      const k = j * width + i;
      const z = depth[k]!;
      if (!usable(z, valid, k)) continue;
      const d = Math.hypot(i + 0.5 - x, j + 0.5 - y);
      if (d < bestD) {
        bestD = d;
        bestZ = z;
      }
    }
  if (bestD === Infinity) return null;
  return {
    depth: bestZ,
    sigma: NEAREST_VALID_REL * bestZ,
    gradX: 0,
    gradY: 0,
    method: 'nearest_valid',
    straddlesEdge: false,
    centreInvalid: true,
    validCount: 0,
    usedCount: 1,
    windowPx: side,
  };
}
