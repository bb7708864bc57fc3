import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGray, detectCorners, rgbToGray } from '../../../engines/features/index.js';

/** Anti-aliased checkerboard (4 × 4 supersampling), square `s` px, grid lines through pixel centres at o + k·s. */
function checkerboard(w: number, h: number, s: number, o: number) {
  const img = createGray(w, h);
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++) {
      let acc = 0;
      for (let b = 0; b < 4; b++)
        for (let a = 0; a < 4; a++) {
          const x = i + (a + 0.5) / 4;
          const y = j + (b + 0.5) / 4;
          acc += (Math.floor((x - o) / s) + Math.floor((y - o) / s)) & 1;
        }
      img.data[j * w + i] = 30 + (200 * acc) / 16;
    }
  return img;
}

test('detectCorners › finds every checkerboard corner at the true position, nothing else', () => {
  const w = 320;
  const h = 240;
  const s = 20;
  const o = 10.5;
  const img = checkerboard(w, h, s, o);
  const out = new Float32Array(1000);
  const n = detectCorners(out, img, { maxCorners: 500, minDistancePx: 8 });
  const truth: [number, number][] = [];
  for (let y = o; y < h - 3; y += s) for (let x = o; x < w - 3; x += s) truth.push([x, y]);
  assert.equal(truth.length, 16 * 12);
  let maxDev = 0;
  const found = new Set<number>();
  for (let k = 0; k < n; k++) {
    const x = out[2 * k]!;
    const y = out[2 * k + 1]!;
    let best = Infinity;
    let bi = -1;
    truth.forEach(([tx, ty], i) => {
      const d = Math.hypot(tx - x, ty - y);
      if (d < best) [best, bi] = [d, i];
    });
    maxDev = Math.max(maxDev, best);
    found.add(bi);
  }
  console.log(`checkerboard: ${n} corners, ${truth.length} true, largest distance to a true corner ${maxDev} px`);
  assert.equal(maxDev, 0, 'corners sit on the true corners (integer-pixel detection, corners at pixel centres)');
  assert.equal(n, truth.length, 'one corner per true corner');
  assert.equal(found.size, truth.length);
});

test('detectCorners › spreads over the grid, keeps the minimum distance and avoids existing corners', () => {
  const img = checkerboard(320, 240, 10, 5.5);
  const out = new Float32Array(2000);
  const n = detectCorners(out, img, { maxCorners: 48, gridCols: 8, gridRows: 6, minDistancePx: 10 });
  assert.equal(n, 48);
  const perCell = new Array(48).fill(0);
  for (let k = 0; k < n; k++) perCell[Math.floor(out[2 * k + 1]! / 40) * 8 + Math.floor(out[2 * k]! / 40)]++;
  assert.deepEqual(perCell, new Array(48).fill(1), 'one corner per cell');
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++)
      assert.ok(Math.hypot(out[2 * a]! - out[2 * b]!, out[2 * a + 1]! - out[2 * b + 1]!) >= 10);

  // Replenishing: cells holding an existing corner are skipped.
  const existing = new Float32Array([45.5, 45.5, 125.5, 85.5]);
  const m = detectCorners(out, img, {
    maxCorners: 500,
    maxPerCell: 2,
    existingXY: existing,
    existingCount: 2,
    onlyEmptyCells: true,
    minDistancePx: 10,
  });
  assert.equal(m, 46 * 2);
  for (let k = 0; k < m; k++) {
    const cell = Math.floor(out[2 * k + 1]! / 40) * 8 + Math.floor(out[2 * k]! / 40);
    assert.ok(cell !== 9 && cell !== 19, `corner ${k} in an occupied cell`);
  }
});

test('detectCorners › a flat image has no corners; rgbToGray uses Rec. 601 weights', () => {
  const flat = createGray(64, 48).data.fill(100);
  assert.equal(detectCorners(new Float32Array(100), { data: flat, width: 64, height: 48, channels: 1 }), 0);
  const g = rgbToGray(new Float32Array(2), new Uint8Array([255, 0, 0, 10, 20, 30]), 2, 1, 3);
  assert.ok(Math.abs(g[0]! - 76.245) < 1e-3 && Math.abs(g[1]! - (2.99 + 11.74 + 3.42)) < 1e-3);
});
