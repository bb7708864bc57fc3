import type { BufferGeometry } from 'three';
import { decodeNpy } from '../../../engines/core/npy.js';

// Large binary data lives here, outside the store: the store only holds the ids that key it
// (CONVENTIONS: "large binary data stays out of the store, referenced by id").

let seq = 0;
const files = new Map<string, File>();
const depthMaps = new Map<string, DepthMap>();
const clouds = new Map<string, BufferGeometry>();

/** A depth map in row-major order (metres or relative; NaN = invalid). */
export interface DepthMap {
  data: Float32Array;
  width: number;
  height: number;
}

export function putFile(file: File): string {
  const id = `file-${++seq}`;
  files.set(id, file);
  return id;
}
export function getFile(id: string): File | undefined {
  return files.get(id);
}
export function dropFile(id: string): void {
  files.delete(id);
}

/** Parses an NPY float32 H×W map and keeps it under `id`. */
export function putDepthMap(id: string, bytes: ArrayBuffer): DepthMap {
  const npy = decodeNpy(new Uint8Array(bytes));
  if (!(npy.data instanceof Float32Array) || npy.shape.length !== 2) {
    throw new Error(`the depth file is not a float32 H×W array (dtype ${npy.dtype}, shape ${npy.shape.join('×')})`);
  }
  const map = { data: npy.data, width: npy.shape[1]!, height: npy.shape[0]! };
  depthMaps.set(id, map);
  return map;
}
export function getDepthMap(id: string): DepthMap | undefined {
  return depthMaps.get(id);
}

export function putCloud(id: string, geometry: BufferGeometry): void {
  clouds.get(id)?.dispose();
  clouds.set(id, geometry);
}
export function getCloud(id: string): BufferGeometry | undefined {
  return clouds.get(id);
}

/** Forgets everything keyed by these ids (a new photo replaces the old one's data). */
export function release(ids: readonly (string | null | undefined)[]): void {
  for (const id of ids) {
    if (!id) continue;
    files.delete(id);
    depthMaps.delete(id);
    clouds.get(id)?.dispose();
    clouds.delete(id);
  }
}

/**
 * The `lo`–`hi` percentiles of the finite values, over at most 16 384 evenly spaced samples
 * (the same sampling the core's preview uses, so a legend drawn from them matches its colours).
 */
export function percentiles(map: DepthMap, lo: number, hi: number): { lo: number; hi: number } | null {
  const n = map.data.length;
  const step = Math.max(1, Math.ceil(n / 16384));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) {
    const v = map.data[i]!;
    if (Number.isFinite(v)) sample.push(v);
  }
  if (!sample.length) return null;
  sample.sort((a, b) => a - b);
  const at = (p: number) =>
    sample[Math.min(sample.length - 1, Math.max(0, Math.round((p / 100) * (sample.length - 1))))]!;
  return { lo: at(lo), hi: at(hi) };
}
