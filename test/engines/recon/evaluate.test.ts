import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PointGrid, evaluateSurface } from '../../../engines/recon/index.js';
import { mulberry32 } from '../../fixtures/scenes.js';

test('PointGrid › exact nearest distances, also for far queries and clusters', () => {
  const rand = mulberry32(1);
  const n = 3000;
  const pts = new Float32Array(3 * n);
  // A thin sheet and a far cluster: uneven density, like surfaces.
  for (let i = 0; i < n; i++)
    if (i < 2500) pts.set([rand() * 2, rand() * 1.5, 0.01 * rand()], 3 * i);
    else pts.set([5 + 0.1 * rand(), 5 + 0.1 * rand(), 5 + 0.1 * rand()], 3 * i);
  const grid = new PointGrid(pts);
  for (let q = 0; q < 300; q++) {
    const x = rand() * 12 - 3;
    const y = rand() * 12 - 3;
    const z = rand() * 12 - 3;
    let best = Infinity;
    for (let i = 0; i < n; i++)
      best = Math.min(best, Math.hypot(pts[3 * i]! - x, pts[3 * i + 1]! - y, pts[3 * i + 2]! - z));
    const d = grid.nearestDistance(x, y, z);
    assert.ok(Math.abs(d - best) < 1e-5, `query ${q}`);
    // The point it found is one of the set, at that distance.
    const [nx, ny, nz] = grid.nearest;
    assert.ok(Math.abs(Math.hypot(nx! - x, ny! - y, nz! - z) - d) < 1e-5, `nearest point of query ${q}`);
    let member = false;
    for (let i = 0; i < n && !member; i++)
      member =
        pts[3 * i] === Math.fround(nx!) && pts[3 * i + 1] === Math.fround(ny!) && pts[3 * i + 2] === Math.fround(nz!);
    assert.ok(member, `query ${q}: the nearest point is in the set`);
  }
  assert.equal(new PointGrid(new Float32Array(0)).nearestDistance(0, 0, 0), Infinity);
});

test('evaluateSurface › a copy shifted by 1 cm: accurate at 2 cm, not at 5 mm; a half copy is half complete', () => {
  const gt: number[] = [];
  for (let i = 0; i < 200; i++) for (let j = 0; j < 200; j++) gt.push(i * 0.005, j * 0.005, 0);
  const gtPts = Float32Array.from(gt);
  const shifted = gtPts.map((v, k) => (k % 3 === 2 ? v + 0.01 : v));
  const e = evaluateSurface(shifted, gtPts, [0.005, 0.02]);
  assert.deepEqual(e.accuracy, [0, 1]);
  assert.deepEqual(e.completeness, [0, 1]);
  assert.ok(Math.abs(e.accuracyMeanM - 0.01) < 1e-6 && Math.abs(e.completenessMedianM - 0.01) < 1e-6);
  const half = gtPts.subarray(0, gtPts.length / 2);
  const h = evaluateSurface(half, gtPts, [0.02]);
  assert.equal(h.accuracy[0], 1);
  assert.ok(Math.abs(h.completeness[0]! - 0.5) < 0.03, `${h.completeness[0]}`);
  assert.ok(Math.abs(h.fScore[0]! - 2 / 3) < 0.03);
  assert.equal(h.predCount, 20000);
  assert.equal(h.gtCount, 40000);
});
