import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32, randomNormal } from '../../../engines/core/index.js';
import { applySimilarity, createSimilarity, umeyamaAlignment } from '../../../engines/pose/align.js';
import { rotationAngleBetween, rotationFromAxisAngle } from '../../../engines/pose/rotation.js';

function randomCloud(seed: number, n: number): Float64Array {
  const rng = mulberry32(seed);
  const p = new Float64Array(3 * n);
  for (let i = 0; i < 3 * n; i++) p[i] = 3 * randomNormal(rng);
  return p;
}

describe('umeyamaAlignment', () => {
  it('recovers an exact similarity (scale 2.5, 140° rotation) to 1e-12', () => {
    const src = randomCloud(1, 50);
    const truth = createSimilarity();
    truth.scale = 2.5;
    rotationFromAxisAngle(truth.R, [1.2, -1.5, 1.0]);
    truth.t.set([4, -7, 0.5]);
    const dst = applySimilarity(new Float64Array(src.length), truth, src);
    const est = createSimilarity();
    assert.ok(umeyamaAlignment(est, src, dst));
    assert.ok(Math.abs(est.scale - 2.5) < 1e-12);
    assert.ok(rotationAngleBetween(est.R, truth.R) < 1e-12);
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(est.t[k]! - truth.t[k]!) < 1e-11);
  });

  it('returns a proper rotation (no reflection) for mirrored data, and a rigid fit without scale', () => {
    const src = randomCloud(2, 30);
    const mirrored = src.map((v, i) => (i % 3 === 0 ? -v : v));
    const est = createSimilarity();
    assert.ok(umeyamaAlignment(est, src, mirrored));
    const R = est.R;
    const det =
      R[0]! * (R[4]! * R[8]! - R[5]! * R[7]!) -
      R[1]! * (R[3]! * R[8]! - R[5]! * R[6]!) +
      R[2]! * (R[3]! * R[7]! - R[4]! * R[6]!);
    assert.ok(Math.abs(det - 1) < 1e-12);
    const truth = createSimilarity();
    truth.scale = 3;
    rotationFromAxisAngle(truth.R, [0.3, 0.2, -0.1]);
    const dst = applySimilarity(new Float64Array(src.length), truth, src);
    assert.ok(umeyamaAlignment(est, src, dst, false));
    assert.equal(est.scale, 1);
    assert.ok(rotationAngleBetween(est.R, truth.R) < 1e-12);
  });

  it('is the least-squares fit under noise: residual rms close to the noise, scale within 1%', () => {
    const rng = mulberry32(3);
    const src = randomCloud(4, 400);
    const truth = createSimilarity();
    truth.scale = 0.4;
    rotationFromAxisAngle(truth.R, [0.5, 0.1, 2]);
    const dst = applySimilarity(new Float64Array(src.length), truth, src);
    for (let i = 0; i < dst.length; i++) dst[i] = dst[i]! + 0.01 * randomNormal(rng);
    const est = createSimilarity();
    assert.ok(umeyamaAlignment(est, src, dst));
    assert.ok(Math.abs(est.scale / 0.4 - 1) < 0.01);
    const aligned = applySimilarity(new Float64Array(src.length), est, src);
    let ss = 0;
    for (let i = 0; i < dst.length; i++) ss += (aligned[i]! - dst[i]!) ** 2;
    const rms = Math.sqrt(ss / dst.length);
    assert.ok(rms > 0.009 && rms < 0.011, `rms ${rms}`);
  });

  it('refuses fewer than 3 points and collinear sources', () => {
    const est = createSimilarity();
    assert.equal(umeyamaAlignment(est, [0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1]), false);
    assert.equal(umeyamaAlignment(est, [0, 0, 0, 1, 0, 0, 2, 0, 0], [0, 0, 0, 1, 0, 0, 2, 0, 0]), false);
  });
});
