import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyScaleShift, fitScaleShift } from '../../../engines/recon/index.js';
import { gaussian, mulberry32 } from '../../fixtures/scenes.js';

const W = 80;
const H = 60;

/** A metric depth map (a slanted floor-like ramp with a bump), metres. */
function metricDepth(): Float32Array {
  const z = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) z[y * W + x] = 1 + 3 * (1 - y / H) + 0.3 * Math.sin(x / 9) * Math.cos(y / 7);
  return z;
}

/** `n` samples (u, v, z) at random pixel centres; `outliers` of them with z scaled by 0.4–2.5. */
function samples(z: Float32Array, n: number, outlierShare: number, noise: number, seed: number) {
  const rand = mulberry32(seed);
  const gauss = gaussian(rand);
  const out = new Float64Array(3 * n);
  const isOutlier = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = Math.floor(rand() * W);
    const y = Math.floor(rand() * H);
    let depth = z[y * W + x]! * (1 + noise * gauss());
    if (rand() < outlierShare) {
      isOutlier[i] = 1;
      depth *= rand() < 0.5 ? 0.4 + 0.4 * rand() : 1.4 + 1.1 * rand();
    }
    out.set([x + 0.5, y + 0.5, depth], 3 * i);
  }
  return { uvz: out, isOutlier };
}

test('fitScaleShift › recovers s and b exactly from clean affine depth', () => {
  const z = metricDepth();
  const pred = z.map((v) => (v - 0.3) / 2.5); // z = 2.5·d + 0.3
  const fit = fitScaleShift(pred, W, H, samples(z, 50, 0, 0, 1).uvz);
  assert.ok(fit.ok);
  assert.ok(Math.abs(fit.scale - 2.5) < 1e-5 && Math.abs(fit.shift - 0.3) < 1e-5, `${fit.scale} ${fit.shift}`);
  assert.equal(fit.inlierCount, 50);
  assert.ok(fit.rmsResidualRel < 1e-6);
  const back = new Float32Array(W * H);
  assert.equal(applyScaleShift(back, pred, fit), W * H);
  for (let i = 0; i < W * H; i += 97) assert.ok(Math.abs(back[i]! - z[i]!) < 1e-5);
});

test('fitScaleShift › inverse relative depth: 1/z = s·d + b, exactly and back to metres', () => {
  const z = metricDepth();
  const pred = z.map((v) => (1 / v - 0.05) / 0.4); // disparity-like, 1/z = 0.4·d + 0.05
  const fit = fitScaleShift(pred, W, H, samples(z, 40, 0, 0, 2).uvz, { mode: 'inverse_depth' });
  assert.ok(fit.ok && fit.mode === 'inverse_depth');
  assert.ok(Math.abs(fit.scale - 0.4) < 1e-6 && Math.abs(fit.shift - 0.05) < 1e-6, `${fit.scale} ${fit.shift}`);
  const back = new Float32Array(W * H);
  applyScaleShift(back, pred, fit);
  for (let i = 0; i < W * H; i += 89) assert.ok(Math.abs(back[i]! / z[i]! - 1) < 1e-5);
  // Inverse depth near zero maps to huge depths: cut by maxDepthM.
  assert.equal(applyScaleShift(back, new Float32Array([-0.125, 1]), fit, 10), 1);
  assert.equal(back[0], 0);
});

test('fitScaleShift › robust to 30 % outliers and 1 % noise: s, b within 1 %, outliers flagged', () => {
  const z = metricDepth();
  const pred = z.map((v) => (v + 0.8) / 1.7); // z = 1.7·d − 0.8
  for (const seed of [3, 4, 5]) {
    const { uvz, isOutlier } = samples(z, 300, 0.3, 0.01, seed);
    const fit = fitScaleShift(pred, W, H, uvz, { seed });
    assert.ok(fit.ok, fit.ok ? '' : fit.message);
    assert.ok(Math.abs(fit.scale / 1.7 - 1) < 0.01, `scale ${fit.scale}`);
    assert.ok(Math.abs(fit.shift + 0.8) < 0.03, `shift ${fit.shift}`);
    let flagged = 0;
    let outliers = 0;
    for (let i = 0; i < 300; i++)
      if (isOutlier[i]) {
        outliers++;
        if (!fit.inliers[i]) flagged++;
      }
    assert.ok(flagged / outliers > 0.95, `${flagged}/${outliers} outliers flagged`);
    assert.ok(fit.inlierCount > 0.65 * 300 && fit.rmsResidualRel < 0.02);
  }
});

test('fitScaleShift › refuses too few samples and a constant prediction, with a reason', () => {
  const z = metricDepth();
  const pred = z.map((v) => v / 2);
  const few = fitScaleShift(pred, W, H, samples(z, 5, 0, 0, 6).uvz);
  assert.ok(!few.ok && few.reason === 'too_few_samples' && few.sampleCount === 5);
  // Samples outside the image or with non-positive depth do not count.
  const bad = fitScaleShift(pred, W, H, [-1, 3, 2, 500, 3, 2, 3, 3, 0, 3, 3, NaN]);
  assert.ok(!bad.ok && bad.sampleCount === 0);
  const flat = fitScaleShift(new Float32Array(W * H).fill(0.7), W, H, samples(z, 50, 0, 0, 7).uvz);
  assert.ok(!flat.ok && flat.reason === 'degenerate');
  // Pure noise: no line explains enough samples.
  const rand = mulberry32(8);
  const junk = new Float64Array(3 * 60);
  for (let i = 0; i < 60; i++) junk.set([rand() * W, rand() * H, 0.5 + 5 * rand()], 3 * i);
  const none = fitScaleShift(pred, W, H, junk, { minInliers: 40 });
  assert.ok(!none.ok && none.reason === 'too_few_inliers', none.ok ? 'fitted noise' : none.reason);
  assert.throws(() => fitScaleShift(pred, W, H, [], { thresholdRel: 0 }), RangeError);
});
