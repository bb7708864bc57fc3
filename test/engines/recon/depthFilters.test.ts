import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterDepthEdges, multiViewConsistency } from '../../../engines/recon/index.js';
import { renderRoomDepth, roomWalkCameras } from '../../fixtures/poseScenes.js';
import { mulberry32 } from '../../fixtures/scenes.js';

test('filterDepthEdges › drops both sides of a step and flying pixels, keeps smooth slopes', () => {
  const w = 40;
  const h = 30;
  const depth = new Float32Array(w * h);
  // A wall at 3 m sloping gently (0.5 % per pixel), a box at 2 m in columns 10..19, holes.
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) depth[y * w + x] = x >= 10 && x < 20 ? 2 : 3 * (1 + 0.005 * y);
  const flying = [5 * w + 20, 6 * w + 20, 7 * w + 20];
  for (const i of flying) depth[i] = 2.5; // smeared across the box's right edge
  depth[25 * w + 30] = 0;
  depth[26 * w + 30] = NaN;
  const out = new Float32Array(w * h);
  const dropped = filterDepthEdges(out, depth, w, h, { relThreshold: 0.05 });
  for (const i of flying) assert.equal(out[i], 0);
  for (let y = 0; y < h; y++) {
    assert.equal(out[y * w + 9], 0, 'wall pixel left of the box');
    assert.equal(out[y * w + 10], 0, 'box pixel at its left edge');
    assert.equal(out[y * w + 19], 0, 'box pixel at its right edge');
    for (const x of [0, 8, 12, 17, 22, 39]) if (y < 4 || y > 8) assert.equal(out[y * w + x], depth[y * w + x]);
  }
  // Holes stay holes and do not make their neighbours edges.
  assert.equal(out[25 * w + 30], 0);
  assert.equal(out[26 * w + 30], 0);
  assert.equal(out[25 * w + 31], depth[25 * w + 31]);
  let count = 0;
  for (let i = 0; i < w * h; i++) if (depth[i]! > 0 && out[i] === 0) count++;
  assert.equal(dropped, count);
  // A wider window drops a wider band.
  assert.ok(filterDepthEdges(out, depth, w, h, { radiusPx: 2 }) > dropped);
  assert.throws(() => filterDepthEdges(depth, depth, w, h), RangeError);
});

test('multiViewConsistency › drops injected wrong depths, keeps what the neighbours confirm', () => {
  const w = 160;
  const h = 120;
  const K = { fx: 130, fy: 130, cx: 80, cy: 60 };
  const cams = roomWalkCameras(40);
  const views = [10, 12, 14].map((k) => ({
    depthM: renderRoomDepth(K, w, h, cams[k]!),
    width: w,
    height: h,
    K,
    camFromWorld: cams[k]!,
  }));
  const ref = views[1]!;
  const truth = Float32Array.from(ref.depthM);
  const rand = mulberry32(3);
  const wrong = new Set<number>();
  while (wrong.size < 500) wrong.add(Math.floor(rand() * w * h));
  for (const i of wrong) ref.depthM[i] = truth[i]! * (rand() < 0.5 ? 0.85 : 1.2);
  const out = new Float32Array(w * h);
  const kept = multiViewConsistency(out, ref, [views[0]!, views[2]!], { relTolerance: 0.01, minAgree: 1 });
  let wrongKept = 0;
  let rightKept = 0;
  for (let i = 0; i < w * h; i++) {
    if (wrong.has(i)) wrongKept += out[i]! > 0 ? 1 : 0;
    else rightKept += out[i]! > 0 ? 1 : 0;
    if (out[i]! > 0) assert.equal(out[i], ref.depthM[i]);
  }
  assert.equal(kept, wrongKept + rightKept);
  // A wrong depth survives only where it happens to land on another surface the neighbour sees.
  assert.ok(wrongKept <= 5, `${wrongKept} of 500 wrong depths kept`);
  assert.ok(rightKept / (w * h - wrong.size) > 0.9, `kept ${rightKept} of ${w * h - wrong.size} correct pixels`);
  // Requiring both neighbours keeps fewer (the parts only one of them sees go).
  const both = multiViewConsistency(out, ref, [views[0]!, views[2]!], { relTolerance: 0.01, minAgree: 2 });
  assert.ok(both <= kept);
  // In place.
  const copy = Float32Array.from(ref.depthM);
  assert.equal(
    multiViewConsistency(copy, { ...ref, depthM: copy }, [views[0]!, views[2]!], { relTolerance: 0.01 }),
    kept,
  );
  assert.throws(() => multiViewConsistency(out, ref, [views[0]!], { minAgree: 2 }), RangeError);
});
