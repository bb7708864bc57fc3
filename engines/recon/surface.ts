/**
 * Surfaces from a {@link TsdfVolume}: the zero crossings of the TSDF as a coloured point cloud with
 * normals, and a welded triangle mesh by marching cubes across block boundaries.
 *
 * A surface vertex lies on every grid edge (between lattice-neighbour voxels g and g + e_a) whose
 * two voxels are both observed with weight ≥ `minWeight` and whose tsdf signs differ (negative =
 * behind the surface); it is placed by linear interpolation of the tsdf, coloured by linear
 * interpolation of the two voxels' colours, and its normal is the normalised tsdf gradient
 * (central differences, interpolated the same way), pointing out of the surface towards free
 * space. Each grid edge owns at most one vertex, so the mesh's neighbouring cubes — in the same
 * block or not — share (weld) their vertices. All positions in world metres.
 */
import { MC_EDGE_AXIS, MC_EDGE_OWNER, MC_OFFSETS, MC_TRIANGLES } from './marchingCubesTable.js';
import { BLOCK_VOXELS, type TsdfVolume } from './tsdf.js';

export interface SurfaceOptions {
  /**
   * Voxels with an accumulated weight below this count as unobserved: no vertex on their edges,
   * no cube with them as a corner. Default 1 (seen by at least one frame at unit weight); raise it
   * to drop surfaces seen only once.
   */
  minWeight?: number;
}

/** A coloured point cloud: packed world xyz (metres), unit normals, RGB 0..255; `count` points. */
export interface SurfacePoints {
  positions: Float32Array;
  normals: Float32Array;
  colors: Uint8Array;
  count: number;
}

/**
 * A triangle mesh: per-vertex packed world xyz (metres), unit normals and RGB, and `faceCount`
 * triangles as vertex index triples, counter-clockwise seen from free space (the right-hand normal
 * (p1 − p0) × (p2 − p0) points out of the surface, along the vertex normals). Every vertex is used.
 */
export interface SurfaceMesh {
  positions: Float32Array;
  normals: Float32Array;
  colors: Uint8Array;
  indices: Uint32Array;
  vertexCount: number;
  faceCount: number;
}

/** Edge-vertex bookkeeping of one extraction: which edges carry vertices and their ids. */
interface EdgeVertices {
  /** Per voxel, bit a set when the edge along axis a from it carries a vertex. */
  mask: Uint8Array;
  /** Per voxel, how many vertices the voxels before it in its block own. */
  prefix: Uint16Array;
  /** Per block slot, its first vertex id (blockCount + 1 entries). */
  base: Int32Array;
}

const POPCOUNT3 = new Uint8Array([0, 1, 1, 2, 1, 2, 2, 3]);

/** Slots of the 3×3×3 blocks around block `slot` into `nb` (index (dx+1) + 3(dy+1) + 9(dz+1)); −1 = absent. */
function gatherNeighbours(volume: TsdfVolume, slot: number, nb: Int32Array): void {
  const c = volume.blockCoords;
  const bx = c[slot * 3]!;
  const by = c[slot * 3 + 1]!;
  const bz = c[slot * 3 + 2]!;
  for (let dz = -1, i = 0; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++, i++)
        nb[i] = dx === 0 && dy === 0 && dz === 0 ? slot : volume.findBlock(bx + dx, by + dy, bz + dz);
}

/**
 * Voxel index of local coordinates (x, y, z) ∈ [−8, 15]³ relative to the block whose
 * neighbourhood is `nb`, or −1 when that block is absent. O(1).
 */
function voxelAt(nb: Int32Array, x: number, y: number, z: number): number {
  const s = nb[((x + 8) >> 3) + 3 * ((y + 8) >> 3) + 9 * ((z + 8) >> 3)]!;
  return s < 0 ? -1 : s * BLOCK_VOXELS + ((z & 7) << 6) + ((y & 7) << 3) + (x & 7);
}

/** Pass 1: marks the vertex-carrying edges and numbers their vertices. O(blocks · 512). */
function findEdgeVertices(volume: TsdfVolume, minWeight: number): EdgeVertices {
  const n = volume.blockCount;
  const tsdf = volume.tsdf;
  const weight = volume.weight;
  const mask = new Uint8Array(n * BLOCK_VOXELS);
  const prefix = new Uint16Array(n * BLOCK_VOXELS);
  const base = new Int32Array(n + 1);
  const nb = new Int32Array(27);
  let total = 0;
  for (let s = 0; s < n; s++) {
    base[s] = total;
    gatherNeighbours(volume, s, nb);
    let inBlock = 0;
    let i = s * BLOCK_VOXELS;
    for (let z = 0; z < 8; z++)
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++, i++) {
          prefix[i] = inBlock;
          if (!(weight[i]! >= minWeight)) continue;
          const neg = tsdf[i]! < 0;
          let m = 0;
          // Lattice neighbours along +x, +y, +z: inside the block unless at its far face.
          const jx = x < 7 ? i + 1 : voxelAt(nb, 8, y, z);
          if (jx >= 0 && weight[jx]! >= minWeight && tsdf[jx]! < 0 !== neg) m |= 1;
          const jy = y < 7 ? i + 8 : voxelAt(nb, x, 8, z);
          if (jy >= 0 && weight[jy]! >= minWeight && tsdf[jy]! < 0 !== neg) m |= 2;
          const jz = z < 7 ? i + 64 : voxelAt(nb, x, y, 8);
          if (jz >= 0 && weight[jz]! >= minWeight && tsdf[jz]! < 0 !== neg) m |= 4;
          mask[i] = m;
          inBlock += POPCOUNT3[m]!;
        }
    total += inBlock;
  }
  base[n] = total;
  return { mask, prefix, base };
}

/**
 * tsdf gradient at local voxel (x, y, z) of the neighbourhood `nb` into g[o..o+2] (per voxel
 * step); central differences, one-sided where a neighbour is unobserved, 0 where both are.
 */
function gradientAt(
  g: Float64Array,
  o: number,
  nb: Int32Array,
  x: number,
  y: number,
  z: number,
  tsdf: Float32Array,
  weight: Float32Array,
): void {
  const c = voxelAt(nb, x, y, z);
  const tc = tsdf[c]!;
  for (let a = 0; a < 3; a++) {
    const p = voxelAt(nb, a === 0 ? x + 1 : x, a === 1 ? y + 1 : y, a === 2 ? z + 1 : z);
    const m = voxelAt(nb, a === 0 ? x - 1 : x, a === 1 ? y - 1 : y, a === 2 ? z - 1 : z);
    const hasP = p >= 0 && weight[p]! > 0;
    const hasM = m >= 0 && weight[m]! > 0;
    g[o + a] = hasP && hasM ? 0.5 * (tsdf[p]! - tsdf[m]!) : hasP ? tsdf[p]! - tc : hasM ? tc - tsdf[m]! : 0;
  }
}

/** Pass 2: positions, normals and colours of every edge vertex. O(vertices). */
function computeVertices(volume: TsdfVolume, ev: EdgeVertices, out: SurfacePoints): void {
  const n = volume.blockCount;
  const { mask } = ev;
  const tsdf = volume.tsdf;
  const weight = volume.weight;
  const color = volume.color;
  const coords = volume.blockCoords;
  const vs = volume.voxelSizeM;
  const { positions, normals, colors } = out;
  const nb = new Int32Array(27);
  const g = new Float64Array(6);
  let v = 0;
  for (let s = 0; s < n; s++) {
    if (ev.base[s + 1] === ev.base[s]) continue;
    gatherNeighbours(volume, s, nb);
    const gx0 = coords[s * 3]! * 8;
    const gy0 = coords[s * 3 + 1]! * 8;
    const gz0 = coords[s * 3 + 2]! * 8;
    let i = s * BLOCK_VOXELS;
    for (let z = 0; z < 8; z++)
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++, i++) {
          const m = mask[i]!;
          if (m === 0) continue;
          const t0 = tsdf[i]!;
          for (let a = 0; a < 3; a++) {
            if (!(m & (1 << a))) continue;
            const x1 = a === 0 ? x + 1 : x;
            const y1 = a === 1 ? y + 1 : y;
            const z1 = a === 2 ? z + 1 : z;
            const j = voxelAt(nb, x1, y1, z1);
            const t1 = tsdf[j]!;
            const f = t0 / (t0 - t1); // in [0, 1]: the signs differ
            const o = v * 3;
            positions[o] = (gx0 + x + (a === 0 ? f : 0)) * vs;
            positions[o + 1] = (gy0 + y + (a === 1 ? f : 0)) * vs;
            positions[o + 2] = (gz0 + z + (a === 2 ? f : 0)) * vs;
            const ci = i * 3;
            const cj = j * 3;
            colors[o] = color[ci]! + f * (color[cj]! - color[ci]!) + 0.5;
            colors[o + 1] = color[ci + 1]! + f * (color[cj + 1]! - color[ci + 1]!) + 0.5;
            colors[o + 2] = color[ci + 2]! + f * (color[cj + 2]! - color[ci + 2]!) + 0.5;
            gradientAt(g, 0, nb, x, y, z, tsdf, weight);
            gradientAt(g, 3, nb, x1, y1, z1, tsdf, weight);
            let nx = g[0]! + f * (g[3]! - g[0]!);
            let ny = g[1]! + f * (g[4]! - g[1]!);
            let nz = g[2]! + f * (g[5]! - g[2]!);
            let len = Math.sqrt(nx * nx + ny * ny + nz * nz);
            if (!(len > 1e-12)) {
              // No usable gradient: the edge's own direction, towards its positive end.
              nx = a === 0 ? t1 - t0 : 0;
              ny = a === 1 ? t1 - t0 : 0;
              nz = a === 2 ? t1 - t0 : 0;
              len = Math.abs(t1 - t0);
            }
            normals[o] = nx / len;
            normals[o + 1] = ny / len;
            normals[o + 2] = nz / len;
            v++;
          }
        }
  }
}

function allocatePoints(count: number): SurfacePoints {
  return {
    positions: new Float32Array(count * 3),
    normals: new Float32Array(count * 3),
    colors: new Uint8Array(count * 3),
    count,
  };
}

function checkMinWeight(options: SurfaceOptions): number {
  const minWeight = options.minWeight ?? 1;
  if (!(Number.isFinite(minWeight) && minWeight > 0))
    throw new RangeError(`surface: minWeight must be a finite number > 0, got ${minWeight}`);
  return minWeight;
}

/**
 * The TSDF's zero crossings as a coloured point cloud with normals (the vertices
 * {@link extractMesh} would build, before dropping the ones no cube uses): about one point per
 * voxel of surface area, spaced ≈ voxelSizeM. Allocates the output and ~3 bytes per allocated
 * voxel of bookkeeping; O(blocks · 512).
 */
export function extractPointCloud(volume: TsdfVolume, options: SurfaceOptions = {}): SurfacePoints {
  const minWeight = checkMinWeight(options);
  const ev = findEdgeVertices(volume, minWeight);
  const out = allocatePoints(ev.base[volume.blockCount]!);
  computeVertices(volume, ev, out);
  return out;
}

/**
 * A welded, consistently oriented triangle mesh of the TSDF's zero level set by marching cubes
 * (cube = 8 lattice-neighbour voxels, in any blocks; cubes with a corner below `minWeight` are
 * skipped, so unobserved space leaves holes rather than invented surface). See
 * marchingCubesTable.ts for the case table. Allocates the output and ~3 bytes per allocated voxel;
 * O(blocks · 512 + faces).
 */
export function extractMesh(volume: TsdfVolume, options: SurfaceOptions = {}): SurfaceMesh {
  const minWeight = checkMinWeight(options);
  const ev = findEdgeVertices(volume, minWeight);
  const all = allocatePoints(ev.base[volume.blockCount]!);
  computeVertices(volume, ev, all);
  const faces = marchCubes(volume, ev, minWeight);
  // Drop the vertices no cube used (on edges whose cubes all have an unobserved corner).
  const remap = new Int32Array(all.count).fill(-1);
  for (let i = 0; i < faces.length; i++) remap[faces[i]!] = 0;
  let used = 0;
  for (let v = 0; v < all.count; v++) if (remap[v] === 0) remap[v] = used++;
  const mesh: SurfaceMesh = {
    positions: new Float32Array(used * 3),
    normals: new Float32Array(used * 3),
    colors: new Uint8Array(used * 3),
    indices: faces,
    vertexCount: used,
    faceCount: faces.length / 3,
  };
  for (let v = 0; v < all.count; v++) {
    const w = remap[v]!;
    if (w < 0) continue;
    for (let k = 0; k < 3; k++) {
      mesh.positions[w * 3 + k] = all.positions[v * 3 + k]!;
      mesh.normals[w * 3 + k] = all.normals[v * 3 + k]!;
      mesh.colors[w * 3 + k] = all.colors[v * 3 + k]!;
    }
  }
  for (let i = 0; i < faces.length; i++) faces[i] = remap[faces[i]!]!;
  return mesh;
}

// Corner c of a cube at (c & 1, c >> 1 & 1, c >> 2 & 1): its offset inside a block.
const CORNER_OFFSET = new Int32Array([0, 1, 8, 9, 64, 65, 72, 73]);

/** Pass 3: triangles of every cube, as vertex ids of pass 1's numbering. */
function marchCubes(volume: TsdfVolume, ev: EdgeVertices, minWeight: number): Uint32Array {
  const n = volume.blockCount;
  const { mask, prefix, base } = ev;
  const tsdf = volume.tsdf;
  const weight = volume.weight;
  const nb = new Int32Array(27);
  const corner = new Int32Array(8);
  const edgeVertex = new Int32Array(12);
  let faces = new Uint32Array(Math.max(1024, base[n]! * 6));
  let f = 0;
  for (let s = 0; s < n; s++) {
    gatherNeighbours(volume, s, nb);
    // A cube of this block has its edges' owners here or in the +x/+y/+z neighbours; none of them
    // has a vertex → no cube here crosses the surface.
    let any = base[s + 1]! > base[s]!;
    for (let k = 0; k < 8 && !any; k++) {
      const o = nb[13 + (k & 1) + 3 * ((k >> 1) & 1) + 9 * ((k >> 2) & 1)]!;
      if (o >= 0 && base[o + 1]! > base[o]!) any = true;
    }
    if (!any) continue;
    let i = s * BLOCK_VOXELS;
    for (let z = 0; z < 8; z++)
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++, i++) {
          const inner = x < 7 && y < 7 && z < 7;
          let cubeCase = 0;
          let ok = true;
          for (let c = 0; c < 8; c++) {
            const j = inner ? i + CORNER_OFFSET[c]! : voxelAt(nb, x + (c & 1), y + ((c >> 1) & 1), z + ((c >> 2) & 1));
            if (j < 0 || !(weight[j]! >= minWeight)) {
              ok = false;
              break;
            }
            corner[c] = j;
            if (tsdf[j]! < 0) cubeCase |= 1 << c;
          }
          if (!ok || cubeCase === 0 || cubeCase === 255) continue;
          for (let e = 0; e < 12; e++) edgeVertex[e] = -1;
          const end = MC_OFFSETS[cubeCase + 1]!;
          if (f + (end - MC_OFFSETS[cubeCase]!) > faces.length) {
            const grown = new Uint32Array(faces.length * 2);
            grown.set(faces);
            faces = grown;
          }
          for (let k = MC_OFFSETS[cubeCase]!; k < end; k++) {
            const e = MC_TRIANGLES[k]!;
            let id = edgeVertex[e]!;
            if (id < 0) {
              const owner = corner[MC_EDGE_OWNER[e]!]!;
              const a = MC_EDGE_AXIS[e]!;
              const ownerSlot = (owner / BLOCK_VOXELS) | 0;
              id = base[ownerSlot]! + prefix[owner]! + POPCOUNT3[mask[owner]! & ((1 << a) - 1)]!;
              edgeVertex[e] = id;
            }
            faces[f++] = id;
          }
        }
  }
  return faces.slice(0, f);
}
