/**
 * The marching-cubes case table, generated at load from the cube's topology instead of typed in,
 * with one disambiguation rule for the ambiguous faces (two diagonal corners inside): the inside
 * (negative) corners are always separated. The rule depends only on a face's four signs, so the
 * two cubes sharing a face cut it the same way and the mesh has no cracks; every triangle is wound
 * counter-clockwise seen from the positive (outside, free-space) side.
 *
 * Corners: corner c sits at (c & 1, (c >> 1) & 1, (c >> 2) & 1). Edges: edge a·4 + k runs along
 * axis a (0 x, 1 y, 2 z) from its *owner* corner — bit a clear, the other two axes' bits
 * (b = (a + 1) % 3, then (a + 2) % 3) taken from k's bits 0 and 1 — to owner | (1 << a). Case index:
 * bit c set when corner c is negative (inside).
 */

function edgeBetween(c0: number, c1: number): number {
  const diff = c0 ^ c1;
  const a = diff === 1 ? 0 : diff === 2 ? 1 : 2;
  const owner = c0 & c1;
  const b = (a + 1) % 3;
  const c = (a + 2) % 3;
  return a * 4 + ((owner >> b) & 1) + 2 * ((owner >> c) & 1);
}

/** Bit mask of the two cube faces (axis · 2 + side) that edge `e` lies on. */
function edgeFaces(e: number): number {
  const a = e >> 2;
  const b = (a + 1) % 3;
  const c = (a + 2) % 3;
  return (1 << (b * 2 + (e & 1))) | (1 << (c * 2 + ((e >> 1) & 1)));
}

/**
 * Triangulates the sub-polygon loop[i..j] (loop order kept, so the winding is kept) into `out`
 * so that no diagonal joins two vertices on the same cube face: such a diagonal would lie in the
 * face, where the neighbouring cube may draw the same edge, making the mesh non-manifold. The
 * fixed edge (loop[j], loop[i]) closes the sub-polygon; tries each apex k in turn (polygons have
 * at most 12 vertices). Returns false when no such triangulation exists.
 */
function triangulate(loop: number[], i: number, j: number, out: number[]): boolean {
  if (j - i < 2) return true;
  const mark = out.length;
  for (let k = i + 1; k < j; k++) {
    const diagonalOk = (p: number, q: number) => q - p < 2 || (edgeFaces(loop[p]!) & edgeFaces(loop[q]!)) === 0;
    if (!diagonalOk(i, k) || !diagonalOk(k, j)) continue;
    out.push(loop[i]!, loop[k]!, loop[j]!);
    if (triangulate(loop, i, k, out) && triangulate(loop, k, j, out)) return true;
    out.length = mark;
  }
  return false;
}

interface McTable {
  triangles: Uint8Array;
  offsets: Uint16Array;
  edgeOwner: Uint8Array;
  edgeAxis: Uint8Array;
}

function buildTable(): McTable {
  const offsets = new Uint16Array(257);
  const edgeOwner = new Uint8Array(12);
  const edgeAxis = new Uint8Array(12);
  for (let e = 0; e < 12; e++) {
    const a = e >> 2;
    const k = e & 3;
    edgeAxis[e] = a;
    edgeOwner[e] = ((k & 1) << ((a + 1) % 3)) | (((k >> 1) & 1) << ((a + 2) % 3));
  }
  // Faces as corner cycles, counter-clockwise seen from outside the cube (right-handed about the
  // outward normal): for the +a face walk b then c (e_b × e_c = e_a); for the −a face the reverse.
  const faces: number[][] = [];
  for (let a = 0; a < 3; a++) {
    const b = (a + 1) % 3;
    const c = (a + 2) % 3;
    const at = (s: number, i: number, j: number) => (s << a) | (i << b) | (j << c);
    faces.push([at(1, 0, 0), at(1, 1, 0), at(1, 1, 1), at(1, 0, 1)]);
    faces.push([at(0, 0, 0), at(0, 0, 1), at(0, 1, 1), at(0, 1, 0)]);
  }
  const next = new Int8Array(12);
  const seen = new Uint8Array(12);
  const tris: number[] = [];
  for (let cubeCase = 0; cubeCase < 256; cubeCase++) {
    offsets[cubeCase] = tris.length;
    next.fill(-1);
    const neg = (corner: number) => (cubeCase >> corner) & 1;
    for (const f of faces) {
      // Crossings in walk order: 'in' where the walk goes negative → positive, 'out' the reverse.
      // The contour on the face runs from each 'out' crossing to the following 'in' crossing: that
      // cuts each run of negative corners off on its own (the separating rule), and is the boundary
      // direction of a surface whose normal points to the positive side (τ = g × n, g the in-face
      // gradient, n the outward face normal).
      const edges: number[] = [];
      const isIn: boolean[] = [];
      for (let i = 0; i < 4; i++) {
        const p = f[i]!;
        const q = f[(i + 1) & 3]!;
        if (neg(p) === neg(q)) continue;
        edges.push(edgeBetween(p, q));
        isIn.push(neg(p) === 1);
      }
      for (let i = 0; i < edges.length; i++) if (!isIn[i]) next[edges[i]!] = edges[(i + 1) % edges.length]!;
    }
    // Chain the segments into loops (every crossing edge is 'out' on one of its two faces and 'in'
    // on the other, so each has exactly one successor) and fan-triangulate each loop.
    seen.fill(0);
    for (let start = 0; start < 12; start++) {
      if (next[start]! < 0 || seen[start]) continue;
      const loop: number[] = [];
      for (let e = start; !seen[e]; e = next[e]!) {
        seen[e] = 1;
        loop.push(e);
      }
      if (!triangulate(loop, 0, loop.length - 1, tris))
        throw new Error(`marching cubes: no face-free triangulation for case ${cubeCase}`);
    }
  }
  offsets[256] = tris.length;
  return { triangles: Uint8Array.from(tris), offsets, edgeOwner, edgeAxis };
}

const TABLE = buildTable();
/** Triangles of all cases, as edge triples; case c's are `MC_TRIANGLES[MC_OFFSETS[c] .. MC_OFFSETS[c + 1])`. */
export const MC_TRIANGLES: Uint8Array = TABLE.triangles;
/** Start of each case's triangles in {@link MC_TRIANGLES} (257 entries; at most 5 triangles a case). */
export const MC_OFFSETS: Uint16Array = TABLE.offsets;
/** Owner corner of each of the 12 edges. */
export const MC_EDGE_OWNER: Uint8Array = TABLE.edgeOwner;
/** Axis of each of the 12 edges. */
export const MC_EDGE_AXIS: Uint8Array = TABLE.edgeAxis;
