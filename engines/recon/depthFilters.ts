/**
 * Depth-map clean-up before fusion: drop pixels at depth discontinuities (the "flying pixels" a
 * depth network smears across object edges) and pixels that other views do not confirm.
 *
 * Depth maps are row-major Float32Array z-depths in metres (along the optical axis); 0 or NaN
 * means no depth, and dropped pixels are written as 0. Pixels follow engines/core/camera.ts
 * (pixel (i, j) centred at (i + 0.5, j + 0.5)); cameras are camFromWorld, x_cam = R·x_world + t,
 * OpenCV axes.
 */
import type { Intrinsics } from '../core/camera.js';
import type { CamFromWorldLike } from './tsdf.js';

export interface EdgeFilterOptions {
  /**
   * A pixel is dropped when a valid pixel within `radiusPx` differs from it by more than this
   * fraction of the nearer of the two depths: |d − d'| > relThreshold · min(d, d'). Default 0.05.
   */
  relThreshold?: number;
  /** Neighbourhood half-size, pixels (integer ≥ 1; the window is (2r + 1)²); default 1. */
  radiusPx?: number;
}

/**
 * Copies `depthM` to `out` with every pixel at a depth discontinuity set to 0 (both sides of the
 * jump are dropped: the far side holds the mixed, flying depths, the near side the silhouette).
 * Invalid input pixels (≤ 0, NaN) stay 0 in `out` and do not count as neighbours. `out` must not
 * be `depthM`. Returns the number of valid pixels dropped. No allocation; O(w·h·(2r + 1)²).
 */
export function filterDepthEdges(
  out: Float32Array,
  depthM: Float32Array,
  width: number,
  height: number,
  options: EdgeFilterOptions = {},
): number {
  const rel = options.relThreshold ?? 0.05;
  const r = options.radiusPx ?? 1;
  if (!(rel > 0 && Number.isFinite(rel)))
    throw new RangeError(`filterDepthEdges: relThreshold must be > 0, got ${rel}`);
  if (!(Number.isInteger(r) && r >= 1))
    throw new RangeError(`filterDepthEdges: radiusPx must be an integer ≥ 1, got ${r}`);
  checkMap('filterDepthEdges', depthM, width, height);
  if (out.length < width * height) throw new RangeError('filterDepthEdges: out is smaller than the depth map');
  if (out.buffer === depthM.buffer && out.byteOffset === depthM.byteOffset)
    throw new RangeError('filterDepthEdges: out must not alias depthM');
  let dropped = 0;
  for (let y = 0; y < height; y++) {
    const y0 = y - r < 0 ? 0 : y - r;
    const y1 = y + r >= height ? height - 1 : y + r;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const d = depthM[i]!;
      if (!(d > 0 && d < Infinity)) {
        out[i] = 0;
        continue;
      }
      const x0 = x - r < 0 ? 0 : x - r;
      const x1 = x + r >= width ? width - 1 : x + r;
      let edge = false;
      for (let yy = y0; yy <= y1 && !edge; yy++) {
        const row = yy * width;
        for (let xx = x0; xx <= x1; xx++) {
          const e = depthM[row + xx]!;
          if (!(e > 0 && e < Infinity)) continue;
          // |d − e| > rel · min(d, e)
          if (e > d ? e - d > rel * d : d - e > rel * e) {
            edge = true;
            break;
          }
        }
      }
      if (edge) {
        out[i] = 0;
        dropped++;
      } else out[i] = d;
    }
  }
  return dropped;
}

/** One depth map with its camera, for multi-view checks. */
export interface DepthView {
  /** z-depth, metres, row-major `width` × `height`; 0 or NaN = none. */
  depthM: Float32Array;
  width: number;
  height: number;
  /** Intrinsics for this size. */
  K: Readonly<Intrinsics>;
  camFromWorld: CamFromWorldLike;
}

export interface ConsistencyOptions {
  /** Agreement: |z' − d'| ≤ relTolerance · d', z' the pixel's depth in the neighbour's camera and d' the neighbour's depth there; default 0.02. */
  relTolerance?: number;
  /** Neighbours that must agree (integer ≥ 1, ≤ neighbours.length); default 1. */
  minAgree?: number;
}

/**
 * Multi-view depth consistency: each valid pixel of `ref` is unprojected, moved into every
 * neighbour's camera and projected; it agrees with a neighbour whose depth d' at that pixel
 * satisfies |z' − d'| ≤ relTolerance · d'. Pixels with fewer than `minAgree` agreeing neighbours
 * (occluded, out of view, or wrong) become 0 in `out`; the rest are copied. `out` may be
 * `ref.depthM`. Returns the number of pixels kept. Allocates 12 numbers per neighbour;
 * O(w·h·neighbours).
 */
export function multiViewConsistency(
  out: Float32Array,
  ref: DepthView,
  neighbours: readonly DepthView[],
  options: ConsistencyOptions = {},
): number {
  const tol = options.relTolerance ?? 0.02;
  const k = options.minAgree ?? 1;
  const nn = neighbours.length;
  if (!(tol > 0 && Number.isFinite(tol)))
    throw new RangeError(`multiViewConsistency: relTolerance must be > 0, got ${tol}`);
  if (!(Number.isInteger(k) && k >= 1 && k <= nn))
    throw new RangeError(`multiViewConsistency: minAgree must be an integer in [1, ${nn}], got ${k}`);
  const { width, height, depthM } = ref;
  checkMap('multiViewConsistency', depthM, width, height);
  if (out.length < width * height) throw new RangeError('multiViewConsistency: out is smaller than the depth map');
  for (const nb of neighbours) checkMap('multiViewConsistency', nb.depthM, nb.width, nb.height);
  // Neighbour-from-reference transforms: x_nb = R_n·R_refᵀ·(x_ref − t_ref) + t_n = A·x_ref + c.
  const rel = new Float64Array(12 * nn);
  const Rr = ref.camFromWorld.R;
  const tr = ref.camFromWorld.t;
  for (let n = 0; n < nn; n++) {
    const { R, t } = neighbours[n]!.camFromWorld;
    const o = 12 * n;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        // (R_n · R_refᵀ)_ij = Σ_k R_n[i][k] · R_ref[j][k]
        rel[o + 3 * i + j] = R[3 * i]! * Rr[3 * j]! + R[3 * i + 1]! * Rr[3 * j + 1]! + R[3 * i + 2]! * Rr[3 * j + 2]!;
      }
    for (let i = 0; i < 3; i++)
      rel[o + 9 + i] = t[i]! - (rel[o + 3 * i]! * tr[0]! + rel[o + 3 * i + 1]! * tr[1]! + rel[o + 3 * i + 2]! * tr[2]!);
  }
  const { fx, fy, cx, cy } = ref.K;
  let kept = 0;
  for (let y = 0; y < height; y++) {
    const yn = (y + 0.5 - cy) / fy;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const d = depthM[i]!;
      if (!(d > 0 && d < Infinity)) {
        out[i] = 0;
        continue;
      }
      const X = ((x + 0.5 - cx) / fx) * d;
      const Y = yn * d;
      let agree = 0;
      for (let n = 0; n < nn && agree < k && agree + (nn - n) >= k; n++) {
        const o = 12 * n;
        const z = rel[o + 6]! * X + rel[o + 7]! * Y + rel[o + 8]! * d + rel[o + 11]!;
        if (!(z > 0)) continue;
        const nb = neighbours[n]!;
        const u = (nb.K.fx * (rel[o]! * X + rel[o + 1]! * Y + rel[o + 2]! * d + rel[o + 9]!)) / z + nb.K.cx;
        const v = (nb.K.fy * (rel[o + 3]! * X + rel[o + 4]! * Y + rel[o + 5]! * d + rel[o + 10]!)) / z + nb.K.cy;
        if (!(u >= 0 && u < nb.width && v >= 0 && v < nb.height)) continue;
        const dn = nb.depthM[(v | 0) * nb.width + (u | 0)]!;
        if (dn > 0 && Math.abs(z - dn) <= tol * dn) agree++;
      }
      if (agree >= k) {
        out[i] = d;
        kept++;
      } else out[i] = 0;
    }
  }
  return kept;
}

function checkMap(fn: string, depthM: Float32Array, width: number, height: number): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new RangeError(`${fn}: image size must be positive integers, got ${width}×${height}`);
  if (depthM.length < width * height)
    throw new RangeError(`${fn}: depth has ${depthM.length} values, ${width}×${height} needs more`);
}
