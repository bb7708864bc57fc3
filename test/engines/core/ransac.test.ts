import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32, randomNormal } from '../../../engines/core/random.js';
import { ransac, ransacIterations, type Estimator } from '../../../engines/core/ransac.js';

/** Line a·x + b·y + c = 0 with (a, b) unit, as Float64Array(3). */
function lineEstimator(xy: Float64Array, withRefit = false): Estimator<Float64Array> & { fits: number } {
  const est: Estimator<Float64Array> & { fits: number } = {
    minSamples: 2,
    fits: 0,
    fit(idx, out) {
      est.fits++;
      const i = idx[0]!;
      const j = idx[1]!;
      const dx = xy[2 * j]! - xy[2 * i]!;
      const dy = xy[2 * j + 1]! - xy[2 * i + 1]!;
      const len = Math.hypot(dx, dy);
      if (len < 1e-12) return 0;
      const m = out[0] ?? new Float64Array(3);
      m[0] = -dy / len;
      m[1] = dx / len;
      m[2] = -(m[0] * xy[2 * i]! + m[1] * xy[2 * i + 1]!);
      out[0] = m;
      return 1;
    },
    residual(m, i) {
      return Math.abs(m[0]! * xy[2 * i]! + m[1]! * xy[2 * i + 1]! + m[2]!);
    },
  };
  if (withRefit)
    est.refit = (idx) => {
      // Total least squares through the inliers.
      let mx = 0;
      let my = 0;
      for (const i of idx) {
        mx += xy[2 * i]!;
        my += xy[2 * i + 1]!;
      }
      mx /= idx.length;
      my /= idx.length;
      let sxx = 0;
      let sxy = 0;
      let syy = 0;
      for (const i of idx) {
        const dx = xy[2 * i]! - mx;
        const dy = xy[2 * i + 1]! - my;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
      }
      // Normal = eigenvector of the smaller eigenvalue of the scatter matrix.
      const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy);
      const a = -Math.sin(theta);
      const b = Math.cos(theta);
      return Float64Array.of(a, b, -(a * mx + b * my));
    };
  return est;
}

/** Points on y = 0.5 x + 1 (noise sigma) plus uniform outliers in [-10, 10]². */
function lineData(n: number, outlierRatio: number, sigma: number, seed: number) {
  const rng = mulberry32(seed);
  const xy = new Float64Array(2 * n);
  const isOutlier = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (rng() < outlierRatio) {
      isOutlier[i] = 1;
      xy[2 * i] = rng() * 20 - 10;
      xy[2 * i + 1] = rng() * 20 - 10;
    } else {
      const x = rng() * 20 - 10;
      xy[2 * i] = x;
      xy[2 * i + 1] = 0.5 * x + 1 + sigma * randomNormal(rng);
    }
  }
  return { xy, isOutlier };
}

function lineAngleAndOffset(m: Float64Array): { slope: number; intercept: number } {
  return { slope: -m[0]! / m[1]!, intercept: -m[2]! / m[1]! };
}

describe('ransac', () => {
  it('recovers a line with 40% outliers and flags them', () => {
    const { xy, isOutlier } = lineData(200, 0.4, 0.01, 1);
    const r = ransac(lineEstimator(xy), 200, { threshold: 0.05, maxIterations: 1000, seed: 7 });
    assert.ok(r.model);
    const { slope, intercept } = lineAngleAndOffset(r.model);
    assert.ok(Math.abs(slope - 0.5) < 0.01, `slope ${slope}`);
    assert.ok(Math.abs(intercept - 1) < 0.02, `intercept ${intercept}`);
    let wrong = 0;
    for (let i = 0; i < 200; i++) if (r.inliers[i] === isOutlier[i]) wrong++;
    // An outlier may fall on the line by chance; allow a couple.
    assert.ok(wrong <= 2, `misclassified ${wrong}`);
    assert.equal(
      r.inlierCount,
      r.inliers.reduce((a, b) => a + b, 0),
    );
  });

  it('LO refit tightens the fit on noisy inliers', () => {
    const { xy } = lineData(300, 0.3, 0.05, 2);
    const plain = ransac(lineEstimator(xy), 300, { threshold: 0.15, maxIterations: 500, seed: 3 });
    const lo = ransac(lineEstimator(xy, true), 300, { threshold: 0.15, maxIterations: 500, seed: 3 });
    assert.ok(plain.model && lo.model);
    assert.ok(lo.inlierCount >= plain.inlierCount);
    const slopeErr = Math.abs(lineAngleAndOffset(lo.model).slope - 0.5);
    assert.ok(slopeErr < 0.005, `LO slope error ${slopeErr}`);
  });

  it('adapts the iteration count to the inlier ratio', () => {
    const clean = lineData(200, 0, 0.001, 4);
    const dirty = lineData(200, 0.7, 0.001, 4);
    const opts = { threshold: 0.01, maxIterations: 10000, seed: 5 };
    const a = ransac(lineEstimator(clean.xy), 200, opts);
    const b = ransac(lineEstimator(dirty.xy), 200, opts);
    assert.ok(a.iterations <= 3, `clean data took ${a.iterations}`);
    assert.ok(b.iterations > 20 && b.iterations < 200, `70% outliers took ${b.iterations}`);
    // ≈ log(0.001) / log(1 − 0.3²) = 73.2 → 74 at the true ratio.
    assert.equal(ransacIterations(0.3, 2, 0.999), 74);
    assert.equal(ransacIterations(1, 2, 0.999), 1);
    const c = ransac(lineEstimator(clean.xy), 200, { ...opts, minIterations: 50 });
    assert.equal(c.iterations, 50);
    const d = ransac(lineEstimator(dirty.xy), 200, { ...opts, maxIterations: 10 });
    assert.equal(d.iterations, 10);
  });

  it('same seed gives the same result; another seed may sample differently', () => {
    const { xy } = lineData(150, 0.5, 0.02, 6);
    const opts = { threshold: 0.06, maxIterations: 1000, seed: 42 };
    const a = ransac(lineEstimator(xy), 150, opts);
    const b = ransac(lineEstimator(xy), 150, opts);
    assert.deepEqual(a.model, b.model);
    assert.deepEqual(a.inliers, b.inliers);
    assert.equal(a.iterations, b.iterations);
  });

  it('returns no model when there are fewer points than a sample', () => {
    const r = ransac(lineEstimator(new Float64Array(2)), 1, { threshold: 1, maxIterations: 10, seed: 1 });
    assert.equal(r.model, null);
    assert.equal(r.inlierCount, 0);
    assert.equal(r.inliers.length, 1);
  });

  it('checks its options up front', () => {
    const est = lineEstimator(new Float64Array(20));
    const ok = { threshold: 1, maxIterations: 10, seed: 1 };
    assert.throws(() => ransac(est, 10, { ...ok, threshold: 0 }), RangeError);
    assert.throws(() => ransac(est, 10, { ...ok, threshold: NaN }), RangeError);
    assert.throws(() => ransac(est, 10, { ...ok, confidence: 1 }), RangeError);
    assert.throws(() => ransac(est, 10, { ...ok, maxIterations: 0 }), RangeError);
    assert.throws(() => ransac(est, 10, { ...ok, maxIterations: 2.5 }), RangeError);
    assert.throws(() => ransac(est, 10, { ...ok, minIterations: 11 }), RangeError);
    assert.throws(() => ransac(est, 10, { ...ok, seed: Infinity }), RangeError);
    assert.throws(() => ransac(est, -1, ok), RangeError);
    assert.throws(() => ransac({ ...est, minSamples: 0 }, 10, ok), RangeError);
    assert.equal(est.fits, 0);
  });
});
