import { BufferGeometry, Float32BufferAttribute } from 'three';

/** How many points a moving view draws at most: a budget per kind of renderer. */
export interface LodBudget {
  /** Clouds above this many points get a lighter stand-in while the camera moves. */
  threshold: number;
  /** About how many points the stand-in keeps. */
  points: number;
}

// A GPU draws a few million 2-px points at display rate; a software rasteriser (SwiftShader,
// llvmpipe: what a browser uses with acceleration off) draws about 100 000 in 50–80 ms.
export const HARDWARE_BUDGET: LodBudget = { threshold: 5_000_000, points: 2_000_000 };
export const SOFTWARE_BUDGET: LodBudget = { threshold: 150_000, points: 60_000 };

/**
 * Every k-th point of a cloud (positions, and colours when it has them), k chosen so that about
 * `budget.points` remain; null when the cloud is small enough to draw whole while moving.
 * Allocates the new arrays once (about 1/k of the cloud's memory).
 */
export function decimateCloud(geometry: BufferGeometry, budget: LodBudget): BufferGeometry | null {
  const pos = geometry.getAttribute('position');
  const n = pos.count;
  if (n <= budget.threshold) return null;
  const k = Math.ceil(n / budget.points);
  const m = Math.ceil(n / k);
  const src = pos.array as Float32Array;
  const out = new Float32Array(m * 3);
  const col = geometry.getAttribute('color');
  const srcCol = col ? (col.array as Float32Array) : null;
  const outCol = srcCol ? new Float32Array(m * 3) : null;
  for (let i = 0, j = 0; i < n; i += k, j += 3) {
    const o = i * 3;
    out[j] = src[o]!;
    out[j + 1] = src[o + 1]!;
    out[j + 2] = src[o + 2]!;
    if (outCol && srcCol) {
      outCol[j] = srcCol[o]!;
      outCol[j + 1] = srcCol[o + 1]!;
      outCol[j + 2] = srcCol[o + 2]!;
    }
  }
  const lod = new BufferGeometry();
  lod.setAttribute('position', new Float32BufferAttribute(out, 3));
  if (outCol) lod.setAttribute('color', new Float32BufferAttribute(outCol, 3));
  lod.boundingSphere = geometry.boundingSphere?.clone() ?? null;
  return lod;
}
