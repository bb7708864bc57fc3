/**
 * Topology checks for triangle meshes in tests: a closed, consistently oriented 2-manifold uses
 * every directed edge (a → b) exactly once and its reverse (b → a) exactly once.
 */
import type { SurfaceMesh } from '../../../engines/recon/index.js';

export interface EdgeReport {
  /** Directed edges with no reverse: holes or open borders. */
  boundary: number;
  /** Directed edges used by more than one face: non-manifold or inconsistently oriented. */
  repeated: number;
  /** Faces with a repeated vertex index. */
  degenerate: number;
}

export function edgeReport(indices: Uint32Array, faceCount = indices.length / 3): EdgeReport {
  const edges = new Map<number, number>();
  const key = (a: number, b: number) => a * 0x100000000 + b;
  let degenerate = 0;
  for (let f = 0; f < faceCount; f++) {
    const v = [indices[3 * f]!, indices[3 * f + 1]!, indices[3 * f + 2]!];
    if (v[0] === v[1] || v[1] === v[2] || v[0] === v[2]) degenerate++;
    for (let k = 0; k < 3; k++) {
      const e = key(v[k]!, v[(k + 1) % 3]!);
      edges.set(e, (edges.get(e) ?? 0) + 1);
    }
  }
  let boundary = 0;
  let repeated = 0;
  for (const [e, n] of edges) {
    if (n > 1) repeated++;
    const a = Math.floor(e / 0x100000000);
    const b = e - a * 0x100000000;
    if (!edges.has(key(b, a))) boundary++;
  }
  return { boundary, repeated, degenerate };
}

/**
 * Share of non-degenerate faces whose right-hand normal (p1 − p0) × (p2 − p0) agrees (positive dot)
 * with the mean of their vertex normals.
 */
export function faceNormalAgreement(mesh: SurfaceMesh): number {
  const { positions: p, normals: n, indices } = mesh;
  let agree = 0;
  let total = 0;
  for (let f = 0; f < mesh.faceCount; f++) {
    const a = 3 * indices[3 * f]!;
    const b = 3 * indices[3 * f + 1]!;
    const c = 3 * indices[3 * f + 2]!;
    const ux = p[b]! - p[a]!, uy = p[b + 1]! - p[a + 1]!, uz = p[b + 2]! - p[a + 2]!; // prettier-ignore
    const vx = p[c]! - p[a]!, vy = p[c + 1]! - p[a + 1]!, vz = p[c + 2]! - p[a + 2]!; // prettier-ignore
    const fx = uy * vz - uz * vy;
    const fy = uz * vx - ux * vz;
    const fz = ux * vy - uy * vx;
    if (Math.hypot(fx, fy, fz) < 1e-12) continue;
    total++;
    const mx = n[a]! + n[b]! + n[c]!;
    const my = n[a + 1]! + n[b + 1]! + n[c + 1]!;
    const mz = n[a + 2]! + n[b + 2]! + n[c + 2]!;
    if (fx * mx + fy * my + fz * mz > 0) agree++;
  }
  return total ? agree / total : NaN;
}
