import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_VOXELS, TsdfVolume } from '../../../engines/recon/index.js';
import { renderRoomDepth, roomWalkCameras } from '../../fixtures/poseScenes.js';

const IDENTITY = { R: [1, 0, 0, 0, 1, 0, 0, 0, 1], t: [0, 0, 0] };
const W = 64;
const H = 48;
const K = { fx: 60, fy: 60, cx: 32, cy: 24 };
const plane = (z: number) => new Float32Array(W * H).fill(z);

/** Voxel index of global voxel (gx, gy, gz), or −1 when its block is absent. */
function voxelIndex(v: TsdfVolume, gx: number, gy: number, gz: number): number {
  const slot = v.findBlock(gx >> 3, gy >> 3, gz >> 3);
  return slot < 0 ? -1 : slot * BLOCK_VOXELS + ((gz & 7) << 6) + ((gy & 7) << 3) + (gx & 7);
}

test('tsdf › a fronto-parallel plane: exact projective values in the band, untouched behind it', () => {
  const v = new TsdfVolume({ voxelSizeM: 0.02, truncationM: 0.08 });
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set([200, 100, 50], 3 * i);
  const report = v.integrate(plane(1), W, H, K, IDENTITY, rgb);
  assert.ok(report.blocks > 0 && report.newBlocks === report.blocks && report.voxelUpdates > 0);
  // Voxel z index 50 is the plane (1 m / 2 cm); the optical axis is voxel (0, 0).
  const at = (gz: number) => voxelIndex(v, 0, 0, gz);
  assert.equal(v.tsdf[at(50)], 0);
  assert.ok(Math.abs(v.tsdf[at(49)]! - 0.25) < 1e-6); // 2 cm in front / 8 cm
  assert.ok(Math.abs(v.tsdf[at(52)]! + 0.5) < 1e-6); // 4 cm behind
  assert.ok(Math.abs(v.tsdf[at(53)]! + 0.75) < 1e-6);
  assert.equal(v.weight[at(50)], 1);
  assert.deepEqual([...v.color.subarray(3 * at(50), 3 * at(50) + 3)], [200, 100, 50]);
  assert.equal(v.colorWeight[at(50)], 1);
  // In front beyond the band: free space (1) without colour; far behind: never touched.
  const free = at(44);
  if (free >= 0) {
    assert.equal(v.tsdf[free], 1);
    assert.equal(v.colorWeight[free], 0);
  }
  const behind = at(55); // 10 cm behind: beyond the band

  if (behind >= 0) assert.equal(v.weight[behind], 0);

  // A second frame at 1.02 m: running mean of the two observations; weights add up.
  v.integrate(plane(1.02), W, H, K, IDENTITY, rgb, { weight: 3 });
  assert.ok(Math.abs(v.tsdf[at(50)]! - (0 * 1 + 0.25 * 3) / 4) < 1e-6);
  assert.equal(v.weight[at(50)], 4);
  assert.equal(v.stats().frames, 2);
});

test('tsdf › per-pixel weights, weight cap, depth range and invalid depths', () => {
  const v = new TsdfVolume({ voxelSizeM: 0.02 });
  const d = plane(1);
  d[0] = NaN;
  d[1] = 0;
  const pixelWeight = new Float32Array(W * H).fill(0.5);
  for (let k = 0; k < 5; k++) v.integrate(d, W, H, K, IDENTITY, null, { pixelWeight, maxWeight: 2 });
  assert.equal(v.weight[voxelIndex(v, 0, 0, 50)], 2);
  // Everything beyond maxDepthM is ignored.
  const far = new TsdfVolume({ voxelSizeM: 0.02 });
  const r = far.integrate(plane(4), W, H, K, IDENTITY, null, { maxDepthM: 3 });
  assert.deepEqual(r, { blocks: 0, newBlocks: 0, droppedBlocks: 0, voxelUpdates: 0 });
  assert.throws(() => far.integrate(plane(1).subarray(1), W, H, K, IDENTITY), RangeError);
  assert.throws(() => far.integrate(plane(1), W, H, K, IDENTITY, new Uint8Array(3)), RangeError);
  assert.throws(() => far.integrate(plane(1), W, H, { ...K, fx: 0 }, IDENTITY), RangeError);
  assert.throws(() => far.integrate(plane(1), W, H, K, { R: [1, 0, 0], t: [0, 0, 0] }), RangeError);
  assert.throws(() => far.integrate(plane(1), W, H, K, IDENTITY, null, { minDepthM: 2, maxDepthM: 1 }), RangeError);
  assert.throws(() => new TsdfVolume({ voxelSizeM: -1 }), RangeError);
  assert.throws(() => new TsdfVolume({ maxBlocks: 0.5 }), RangeError);
});

test('tsdf › hash growth and rehashing change nothing: same voxels as a presized volume', () => {
  const w = 96;
  const h = 72;
  const Kr = { fx: 80, fy: 80, cx: 48, cy: 36 };
  const cams = roomWalkCameras(6);
  const grown = new TsdfVolume({ voxelSizeM: 0.05, initialBlocks: 1 });
  const presized = new TsdfVolume({ voxelSizeM: 0.05, initialBlocks: 8192 });
  for (const cam of cams) {
    const depth = renderRoomDepth(Kr, w, h, cam);
    const a = grown.integrate(depth, w, h, Kr, cam);
    const b = presized.integrate(depth, w, h, Kr, cam);
    assert.deepEqual(a, b);
  }
  const n = grown.blockCount;
  assert.ok(n > 500, `only ${n} blocks`);
  assert.equal(presized.blockCount, n);
  const coords = grown.blockCoords;
  for (let s = 0; s < n; s++) {
    const [bx, by, bz] = [coords[3 * s]!, coords[3 * s + 1]!, coords[3 * s + 2]!];
    assert.equal(grown.findBlock(bx, by, bz), s);
    const o = presized.findBlock(bx, by, bz);
    assert.ok(o >= 0);
    for (let k = 0; k < BLOCK_VOXELS; k++) {
      assert.equal(grown.tsdf[s * BLOCK_VOXELS + k], presized.tsdf[o * BLOCK_VOXELS + k]);
      assert.equal(grown.weight[s * BLOCK_VOXELS + k], presized.weight[o * BLOCK_VOXELS + k]);
    }
  }
  assert.equal(grown.findBlock(1000, 1000, 1000), -1);
  const s = grown.stats();
  assert.equal(s.voxels, n * BLOCK_VOXELS);
  assert.ok(s.observedVoxels > 0 && s.observedVoxels <= s.voxels);
  assert.ok(s.bytes > n * BLOCK_VOXELS * 15 && s.bytes <= s.maxBytes);
});

test('tsdf › memory is bounded by maxBlocks: excess blocks are dropped and reported', () => {
  const v = new TsdfVolume({ voxelSizeM: 0.02, maxBlocks: 10, initialBlocks: 4 });
  const r = v.integrate(plane(1), W, H, K, IDENTITY);
  assert.equal(v.blockCount, 10);
  assert.equal(r.newBlocks, 10);
  assert.ok(r.droppedBlocks > 0);
  const s = v.stats();
  assert.ok(s.bytes <= s.maxBytes, `${s.bytes} > ${s.maxBytes}`);
});
