/**
 * NumPy `.npy` files (format version 1.0): a magic string, a Python-literal header dict and the raw
 * little-endian array in C order. https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */

export type NpyArray = Float32Array | Uint16Array | Uint8Array;
export type NpyDtype = '<f4' | '<u2' | '|u1';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
// numpy >= 1.22 pads the header so the data starts on a 64-byte boundary (ARRAY_ALIGN).
const ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function dtypeOf(data: NpyArray): NpyDtype {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Uint16Array) return '<u2';
  return '|u1';
}

function checkShape(shape: readonly number[], length: number): void {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`npy: bad dimension ${d}`);
    n *= d;
  }
  if (n !== length) throw new RangeError(`npy: shape (${shape.join(', ')}) holds ${n} values, data has ${length}`);
}

/**
 * The NPY v1.0 header for `data` with `shape`, byte for byte as `numpy.save` (numpy ≥ 1.22) writes
 * it: magic, version, length, then `{'descr': '<f4', 'fortran_order': False, 'shape': (H, W), }`,
 * space-padded and newline-terminated so the data starts at a multiple of 64 bytes. Write the
 * array's own bytes after it (little-endian hosts) to save a large map without copying it.
 * Allocates the header only (≤ a few hundred bytes).
 */
export function encodeNpyHeader(data: NpyArray, shape: readonly number[]): Uint8Array {
  checkShape(shape, data.length);
  const descr = dtypeOf(data);
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  // numpy leaves room for the first axis to grow to 21 digits (in-place appends), then pads with
  // 1..64 spaces and a newline; copying both keeps the bytes identical to numpy.save's.
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1; // + '\n'
  dict += ' '.repeat(ALIGN - (unpadded % ALIGN)) + '\n';
  const headerLen = dict.length;
  if (headerLen > 0xffff) throw new RangeError('npy: header too long for format 1.0');
  const out = new Uint8Array(10 + headerLen);
  out.set(MAGIC, 0);
  out[6] = 1; // major version
  out[7] = 0; // minor version
  out[8] = headerLen & 0xff;
  out[9] = headerLen >>> 8;
  for (let i = 0; i < headerLen; i++) out[10 + i] = dict.charCodeAt(i);
  return out;
}

/** True when typed arrays are little-endian here, so their bytes can follow the header as they are. */
export const NPY_NATIVE_LITTLE_ENDIAN = LITTLE_ENDIAN;

/**
 * Encodes `data` (C order, e.g. a row-major H×W depth map in metres with shape [H, W]) as a
 * complete NPY v1.0 file, identical to `numpy.save`'s (see {@link encodeNpyHeader}). Allocates the
 * output and copies the data (about 35 ms for a 12 MP float32 map — for maps that large, write
 * the header and the array's bytes separately instead).
 */
export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const header = encodeNpyHeader(data, shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  const offset = header.length;
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
  } else {
    const view = new DataView(out.buffer, offset);
    if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
    else for (let i = 0; i < data.length; i++) view.setUint16(i * 2, data[i]!, true);
  }
  return out;
}

export interface DecodedNpy {
  data: NpyArray;
  shape: number[];
  dtype: NpyDtype;
}

/**
 * Decodes an NPY v1/v2/v3 file holding a C-order little-endian float32, uint16 or uint8 array (the
 * kinds {@link encodeNpy} writes). Throws on anything else. Allocates a copy of the data (aligned).
 */
export function decodeNpy(file: Uint8Array): DecodedNpy {
  for (let i = 0; i < MAGIC.length; i++) if (file[i] !== MAGIC[i]) throw new Error('npy: bad magic');
  const major = file[6];
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLen = view.getUint32(8, true);
    start = 12;
  } else throw new Error(`npy: unsupported version ${major}`);
  let header = '';
  for (let i = 0; i < headerLen; i++) header += String.fromCharCode(file[start + i] ?? 0);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error('npy: bad header');
  if (fortran === 'True') throw new Error('npy: Fortran order is not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  const dtype: NpyDtype =
    descr === '<f4' ? '<f4' : descr === '<u2' ? '<u2' : descr === '|u1' || descr === '<u1' ? '|u1' : badDtype(descr);
  const size = dtype === '<f4' ? 4 : dtype === '<u2' ? 2 : 1;
  if (file.byteLength - offset < count * size) throw new Error('npy: file is shorter than its shape says');
  const data =
    dtype === '<f4' ? new Float32Array(count) : dtype === '<u2' ? new Uint16Array(count) : new Uint8Array(count);
  if (LITTLE_ENDIAN || size === 1) {
    new Uint8Array(data.buffer).set(file.subarray(offset, offset + count * size));
  } else if (data instanceof Float32Array) {
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + i * 4, true);
  } else {
    for (let i = 0; i < count; i++) data[i] = view.getUint16(offset + i * 2, true);
  }
  return { data, shape, dtype };
}

function badDtype(descr: string): never {
  throw new Error(`npy: unsupported dtype ${descr}`);
}
