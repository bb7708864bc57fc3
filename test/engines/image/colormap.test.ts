import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TURBO_LUT, colorizeDepth } from '../../../engines/image/index.js';

const rgbAt = (buf: Uint8Array, i: number): [number, number, number] => [buf[i * 3]!, buf[i * 3 + 1]!, buf[i * 3 + 2]!];

test('turbo › runs dark blue → green → dark red (polynomial fit values)', () => {
  assert.equal(TURBO_LUT.length, 768);
  assert.deepEqual(rgbAt(TURBO_LUT, 0), [35, 23, 27]);
  assert.deepEqual(rgbAt(TURBO_LUT, 255), [144, 13, 0]);
  const [r, g, b] = rgbAt(TURBO_LUT, 128);
  assert.ok(g > 240 && g > r && g > b, `middle is green: ${[r, g, b]}`);
  // Blue dominates the low end (from index 1; the fit's index 0 is a near-black), red the high end.
  for (let i = 1; i <= 60; i++) assert.ok(TURBO_LUT[i * 3 + 2]! > TURBO_LUT[i * 3]!, `index ${i} is blue`);
  for (let i = 180; i <= 255; i++) assert.ok(TURBO_LUT[i * 3]! > TURBO_LUT[i * 3 + 2]!, `index ${i} is red`);
});

test('colorizeDepth › near is warm, far is cool, invalid is black; range from 2nd–98th percentiles', () => {
  // Depths 1..100 m, plus two outliers that must not stretch the range.
  const n = 102;
  const depth = new Float32Array(n);
  for (let i = 0; i < 100; i++) depth[i] = i + 1;
  depth[100] = 1e6;
  depth[101] = Number.NaN;
  const valid = new Uint8Array(n).fill(1);
  valid[100] = 0; // the outlier is masked
  const out = new Uint8Array(n * 3).fill(77);
  const range = colorizeDepth(out, depth, valid, { nearIsWarm: true });
  // numpy.percentile(np.arange(1, 101), [2, 98]) → 2.98, 98.02
  assert.ok(Math.abs(range.lo - 2.98) < 1e-4, `lo ${range.lo}`);
  assert.ok(Math.abs(range.hi - 98.02) < 1e-4, `hi ${range.hi}`);
  assert.equal(range.validCount, 100);
  assert.deepEqual(rgbAt(out, 0), rgbAt(TURBO_LUT, 255), 'nearest → warm end');
  assert.deepEqual(rgbAt(out, 99), rgbAt(TURBO_LUT, 0), 'farthest → cool end');
  const [rn, , bn] = rgbAt(out, 0);
  assert.ok(rn > 3 * bn, 'nearest is red');
  assert.ok(rgbAt(out, 99).reduce((a, b) => a + b) < 100, 'farthest is the dark end');
  const [r90, , b90] = rgbAt(out, 90); // 91 m: index 255 − (91 − 2.98) / 95.04 · 255 ≈ 19, blue
  assert.ok(b90 > 2 * r90, `far is blue: ${rgbAt(out, 90)}`);
  assert.deepEqual(rgbAt(out, 100), [0, 0, 0]);
  assert.deepEqual(rgbAt(out, 101), [0, 0, 0]);
  // Mid-range maps to the middle entry: t = 127.5 → index round(255 − 127.5) = 128.
  const mid = new Uint8Array(9);
  colorizeDepth(mid, new Float32Array([0, 5, 10]), null, { nearIsWarm: true, loPercentile: 0, hiPercentile: 100 });
  assert.deepEqual(rgbAt(mid, 1), rgbAt(TURBO_LUT, 128));
});

test('colorizeDepth › nearIsWarm false flips the map (for disparity); explicit percentiles', () => {
  const depth = new Float32Array([1, 2, 3, 4, 5]);
  const out = new Uint8Array(15);
  const range = colorizeDepth(out, depth, null, { nearIsWarm: false, loPercentile: 0, hiPercentile: 100 });
  assert.equal(range.lo, 1);
  assert.equal(range.hi, 5);
  assert.deepEqual(rgbAt(out, 0), rgbAt(TURBO_LUT, 0));
  assert.deepEqual(rgbAt(out, 4), rgbAt(TURBO_LUT, 255));
});

test('colorizeDepth › flat and empty maps do not divide by zero; large maps use a bounded sample', () => {
  const out = new Uint8Array(12);
  const flat = colorizeDepth(out, new Float32Array([2, 2, 2, 2]), null, { nearIsWarm: true });
  assert.equal(flat.lo, 2);
  assert.deepEqual(rgbAt(out, 0), rgbAt(TURBO_LUT, 128));
  const none = colorizeDepth(out, new Float32Array(4), new Uint8Array(4), { nearIsWarm: true });
  assert.equal(none.validCount, 0);
  assert.deepEqual(Array.from(out), new Array(12).fill(0));

  // 1000×1000 ramp 0..1: the sampled percentiles stay within 1e-3 of the exact ones.
  const big = new Float32Array(1_000_000);
  for (let i = 0; i < big.length; i++) big[i] = i / (big.length - 1);
  const r = colorizeDepth(new Uint8Array(big.length * 3), big, null, {
    nearIsWarm: true,
    loPercentile: 5,
    hiPercentile: 95,
  });
  assert.ok(Math.abs(r.lo - 0.05) < 1e-3 && Math.abs(r.hi - 0.95) < 1e-3, `${r.lo}..${r.hi}`);
  assert.throws(() => colorizeDepth(new Uint8Array(3), big, null, { nearIsWarm: true }), RangeError);
});
