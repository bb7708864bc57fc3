/**
 * Truncated signed distance fusion (Curless & Levoy; KinectFusion's projective TSDF) over a sparse
 * voxel-block hash (Nießner et al.'s voxel hashing, as in Open3D's VoxelBlockGrid).
 *
 * Grid: voxel (gx, gy, gz) is the world point (gx, gy, gz) · voxelSizeM (voxel *centres* on the
 * integer lattice, like Open3D). Voxels come in blocks of 8³; block (bx, by, bz) holds voxels
 * 8·b + (0..7) on each axis. Blocks are allocated on demand and found through an open-addressing
 * hash (linear probing, load ≤ 1/2) keyed by block coordinates. Voxel data live in a few large
 * typed arrays, block-major: voxel (x, y, z) of the block in slot s is at s·512 + z·64 + y·8 + x.
 *
 * Values: `tsdf` is the signed distance along the camera's optical axis (depth − z of the voxel,
 * metres), divided by the truncation distance and clamped to ≤ 1: positive in front of the
 * surface (free space), negative behind it; voxels more than one truncation distance behind the
 * observed surface are left alone. `weight` is the sum of the observation weights (0 = never
 * observed); `color` the weighted mean RGB (0..255, rounded at each update) of the observations
 * that fell inside the truncation band (|d − z| < truncation; a voxel in free space would take the
 * colour of whatever surface lies behind it — InfiniTAM restricts colour the same way), with its
 * own accumulated weight `colorWeight`.
 *
 * Camera: camFromWorld, x_cam = R·x_world + t, R row-major 3×3, OpenCV axes (x right, y down,
 * z forward); pixels follow engines/core/camera.ts (pixel (i, j) covers [i, i+1) × [j, j+1)), so a
 * voxel projecting to (u, v) reads the depth of pixel (⌊u⌋, ⌊v⌋) (nearest pixel centre).
 */
import type { Intrinsics } from '../core/camera.js';

/** Voxels per block edge (fixed: indexing uses shifts by 3). */
export const BLOCK_RESOLUTION = 8;
/** Voxels per block. */
export const BLOCK_VOXELS = 512;

/** A rigid camFromWorld transform: x_cam = R·x_world + t (R row-major 3×3, t in metres). */
export interface CamFromWorldLike {
  readonly R: ArrayLike<number>;
  readonly t: ArrayLike<number>;
}

export interface TsdfVolumeOptions {
  /** Voxel edge length, metres; default 0.02. */
  voxelSizeM?: number;
  /** Truncation distance, metres (> 0); default 4 voxels. */
  truncationM?: number;
  /**
   * Most blocks the volume may hold (each 512 voxels × 15 bytes ≈ 7.5 KiB plus ~50 bytes of
   * bookkeeping); default 65536 (≈ 490 MiB). Observations that would need more are dropped and
   * counted in {@link IntegrateReport.droppedBlocks}.
   */
  maxBlocks?: number;
  /** Blocks allocated up front (the arrays then grow by doubling); default 1024. */
  initialBlocks?: number;
}

export interface IntegrateOptions {
  /** Depths below this are ignored, metres; default 0 (any positive depth). */
  minDepthM?: number;
  /** Depths above this are ignored, metres; default 5. */
  maxDepthM?: number;
  /** Observation weight of every pixel (> 0); default 1. */
  weight?: number;
  /** Per-pixel weights (confidence), width × height, multiplied with `weight`; ≤ 0 skips the pixel. */
  pixelWeight?: Float32Array;
  /** Weights saturate at this value (a smaller cap lets later frames override older ones); default Infinity. */
  maxWeight?: number;
  /**
   * Every `touchStridePx`-th pixel on each axis is unprojected to find the blocks the frame
   * touches (integer ≥ 1); default 4. Its footprint at the far depth should stay well below a block
   * (8 voxels); 1 is exhaustive.
   */
  touchStridePx?: number;
}

/** What one {@link TsdfVolume.integrate} call did. */
export interface IntegrateReport {
  /** Blocks visited (touched by the frame). */
  blocks: number;
  /** Of those, blocks allocated by this frame. */
  newBlocks: number;
  /**
   * Block allocations the frame needed but `maxBlocks` refused (those observations are lost); a
   * refused block can count more than once. Non-zero means the volume is full.
   */
  droppedBlocks: number;
  /** Voxel updates made. */
  voxelUpdates: number;
}

/** Size of the volume. */
export interface TsdfStats {
  blocks: number;
  /** blocks · 512 (allocated voxels, observed or not). */
  voxels: number;
  /** Voxels with weight > 0. */
  observedVoxels: number;
  /** Bytes of every typed array the volume holds now (voxel data, hash, bookkeeping). */
  bytes: number;
  /** Bytes the volume would hold at `maxBlocks` (its memory bound). */
  maxBytes: number;
  /** Frames integrated. */
  frames: number;
}

// Bytes per voxel: tsdf f32 + weight f32 + colour weight f32 + rgb u8×3.
const VOXEL_BYTES = 4 + 4 + 4 + 3;
// Per block slot besides voxels: coords (3 × i32) + frame stamp (i32) + touched list (i32).
const SLOT_BYTES = 12 + 4 + 4;
// Per hash entry: 3 × i32 key + i32 slot (at least two entries per block: load ≤ 1/2).
const HASH_ENTRY_BYTES = 16;

/** Hash of block coordinates (a murmur-style mix; linear probing wants low bits to be good). */
function blockHash(bx: number, by: number, bz: number): number {
  let h = Math.imul(bx, 0x9e3779b1) ^ Math.imul(by, 0x85ebca77) ^ Math.imul(bz, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h;
}

const checkPositive = (name: string, v: number) => {
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`tsdf: ${name} must be a finite number > 0, got ${v}`);
};

/**
 * A sparse TSDF volume. Construct once, {@link integrate} depth frames (each call is one frame, so a
 * caller can check for cancellation between frames), then extract a point cloud or a mesh with
 * `extractPointCloud` / `extractMesh` (surface.ts). Memory grows with the observed surface, up to
 * `maxBlocks`.
 */
export class TsdfVolume {
  readonly voxelSizeM: number;
  readonly truncationM: number;
  readonly maxBlocks: number;

  private blockCapacity: number;
  private count = 0;
  private frames = 0;
  private coords: Int32Array;
  private tsdfData: Float32Array;
  private weightData: Float32Array;
  private colorData: Uint8Array;
  private colorWeightData: Float32Array;
  private stamp: Int32Array;
  private touched: Int32Array;

  private lastBlock = new Int32Array(0);
  private hashMask: number;
  private hashKeys: Int32Array;
  private hashSlots: Int32Array;

  constructor(options: TsdfVolumeOptions = {}) {
    const voxelSizeM = options.voxelSizeM ?? 0.02;
    checkPositive('voxelSizeM', voxelSizeM);
    const truncationM = options.truncationM ?? 4 * voxelSizeM;
    checkPositive('truncationM', truncationM);
    const maxBlocks = options.maxBlocks ?? 65536;
    if (!(Number.isInteger(maxBlocks) && maxBlocks >= 1 && maxBlocks <= 4_000_000))
      throw new RangeError(`tsdf: maxBlocks must be an integer in [1, 4e6], got ${maxBlocks}`);
    const initial = Math.min(maxBlocks, options.initialBlocks ?? 1024);
    if (!(Number.isInteger(initial) && initial >= 1))
      throw new RangeError(`tsdf: initialBlocks must be an integer ≥ 1, got ${options.initialBlocks}`);
    this.voxelSizeM = voxelSizeM;
    this.truncationM = truncationM;
    this.maxBlocks = maxBlocks;
    this.blockCapacity = initial;
    this.coords = new Int32Array(initial * 3);
    this.tsdfData = new Float32Array(initial * BLOCK_VOXELS);
    this.weightData = new Float32Array(initial * BLOCK_VOXELS);
    this.colorData = new Uint8Array(initial * BLOCK_VOXELS * 3);
    this.colorWeightData = new Float32Array(initial * BLOCK_VOXELS);
    this.stamp = new Int32Array(initial);
    this.touched = new Int32Array(initial);
    let cap = 16;
    while (cap < 2 * initial) cap *= 2;
    this.hashMask = cap - 1;
    this.hashKeys = new Int32Array(cap * 3);
    this.hashSlots = new Int32Array(cap).fill(-1);
  }

  // Raw storage for surface extraction and inspection. The arrays are the volume's own (writing to
  // them changes it) and longer than needed: only slots < blockCount are meaningful. They are
  // replaced when the volume grows, so re-read them after integrate().

  /** Number of allocated blocks (slots 0 .. blockCount − 1 are in use). */
  get blockCount(): number {
    return this.count;
  }
  /** Block coordinates per slot, packed (bx, by, bz); valid for slots < blockCount. Read-only view. */
  get blockCoords(): Int32Array {
    return this.coords;
  }
  /** TSDF per voxel (see the module comment for the layout); valid for slots < blockCount. */
  get tsdf(): Float32Array {
    return this.tsdfData;
  }
  /** Accumulated weight per voxel; 0 = never observed. */
  get weight(): Float32Array {
    return this.weightData;
  }
  /** Mean RGB per voxel, packed. */
  get color(): Uint8Array {
    return this.colorData;
  }
  /** Accumulated weight of the colour observations per voxel; 0 = no colour yet. */
  get colorWeight(): Float32Array {
    return this.colorWeightData;
  }

  /** Slot of block (bx, by, bz), or −1 when it is not allocated. O(1) expected, no allocation. */
  findBlock(bx: number, by: number, bz: number): number {
    const keys = this.hashKeys;
    const slots = this.hashSlots;
    const mask = this.hashMask;
    for (let h = blockHash(bx, by, bz) & mask; ; h = (h + 1) & mask) {
      const s = slots[h]!;
      if (s < 0) return -1;
      const k = h * 3;
      if (keys[k] === bx && keys[k + 1] === by && keys[k + 2] === bz) return s;
    }
  }

  /** Size and memory now; O(blocks · 512) for the observed-voxel count. */
  stats(): TsdfStats {
    const w = this.weightData;
    let observed = 0;
    for (let i = 0, n = this.count * BLOCK_VOXELS; i < n; i++) if (w[i]! > 0) observed++;
    // The hash doubles once its load would pass 1/2: at maxBlocks it has this many entries.
    let maxHash = 16;
    while (maxHash < 2 * this.maxBlocks) maxHash *= 2;
    return {
      blocks: this.count,
      voxels: this.count * BLOCK_VOXELS,
      observedVoxels: observed,
      bytes:
        this.coords.byteLength +
        this.tsdfData.byteLength +
        this.weightData.byteLength +
        this.colorData.byteLength +
        this.colorWeightData.byteLength +
        this.stamp.byteLength +
        this.touched.byteLength +
        this.hashKeys.byteLength +
        this.hashSlots.byteLength,
      maxBytes: this.maxBlocks * (BLOCK_VOXELS * VOXEL_BYTES + SLOT_BYTES) + maxHash * HASH_ENTRY_BYTES,
      frames: this.frames,
    };
  }

  /**
   * Fuses one depth frame. `depthM`: z-depth per pixel (metres along the optical axis, row-major
   * `width` × `height`; 0, NaN or outside [minDepthM, maxDepthM] = no data). `K` for that image
   * size; `camFromWorld` of the frame; `rgb` optional packed RGB of the same size.
   *
   * Two passes, as Open3D's VoxelBlockGrid: (1) every `touchStridePx`-th valid pixel is
   * unprojected and the ray segment depth ± truncation is walked in half-block steps, allocating
   * and collecting the blocks it passes through; (2) every voxel of every collected block is
   * projected into the frame and, when the pixel has depth d and the voxel's z ≤ d + truncation,
   * updated with the observation min(1, (d − z) / truncation) (weighted running means of tsdf and,
   * inside the band, colour). Cost O(valid pixels / stride² + touched blocks · 512); allocates only when the
   * volume grows (arrays double) plus one small report object.
   */
  integrate(
    depthM: Float32Array,
    width: number,
    height: number,
    K: Readonly<Intrinsics>,
    camFromWorld: CamFromWorldLike,
    rgb?: Uint8Array | null,
    options: IntegrateOptions = {},
  ): IntegrateReport {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
      throw new RangeError(`tsdf: image size must be positive integers, got ${width}×${height}`);
    const npx = width * height;
    if (depthM.length < npx)
      throw new RangeError(`tsdf: depth has ${depthM.length} values, ${width}×${height} needs more`);
    if (rgb && rgb.length < npx * 3) throw new RangeError('tsdf: rgb is smaller than the depth map');
    const { fx, fy, cx, cy } = K;
    checkPositive('fx', fx);
    checkPositive('fy', fy);
    if (!Number.isFinite(cx) || !Number.isFinite(cy)) throw new RangeError('tsdf: cx and cy must be finite');
    const { R, t } = camFromWorld;
    if (R.length < 9 || t.length < 3) throw new RangeError('tsdf: camFromWorld needs R (9 numbers) and t (3)');
    const minDepth = options.minDepthM ?? 0;
    const maxDepth = options.maxDepthM ?? 5;
    if (!(minDepth >= 0 && maxDepth > minDepth && Number.isFinite(maxDepth)))
      throw new RangeError(`tsdf: need 0 ≤ minDepthM < maxDepthM < ∞, got ${minDepth}, ${maxDepth}`);
    const baseWeight = options.weight ?? 1;
    checkPositive('weight', baseWeight);
    const maxWeight = options.maxWeight ?? Infinity;
    if (!(maxWeight > 0)) throw new RangeError(`tsdf: maxWeight must be > 0, got ${maxWeight}`);
    const pixelWeight = options.pixelWeight ?? null;
    if (pixelWeight && pixelWeight.length < npx)
      throw new RangeError('tsdf: pixelWeight is smaller than the depth map');
    const stride = options.touchStridePx ?? 4;
    if (!(Number.isInteger(stride) && stride >= 1))
      throw new RangeError(`tsdf: touchStridePx must be an integer ≥ 1, got ${stride}`);
    for (let i = 0; i < 9; i++) if (!Number.isFinite(R[i]!)) throw new RangeError('tsdf: R must be finite');
    for (let i = 0; i < 3; i++) if (!Number.isFinite(t[i]!)) throw new RangeError('tsdf: t must be finite');

    this.frames++;
    // Depths strictly above 0 even when minDepthM is 0.
    const dLo = minDepth > 0 ? minDepth : Number.MIN_VALUE;
    const report: IntegrateReport = { blocks: 0, newBlocks: 0, droppedBlocks: 0, voxelUpdates: 0 };
    const nTouched = this.touchBlocks(depthM, width, height, K, R, t, dLo, maxDepth, stride, report);
    report.blocks = nTouched;
    report.voxelUpdates = integrateBlocks(
      this.touched,
      nTouched,
      this.coords,
      this.tsdfData,
      this.weightData,
      this.colorData,
      this.colorWeightData,
      this.voxelSizeM,
      this.truncationM,
      depthM,
      rgb ?? null,
      pixelWeight,
      width,
      height,
      fx,
      fy,
      cx,
      cy,
      R,
      t,
      dLo,
      maxDepth,
      baseWeight,
      maxWeight,
    );
    return report;
  }

  /** Pass 1 of {@link integrate}: fills `this.touched` with the frame's blocks, returns their count. */
  private touchBlocks(
    depthM: Float32Array,
    width: number,
    height: number,
    K: Readonly<Intrinsics>,
    R: ArrayLike<number>,
    t: ArrayLike<number>,
    dLo: number,
    dHi: number,
    stride: number,
    report: IntegrateReport,
  ): number {
    const r00 = R[0]!, r01 = R[1]!, r02 = R[2]!; // prettier-ignore
    const r10 = R[3]!, r11 = R[4]!, r12 = R[5]!; // prettier-ignore
    const r20 = R[6]!, r21 = R[7]!, r22 = R[8]!; // prettier-ignore
    const t0 = t[0]!, t1 = t[1]!, t2 = t[2]!; // prettier-ignore
    // Camera centre C = −Rᵀt; the ray of normalised pixel (x, y) is C + z·Rᵀ(x, y, 1).
    const Cx = -(r00 * t0 + r10 * t1 + r20 * t2);
    const Cy = -(r01 * t0 + r11 * t1 + r21 * t2);
    const Cz = -(r02 * t0 + r12 * t1 + r22 * t2);
    const invBlock = 1 / (this.voxelSizeM * BLOCK_RESOLUTION);
    // Voxel centres sit on the lattice, so block b spans voxel centres [8b, 8b + 7]; a point belongs
    // to the block of its nearest voxel centre: floor((p / voxel + 0.5) / 8).
    const half = 0.5 / BLOCK_RESOLUTION;
    const trunc = this.truncationM;
    const halfBlockM = 0.5 * this.voxelSizeM * BLOCK_RESOLUTION;
    const invFx = 1 / K.fx;
    const invFy = 1 / K.fy;
    const frame = this.frames;
    let n = 0;
    // The k-th sample of neighbouring rays mostly falls in the same block: remember the last
    // block of each sample index and skip the hash for repeats (blocks are 16 cm, samples 4 px apart).
    const maxSteps = Math.ceil((2 * trunc * this.maxRayLength(K, width, height)) / halfBlockM) + 1;
    if (this.lastBlock.length < 3 * maxSteps) this.lastBlock = new Int32Array(3 * maxSteps);
    const last = this.lastBlock.fill(0x7fffffff);
    const y0 = Math.min(height - 1, stride >> 1);
    const x0 = Math.min(width - 1, stride >> 1);
    for (let y = y0; y < height; y += stride) {
      const yn = (y + 0.5 - K.cy) * invFy;
      const row = y * width;
      for (let x = x0; x < width; x += stride) {
        const d = depthM[row + x]!;
        if (!(d >= dLo && d <= dHi)) continue;
        const xn = (x + 0.5 - K.cx) * invFx;
        // Ray direction per unit of z, world frame: Rᵀ(xn, yn, 1).
        const rx = r00 * xn + r10 * yn + r20;
        const ry = r01 * xn + r11 * yn + r21;
        const rz = r02 * xn + r12 * yn + r22;
        const za = d - trunc > 0 ? d - trunc : 0;
        const zb = d + trunc;
        const len = (zb - za) * Math.sqrt(rx * rx + ry * ry + rz * rz);
        const steps = Math.min(maxSteps - 1, Math.ceil(len / halfBlockM));
        const dz = (zb - za) / steps;
        for (let k = 0, l = 0; k <= steps; k++, l += 3) {
          const z = za + k * dz;
          const bx = Math.floor((Cx + z * rx) * invBlock + half);
          const by = Math.floor((Cy + z * ry) * invBlock + half);
          const bz = Math.floor((Cz + z * rz) * invBlock + half);
          if (bx === last[l] && by === last[l + 1] && bz === last[l + 2]) continue;
          last[l] = bx;
          last[l + 1] = by;
          last[l + 2] = bz;
          const existing = this.findBlock(bx, by, bz);
          let slot = existing;
          if (slot < 0) {
            slot = this.allocate(bx, by, bz);
            if (slot < 0) {
              report.droppedBlocks++;
              continue;
            }
            report.newBlocks++;
          }
          if (this.stamp[slot] !== frame) {
            this.stamp[slot] = frame;
            this.touched[n++] = slot;
          }
        }
      }
    }
    return n;
  }

  /** Longest |Rᵀ(x, y, 1)| over the image, i.e. ray length per unit of z at the corners. */
  private maxRayLength(K: Readonly<Intrinsics>, width: number, height: number): number {
    const ax = Math.max(Math.abs(K.cx), Math.abs(width - K.cx)) / K.fx;
    const ay = Math.max(Math.abs(K.cy), Math.abs(height - K.cy)) / K.fy;
    return Math.sqrt(1 + ax * ax + ay * ay);
  }

  /** Allocates block (bx, by, bz) (known to be absent); its slot, or −1 at `maxBlocks`. */
  private allocate(bx: number, by: number, bz: number): number {
    if (this.count >= this.maxBlocks) return -1;
    if (this.count === this.blockCapacity) this.grow();
    if (2 * (this.count + 1) > this.hashMask + 1) this.rehash(2 * (this.hashMask + 1));
    const slot = this.count++;
    this.coords[slot * 3] = bx;
    this.coords[slot * 3 + 1] = by;
    this.coords[slot * 3 + 2] = bz;
    this.insert(bx, by, bz, slot);
    return slot;
  }

  private insert(bx: number, by: number, bz: number, slot: number): void {
    const mask = this.hashMask;
    let h = blockHash(bx, by, bz) & mask;
    while (this.hashSlots[h]! >= 0) h = (h + 1) & mask;
    this.hashSlots[h] = slot;
    this.hashKeys[h * 3] = bx;
    this.hashKeys[h * 3 + 1] = by;
    this.hashKeys[h * 3 + 2] = bz;
  }

  /** Rebuilds the hash with `capacity` entries (a power of two) from the block coordinates. */
  private rehash(capacity: number): void {
    this.hashMask = capacity - 1;
    this.hashKeys = new Int32Array(capacity * 3);
    this.hashSlots = new Int32Array(capacity).fill(-1);
    const c = this.coords;
    for (let s = 0; s < this.count; s++) this.insert(c[s * 3]!, c[s * 3 + 1]!, c[s * 3 + 2]!, s);
  }

  /** Doubles the block arrays (capped at maxBlocks), copying the data. */
  private grow(): void {
    const cap = Math.min(this.maxBlocks, this.blockCapacity * 2);
    const coords = new Int32Array(cap * 3);
    coords.set(this.coords);
    const tsdf = new Float32Array(cap * BLOCK_VOXELS);
    tsdf.set(this.tsdfData);
    const weight = new Float32Array(cap * BLOCK_VOXELS);
    weight.set(this.weightData);
    const color = new Uint8Array(cap * BLOCK_VOXELS * 3);
    color.set(this.colorData);
    const colorWeight = new Float32Array(cap * BLOCK_VOXELS);
    colorWeight.set(this.colorWeightData);
    const stamp = new Int32Array(cap);
    stamp.set(this.stamp);
    const touched = new Int32Array(cap);
    touched.set(this.touched);
    this.coords = coords;
    this.tsdfData = tsdf;
    this.weightData = weight;
    this.colorData = color;
    this.colorWeightData = colorWeight;
    this.stamp = stamp;
    this.touched = touched;
    this.blockCapacity = cap;
  }
}

/**
 * Pass 2 of {@link TsdfVolume.integrate}: projects every voxel of the `n` blocks listed in
 * `slots` and updates it. A free function with every input a local, so V8 keeps the hot loop in
 * registers. The camera-frame position of voxel (x, y, z) of a block is P0 + x·ax + y·ay + z·az
 * (ax = voxel · R's first column, …), and the projective numerators U = fx·X + cx·Z,
 * V = fy·Y + cy·Z advance by constants too, so a voxel costs one division and two compares before
 * its depth lookup. Returns the number of voxel updates.
 */
function integrateBlocks(
  slots: Int32Array,
  n: number,
  coords: Int32Array,
  tsdf: Float32Array,
  weight: Float32Array,
  color: Uint8Array,
  colorWeight: Float32Array,
  voxel: number,
  trunc: number,
  depth: Float32Array,
  rgb: Uint8Array | null,
  pixelWeight: Float32Array | null,
  width: number,
  height: number,
  fx: number,
  fy: number,
  cx: number,
  cy: number,
  R: ArrayLike<number>,
  t: ArrayLike<number>,
  dLo: number,
  dHi: number,
  baseWeight: number,
  maxWeight: number,
): number {
  const r00 = R[0]!, r01 = R[1]!, r02 = R[2]!; // prettier-ignore
  const r10 = R[3]!, r11 = R[4]!, r12 = R[5]!; // prettier-ignore
  const r20 = R[6]!, r21 = R[7]!, r22 = R[8]!; // prettier-ignore
  const t0 = t[0]!, t1 = t[1]!, t2 = t[2]!; // prettier-ignore
  // Per-voxel steps of (U, V, Z) along world x, y, z.
  const axU = (fx * r00 + cx * r20) * voxel, axV = (fy * r10 + cy * r20) * voxel, axZ = r20 * voxel; // prettier-ignore
  const ayU = (fx * r01 + cx * r21) * voxel, ayV = (fy * r11 + cy * r21) * voxel, ayZ = r21 * voxel; // prettier-ignore
  const azU = (fx * r02 + cx * r22) * voxel, azV = (fy * r12 + cy * r22) * voxel, azZ = r22 * voxel; // prettier-ignore
  const invTrunc = 1 / trunc;
  const zMax = dHi + trunc; // no voxel beyond can be within the band of any pixel
  const blockM = BLOCK_RESOLUTION * voxel;
  let updates = 0;
  for (let b = 0; b < n; b++) {
    const slot = slots[b]!;
    const wx = coords[slot * 3]! * blockM;
    const wy = coords[slot * 3 + 1]! * blockM;
    const wz = coords[slot * 3 + 2]! * blockM;
    const X0 = r00 * wx + r01 * wy + r02 * wz + t0;
    const Y0 = r10 * wx + r11 * wy + r12 * wz + t1;
    const Z0 = r20 * wx + r21 * wy + r22 * wz + t2;
    const U0 = fx * X0 + cx * Z0;
    const V0 = fy * Y0 + cy * Z0;
    let vi = slot * BLOCK_VOXELS;
    for (let z = 0; z < BLOCK_RESOLUTION; z++) {
      for (let y = 0; y < BLOCK_RESOLUTION; y++, vi += BLOCK_RESOLUTION) {
        let U = U0 + y * ayU + z * azU;
        let V = V0 + y * ayV + z * azV;
        let Z = Z0 + y * ayZ + z * azZ;
        for (let x = 0; x < BLOCK_RESOLUTION; x++, U += axU, V += axV, Z += axZ) {
          if (!(Z > 0 && Z < zMax)) continue;
          const iz = 1 / Z;
          const u = U * iz;
          const v = V * iz;
          if (!(u >= 0 && u < width && v >= 0 && v < height)) continue;
          const pix = (v | 0) * width + (u | 0);
          const d = depth[pix]!;
          if (!(d >= dLo && d <= dHi)) continue;
          const sdf = d - Z;
          if (sdf < -trunc) continue;
          let w = baseWeight;
          if (pixelWeight !== null) {
            w *= pixelWeight[pix]!;
            if (!(w > 0)) continue;
          }
          const i = vi + x;
          const wOld = weight[i]!;
          const wNew = wOld + w;
          const inv = 1 / wNew;
          weight[i] = wNew < maxWeight ? wNew : maxWeight;
          updates++;
          if (sdf >= trunc) {
            tsdf[i] = (tsdf[i]! * wOld + w) * inv;
            continue;
          }
          tsdf[i] = (tsdf[i]! * wOld + sdf * invTrunc * w) * inv;
          if (rgb !== null) {
            const cOld = colorWeight[i]!;
            const cNew = cOld + w;
            const cInv = 1 / cNew;
            colorWeight[i] = cNew < maxWeight ? cNew : maxWeight;
            const ci = i * 3;
            const pc = pix * 3;
            const a = cOld * cInv;
            const c = w * cInv;
            color[ci] = color[ci]! * a + rgb[pc]! * c + 0.5;
            color[ci + 1] = color[ci + 1]! * a + rgb[pc + 1]! * c + 0.5;
            color[ci + 2] = color[ci + 2]! * a + rgb[pc + 2]! * c + 0.5;
          }
        }
      }
    }
  }
  return updates;
}
