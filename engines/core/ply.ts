/**
 * Binary PLY point clouds and triangle meshes (binary_little_endian 1.0), readable by MeshLab,
 * CloudCompare, Open3D, Blender and three.js' PLYLoader.
 */

export interface PlyPointCloud {
  /** Packed xyz, metres. */
  positions: Float32Array;
  /** Packed rgb 0..255, one triple per point; omitted → no colour properties. */
  colors?: Uint8Array | undefined;
  /** Number of points to write (default positions.length / 3). */
  count?: number | undefined;
  /**
   * Header comment lines (no newlines). Default: one line saying the units and the frame
   * (camera frame, OpenCV axes).
   */
  comments?: readonly string[] | undefined;
}

export const DEFAULT_PLY_COMMENT = 'SpatialForge: units metres; frame camera (OpenCV: x right, y down, z forward)';

/**
 * Encodes a point cloud as binary little-endian PLY: `element vertex N`, `float x y z` and, when
 * colours are given, `uchar red green blue` (15 bytes per coloured point, 12 without). Allocates
 * the output once; O(N) with no per-point allocation.
 */
export function encodePly(cloud: PlyPointCloud): Uint8Array {
  const { positions, colors } = cloud;
  const count = cloud.count ?? Math.floor(positions.length / 3);
  if (!Number.isInteger(count) || count < 0 || count * 3 > positions.length) {
    throw new RangeError(`ply: count ${count} exceeds the ${Math.floor(positions.length / 3)} positions given`);
  }
  if (colors !== undefined && count * 3 > colors.length) {
    throw new RangeError(`ply: count ${count} exceeds the ${Math.floor(colors.length / 3)} colours given`);
  }
  let header = 'ply\nformat binary_little_endian 1.0\n';
  header += commentLines(cloud.comments ?? [DEFAULT_PLY_COMMENT]);
  header += `element vertex ${count}\nproperty float x\nproperty float y\nproperty float z\n`;
  if (colors !== undefined) header += 'property uchar red\nproperty uchar green\nproperty uchar blue\n';
  header += 'end_header\n';

  const headerBytes = asciiBytes(header);
  const stride = colors !== undefined ? 15 : 12;
  const out = new Uint8Array(headerBytes.length + count * stride);
  out.set(headerBytes, 0);
  const view = new DataView(out.buffer, headerBytes.length);
  if (colors !== undefined) {
    for (let i = 0, o = 0; i < count; i++, o += 15) {
      const p = i * 3;
      view.setFloat32(o, positions[p]!, true);
      view.setFloat32(o + 4, positions[p + 1]!, true);
      view.setFloat32(o + 8, positions[p + 2]!, true);
      view.setUint8(o + 12, colors[p]!);
      view.setUint8(o + 13, colors[p + 1]!);
      view.setUint8(o + 14, colors[p + 2]!);
    }
  } else {
    for (let i = 0, o = 0; i < count; i++, o += 12) {
      const p = i * 3;
      view.setFloat32(o, positions[p]!, true);
      view.setFloat32(o + 4, positions[p + 1]!, true);
      view.setFloat32(o + 8, positions[p + 2]!, true);
    }
  }
  return out;
}

export interface DecodedPly {
  positions: Float32Array;
  colors: Uint8Array | null;
  count: number;
  comments: string[];
}

/**
 * Reads back a binary little-endian PLY with one vertex element of float x, y, z and optional uchar
 * red, green, blue (what {@link encodePly} writes; other layouts throw). Allocates the arrays.
 */
export function decodePly(file: Uint8Array): DecodedPly {
  const end = indexOfBytes(file, 'end_header\n');
  if (end < 0) throw new Error('ply: no end_header');
  let headerText = '';
  for (let i = 0; i < end; i++) headerText += String.fromCharCode(file[i]!);
  const lines = headerText.split('\n').filter((l) => l.length > 0);
  if (lines[0] !== 'ply') throw new Error('ply: bad magic');
  if (lines[1] !== 'format binary_little_endian 1.0') throw new Error(`ply: unsupported ${lines[1] ?? 'format'}`);
  const comments: string[] = [];
  const props: string[] = [];
  let count = -1;
  for (const line of lines.slice(2)) {
    const parts = line.split(' ');
    if (parts[0] === 'comment') comments.push(line.slice('comment '.length));
    else if (parts[0] === 'element') {
      if (parts[1] !== 'vertex' || count >= 0) throw new Error('ply: only one vertex element is supported');
      count = Number(parts[2]);
    } else if (parts[0] === 'property') props.push(`${parts[1]} ${parts[2]}`);
  }
  const xyz = ['float x', 'float y', 'float z'];
  const rgb = ['uchar red', 'uchar green', 'uchar blue'];
  const hasColor = props.length === 6;
  const expected = hasColor ? [...xyz, ...rgb] : xyz;
  if (!Number.isInteger(count) || count < 0 || props.join('|') !== expected.join('|')) {
    throw new Error(`ply: unsupported vertex layout ${props.join(', ')}`);
  }
  const stride = hasColor ? 15 : 12;
  const body = end + 'end_header\n'.length;
  if (file.byteLength - body < count * stride) throw new Error('ply: file is shorter than its header says');
  const view = new DataView(file.buffer, file.byteOffset + body, count * stride);
  const positions = new Float32Array(count * 3);
  const colors = hasColor ? new Uint8Array(count * 3) : null;
  for (let i = 0, o = 0; i < count; i++, o += stride) {
    positions[i * 3] = view.getFloat32(o, true);
    positions[i * 3 + 1] = view.getFloat32(o + 4, true);
    positions[i * 3 + 2] = view.getFloat32(o + 8, true);
    if (colors !== null) {
      colors[i * 3] = view.getUint8(o + 12);
      colors[i * 3 + 1] = view.getUint8(o + 13);
      colors[i * 3 + 2] = view.getUint8(o + 14);
    }
  }
  return { positions, colors, count, comments };
}

// The header is ASCII by the PLY spec (and no TextEncoder exists in the pure runtime).
function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7e) throw new RangeError('ply: header text must be ASCII');
    out[i] = c;
  }
  return out;
}

function indexOfBytes(haystack: Uint8Array, needle: string): number {
  const n = needle.length;
  const limit = Math.min(haystack.length, 64 * 1024) - n; // headers are small
  outer: for (let i = 0; i <= limit; i++) {
    for (let j = 0; j < n; j++) if (haystack[i + j] !== needle.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

export interface PlyMesh {
  /** Packed xyz per vertex, metres. */
  positions: Float32Array;
  /** Packed unit normals per vertex; omitted → no normal properties. */
  normals?: Float32Array | undefined;
  /** Packed rgb 0..255 per vertex; omitted → no colour properties. */
  colors?: Uint8Array | undefined;
  /** Vertex index triples, one per triangle (counter-clockwise seen from the front). */
  indices: Uint32Array;
  /** Vertices to write (default positions.length / 3). */
  vertexCount?: number | undefined;
  /** Triangles to write (default indices.length / 3). */
  faceCount?: number | undefined;
  /** Header comment lines (no newlines). Default: {@link DEFAULT_PLY_MESH_COMMENT}. */
  comments?: readonly string[] | undefined;
}

export const DEFAULT_PLY_MESH_COMMENT =
  'SpatialForge: units metres; frame world (camFromWorld: x_cam = R x_world + t, OpenCV camera axes)';

/**
 * Encodes a triangle mesh as binary little-endian PLY: `element vertex N` with `float x y z`,
 * optional `float nx ny nz` and `uchar red green blue`, then `element face F` with
 * `property list uchar int vertex_indices` (every face a triangle: 13 bytes). Throws RangeError
 * for counts beyond the arrays or an index ≥ the vertex count (or > 2³¹ − 1, PLY's int). With no
 * faces it is a point cloud with normals (`element face 0`; Open3D's read_point_cloud and MeshLab
 * take it). Allocates the output once; O(N + F) with no per-element allocation.
 */
export function encodePlyMesh(mesh: PlyMesh): Uint8Array {
  const { positions, normals, colors, indices } = mesh;
  const n = mesh.vertexCount ?? Math.floor(positions.length / 3);
  const f = mesh.faceCount ?? Math.floor(indices.length / 3);
  if (!Number.isInteger(n) || n < 0 || n * 3 > positions.length)
    throw new RangeError(`ply: vertexCount ${n} exceeds the ${Math.floor(positions.length / 3)} positions given`);
  if (normals !== undefined && n * 3 > normals.length)
    throw new RangeError(`ply: vertexCount ${n} exceeds the ${Math.floor(normals.length / 3)} normals given`);
  if (colors !== undefined && n * 3 > colors.length)
    throw new RangeError(`ply: vertexCount ${n} exceeds the ${Math.floor(colors.length / 3)} colours given`);
  if (!Number.isInteger(f) || f < 0 || f * 3 > indices.length)
    throw new RangeError(`ply: faceCount ${f} exceeds the ${Math.floor(indices.length / 3)} triangles given`);
  if (n > 0x7fffffff) throw new RangeError('ply: more vertices than a PLY int can index');
  for (let i = 0; i < f * 3; i++)
    if (indices[i]! >= n) throw new RangeError(`ply: face index ${indices[i]} is not below the vertex count ${n}`);

  let header = 'ply\nformat binary_little_endian 1.0\n';
  header += commentLines(mesh.comments ?? [DEFAULT_PLY_MESH_COMMENT]);
  header += `element vertex ${n}\nproperty float x\nproperty float y\nproperty float z\n`;
  if (normals !== undefined) header += 'property float nx\nproperty float ny\nproperty float nz\n';
  if (colors !== undefined) header += 'property uchar red\nproperty uchar green\nproperty uchar blue\n';
  header += `element face ${f}\nproperty list uchar int vertex_indices\nend_header\n`;

  const headerBytes = asciiBytes(header);
  const stride = 12 + (normals !== undefined ? 12 : 0) + (colors !== undefined ? 3 : 0);
  const out = new Uint8Array(headerBytes.length + n * stride + f * 13);
  out.set(headerBytes, 0);
  const view = new DataView(out.buffer, headerBytes.length);
  for (let i = 0, o = 0; i < n; i++, o += stride) {
    const p = i * 3;
    view.setFloat32(o, positions[p]!, true);
    view.setFloat32(o + 4, positions[p + 1]!, true);
    view.setFloat32(o + 8, positions[p + 2]!, true);
    let q = o + 12;
    if (normals !== undefined) {
      view.setFloat32(q, normals[p]!, true);
      view.setFloat32(q + 4, normals[p + 1]!, true);
      view.setFloat32(q + 8, normals[p + 2]!, true);
      q += 12;
    }
    if (colors !== undefined) {
      view.setUint8(q, colors[p]!);
      view.setUint8(q + 1, colors[p + 1]!);
      view.setUint8(q + 2, colors[p + 2]!);
    }
  }
  for (let i = 0, o = n * stride; i < f; i++, o += 13) {
    view.setUint8(o, 3);
    view.setInt32(o + 1, indices[i * 3]!, true);
    view.setInt32(o + 5, indices[i * 3 + 1]!, true);
    view.setInt32(o + 9, indices[i * 3 + 2]!, true);
  }
  return out;
}

export interface DecodedPlyMesh {
  positions: Float32Array;
  normals: Float32Array | null;
  colors: Uint8Array | null;
  indices: Uint32Array;
  vertexCount: number;
  faceCount: number;
  comments: string[];
}

/**
 * Reads back a binary little-endian triangle mesh in the layout {@link encodePlyMesh} writes
 * (float x y z, optional float nx ny nz, optional uchar red green blue; faces as
 * `list uchar int vertex_indices`, all triangles); other layouts throw. Allocates the arrays.
 */
export function decodePlyMesh(file: Uint8Array): DecodedPlyMesh {
  const end = indexOfBytes(file, 'end_header\n');
  if (end < 0) throw new Error('ply: no end_header');
  let headerText = '';
  for (let i = 0; i < end; i++) headerText += String.fromCharCode(file[i]!);
  const lines = headerText.split('\n').filter((l) => l.length > 0);
  if (lines[0] !== 'ply') throw new Error('ply: bad magic');
  if (lines[1] !== 'format binary_little_endian 1.0') throw new Error(`ply: unsupported ${lines[1] ?? 'format'}`);
  const comments: string[] = [];
  const vertexProps: string[] = [];
  const faceProps: string[] = [];
  let n = -1;
  let f = -1;
  let element = '';
  for (const line of lines.slice(2)) {
    const parts = line.split(' ');
    if (parts[0] === 'comment') comments.push(line.slice('comment '.length));
    else if (parts[0] === 'element') {
      element = parts[1] ?? '';
      if (element === 'vertex' && n < 0 && f < 0) n = Number(parts[2]);
      else if (element === 'face' && n >= 0 && f < 0) f = Number(parts[2]);
      else throw new Error('ply: expected one vertex element followed by one face element');
    } else if (parts[0] === 'property') (element === 'vertex' ? vertexProps : faceProps).push(parts.slice(1).join(' '));
  }
  if (f < 0) throw new Error('ply: no face element (a point cloud: use decodePly)');
  const hasNormals = vertexProps.includes('float nx');
  const hasColors = vertexProps.includes('uchar red');
  const expected = ['float x', 'float y', 'float z'];
  if (hasNormals) expected.push('float nx', 'float ny', 'float nz');
  if (hasColors) expected.push('uchar red', 'uchar green', 'uchar blue');
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(f) || f < 0 || vertexProps.join('|') !== expected.join('|'))
    throw new Error(`ply: unsupported vertex layout ${vertexProps.join(', ')}`);
  if (faceProps.join('|') !== 'list uchar int vertex_indices')
    throw new Error(`ply: unsupported face layout ${faceProps.join(', ')}`);
  const stride = 12 + (hasNormals ? 12 : 0) + (hasColors ? 3 : 0);
  const body = end + 'end_header\n'.length;
  if (file.byteLength - body < n * stride + f * 13) throw new Error('ply: file is shorter than its header says');
  const view = new DataView(file.buffer, file.byteOffset + body, n * stride + f * 13);
  const positions = new Float32Array(n * 3);
  const normals = hasNormals ? new Float32Array(n * 3) : null;
  const colors = hasColors ? new Uint8Array(n * 3) : null;
  for (let i = 0, o = 0; i < n; i++, o += stride) {
    const p = i * 3;
    positions[p] = view.getFloat32(o, true);
    positions[p + 1] = view.getFloat32(o + 4, true);
    positions[p + 2] = view.getFloat32(o + 8, true);
    let q = o + 12;
    if (normals !== null) {
      normals[p] = view.getFloat32(q, true);
      normals[p + 1] = view.getFloat32(q + 4, true);
      normals[p + 2] = view.getFloat32(q + 8, true);
      q += 12;
    }
    if (colors !== null) {
      colors[p] = view.getUint8(q);
      colors[p + 1] = view.getUint8(q + 1);
      colors[p + 2] = view.getUint8(q + 2);
    }
  }
  const indices = new Uint32Array(f * 3);
  for (let i = 0, o = n * stride; i < f; i++, o += 13) {
    if (view.getUint8(o) !== 3) throw new Error(`ply: face ${i} is not a triangle`);
    for (let k = 0; k < 3; k++) {
      const v = view.getInt32(o + 1 + 4 * k, true);
      if (v < 0 || v >= n) throw new Error(`ply: face ${i} indexes vertex ${v} of ${n}`);
      indices[i * 3 + k] = v;
    }
  }
  return { positions, normals, colors, indices, vertexCount: n, faceCount: f, comments };
}

function commentLines(comments: readonly string[]): string {
  let out = '';
  for (const c of comments) {
    if (/[\r\n]/.test(c)) throw new RangeError('ply: a comment cannot contain a line break');
    out += `comment ${c}\n`;
  }
  return out;
}
