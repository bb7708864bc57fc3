/**
 * Binary PLY point clouds (binary_little_endian 1.0), readable by MeshLab, CloudCompare, Open3D,
 * Blender and three.js' PLYLoader.
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
  const comments = cloud.comments ?? [DEFAULT_PLY_COMMENT];
  let header = 'ply\nformat binary_little_endian 1.0\n';
  for (const c of comments) {
    if (/[\r\n]/.test(c)) throw new RangeError('ply: a comment cannot contain a line break');
    header += `comment ${c}\n`;
  }
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
