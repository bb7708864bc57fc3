/** Measures of triangle meshes (packed xyz positions, vertex-index triples). */

/** Total triangle area, square metres (for positions in metres). No allocation; O(faces). */
export function meshArea(positions: Float32Array, indices: Uint32Array, faceCount = indices.length / 3): number {
  let area = 0;
  for (let f = 0; f < faceCount; f++) {
    const a = 3 * indices[3 * f]!;
    const b = 3 * indices[3 * f + 1]!;
    const c = 3 * indices[3 * f + 2]!;
    const ux = positions[b]! - positions[a]!;
    const uy = positions[b + 1]! - positions[a + 1]!;
    const uz = positions[b + 2]! - positions[a + 2]!;
    const vx = positions[c]! - positions[a]!;
    const vy = positions[c + 1]! - positions[a + 1]!;
    const vz = positions[c + 2]! - positions[a + 2]!;
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    area += 0.5 * Math.sqrt(nx * nx + ny * ny + nz * nz);
  }
  return area;
}

/**
 * Signed enclosed volume, cubic metres, by the divergence theorem (Σ p0 · (p1 × p2) / 6): the
 * volume of a closed mesh whose faces wind counter-clockwise seen from outside (as
 * extractMesh's do), negative for the opposite winding, meaningless for an open mesh.
 * No allocation; O(faces).
 */
export function meshSignedVolume(
  positions: Float32Array,
  indices: Uint32Array,
  faceCount = indices.length / 3,
): number {
  let v = 0;
  for (let f = 0; f < faceCount; f++) {
    const a = 3 * indices[3 * f]!;
    const b = 3 * indices[3 * f + 1]!;
    const c = 3 * indices[3 * f + 2]!;
    const ax = positions[a]!, ay = positions[a + 1]!, az = positions[a + 2]!; // prettier-ignore
    const bx = positions[b]!, by = positions[b + 1]!, bz = positions[b + 2]!; // prettier-ignore
    const cx = positions[c]!, cy = positions[c + 1]!, cz = positions[c + 2]!; // prettier-ignore
    v += ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx);
  }
  return v / 6;
}
