import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32, randomNormal, type Intrinsics, type Rng } from '../../../engines/core/index.js';
import {
  P3P_MAX_SOLUTIONS,
  estimateAbsolutePose,
  refineAbsolutePose,
  solveP3P,
  type CamFromWorld,
} from '../../../engines/pose/pnp.js';
import { rotationAngleBetween, rotationFromAxisAngle } from '../../../engines/pose/rotation.js';

const K: Intrinsics = { fx: 800, fy: 800, cx: 320, cy: 240 };
const W = 640;
const H = 480;
const DEG = Math.PI / 180;

function randomPose(rng: Rng): CamFromWorld {
  const aa = [randomNormal(rng), randomNormal(rng), randomNormal(rng)];
  const R = rotationFromAxisAngle(new Float64Array(9), aa);
  const t = new Float64Array([rng() * 4 - 2, rng() * 4 - 2, rng() * 4 - 2]);
  return { R, t };
}

/** n points seen by `pose`: pixels uniform in the image, depths in [2, 8] m; world = Rᵀ(x_cam − t). */
function scene(rng: Rng, pose: CamFromWorld, n: number) {
  const px = new Float64Array(2 * n);
  const Xw = new Float64Array(3 * n);
  const { R, t } = pose;
  for (let i = 0; i < n; i++) {
    const u = rng() * W;
    const v = rng() * H;
    const z = 2 + 6 * rng();
    const c = [((u - K.cx) / K.fx) * z - t[0]!, ((v - K.cy) / K.fy) * z - t[1]!, z - t[2]!];
    for (let r = 0; r < 3; r++) Xw[3 * i + r] = R[r]! * c[0]! + R[3 + r]! * c[1]! + R[6 + r]! * c[2]!;
    px[2 * i] = u;
    px[2 * i + 1] = v;
  }
  return { px, Xw };
}

function bearing(px: Float64Array, i: number): number[] {
  return [(px[2 * i]! - K.cx) / K.fx, (px[2 * i + 1]! - K.cy) / K.fy, 1];
}

describe('solveP3P', () => {
  it('contains the true pose to 1e-9 among its solutions for 3 noise-free points (200 random cases)', () => {
    const rng = mulberry32(11);
    const out = new Float64Array(12 * P3P_MAX_SOLUTIONS);
    let worst = 0;
    let total = 0;
    for (let trial = 0; trial < 200; trial++) {
      const pose = randomPose(rng);
      const { px, Xw } = scene(rng, pose, 3);
      const b = [...bearing(px, 0), ...bearing(px, 1), ...bearing(px, 2)];
      const n = solveP3P(out, b, Xw);
      assert.ok(n >= 1 && n <= 4, `trial ${trial}: ${n} solutions`);
      total += n;
      let best = Infinity;
      for (let s = 0; s < n; s++) {
        let e = 0;
        for (let k = 0; k < 9; k++) e = Math.max(e, Math.abs(out[12 * s + k]! - pose.R[k]!));
        for (let k = 0; k < 3; k++) e = Math.max(e, Math.abs(out[12 * s + 9 + k]! - pose.t[k]!) / 10);
        best = Math.min(best, e);
      }
      worst = Math.max(worst, best);
      assert.ok(best < 1e-9, `trial ${trial}: closest solution is ${best} away`);
    }
    assert.ok(total > 200, 'some samples have several solutions');
    assert.ok(worst < 1e-9);
  });

  it('returns proper rotations that reproject the three points exactly', () => {
    const rng = mulberry32(12);
    const out = new Float64Array(12 * P3P_MAX_SOLUTIONS);
    const pose = randomPose(rng);
    const { px, Xw } = scene(rng, pose, 3);
    const n = solveP3P(out, [...bearing(px, 0), ...bearing(px, 1), ...bearing(px, 2)], Xw);
    for (let s = 0; s < n; s++) {
      const R = out.subarray(12 * s, 12 * s + 9);
      const det =
        R[0]! * (R[4]! * R[8]! - R[5]! * R[7]!) -
        R[1]! * (R[3]! * R[8]! - R[5]! * R[6]!) +
        R[2]! * (R[3]! * R[7]! - R[4]! * R[6]!);
      assert.ok(Math.abs(det - 1) < 1e-9, `det ${det}`);
      for (let i = 0; i < 3; i++) {
        const c = [0, 1, 2].map(
          (r) =>
            R[3 * r]! * Xw[3 * i]! +
            R[3 * r + 1]! * Xw[3 * i + 1]! +
            R[3 * r + 2]! * Xw[3 * i + 2]! +
            out[12 * s + 9 + r]!,
        );
        assert.ok(c[2]! > 0);
        assert.ok(Math.abs((K.fx * c[0]!) / c[2]! + K.cx - px[2 * i]!) < 1e-7);
        assert.ok(Math.abs((K.fy * c[1]!) / c[2]! + K.cy - px[2 * i + 1]!) < 1e-7);
      }
    }
  });

  it('returns nothing for coincident or collinear world points', () => {
    const out = new Float64Array(48);
    const b = [0, 0, 1, 0.1, 0, 1, 0, 0.1, 1];
    assert.equal(solveP3P(out, b, [0, 0, 5, 0, 0, 5, 1, 0, 5]), 0);
    assert.equal(solveP3P(out, b, [0, 0, 5, 1, 0, 5, 2, 0, 5]), 0);
  });
});

describe('estimateAbsolutePose', () => {
  function noisyScene(seed: number, n: number, outlierRatio: number, noisePx: number) {
    const rng = mulberry32(seed);
    const pose = randomPose(rng);
    const { px, Xw } = scene(rng, pose, n);
    const outlier = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (i < Math.round(outlierRatio * n)) {
        outlier[i] = 1;
        px[2 * i] = rng() * W;
        px[2 * i + 1] = rng() * H;
      } else {
        px[2 * i] = px[2 * i]! + noisePx * randomNormal(rng);
        px[2 * i + 1] = px[2 * i + 1]! + noisePx * randomNormal(rng);
      }
    }
    // distance from the camera centre to the points' centroid
    let cx = 0, cy = 0, cz = 0; // prettier-ignore
    for (let i = 0; i < n; i++) {
      cx += Xw[3 * i]! / n;
      cy += Xw[3 * i + 1]! / n;
      cz += Xw[3 * i + 2]! / n;
    }
    const R = pose.R;
    const t = pose.t;
    const dist = Math.hypot(
      R[0]! * cx + R[1]! * cy + R[2]! * cz + t[0]!,
      R[3]! * cx + R[4]! * cy + R[5]! * cz + t[1]!,
      R[6]! * cx + R[7]! * cy + R[8]! * cz + t[2]!,
    );
    return { pose, px, Xw, outlier, dist };
  }

  it('recovers the pose within 0.3° and 1% of the distance with 1 px noise and 30% outliers, flagging them', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { pose, px, Xw, outlier, dist } = noisyScene(seed, 200, 0.3, 1);
      const res = estimateAbsolutePose(px, Xw, K, { thresholdPx: 4, seed });
      assert.ok(res !== null);
      const rotErrDeg = rotationAngleBetween(res.camFromWorld.R, pose.R) / DEG;
      const tErr = Math.hypot(
        res.camFromWorld.t[0]! - pose.t[0]!,
        res.camFromWorld.t[1]! - pose.t[1]!,
        res.camFromWorld.t[2]! - pose.t[2]!,
      );
      assert.ok(rotErrDeg < 0.3, `seed ${seed}: rotation error ${rotErrDeg}°`);
      assert.ok(tErr < 0.01 * dist, `seed ${seed}: translation error ${tErr} m at ${dist} m`);
      let flagged = 0;
      let keptInliers = 0;
      for (let i = 0; i < 200; i++) {
        if (outlier[i] && !res.inliers[i]) flagged++;
        if (!outlier[i] && res.inliers[i]) keptInliers++;
      }
      assert.equal(flagged, 60, `seed ${seed}: outliers flagged`);
      assert.ok(keptInliers >= 138, `seed ${seed}: ${keptInliers}/140 inliers kept`);
      assert.ok(res.rmsReprojectionPx > 0.8 && res.rmsReprojectionPx < 1.8, `rms ${res.rmsReprojectionPx}`);
    }
  });

  it('is deterministic for a seed', () => {
    const { px, Xw } = noisyScene(9, 100, 0.3, 1);
    const a = estimateAbsolutePose(px, Xw, K, { thresholdPx: 4, seed: 5 });
    const b = estimateAbsolutePose(px, Xw, K, { thresholdPx: 4, seed: 5 });
    assert.ok(a && b);
    assert.deepEqual(a.camFromWorld.R, b.camFromWorld.R);
    assert.deepEqual(a.inliers, b.inliers);
  });

  it('returns null with fewer than 3 points and rejects bad input', () => {
    assert.equal(estimateAbsolutePose(new Float64Array(4), new Float64Array(6), K, { thresholdPx: 2, seed: 1 }), null);
    assert.throws(
      () => estimateAbsolutePose(new Float64Array(4), new Float64Array(5), K, { thresholdPx: 2, seed: 1 }),
      RangeError,
    );
    assert.throws(
      () => estimateAbsolutePose(new Float64Array(8), new Float64Array(12), K, { thresholdPx: 0, seed: 1 }),
      RangeError,
    );
  });
});

describe('refineAbsolutePose', () => {
  it('converges from a 3° / 10 cm perturbation to the exact pose on noise-free points (1e-9)', () => {
    const rng = mulberry32(21);
    const pose = randomPose(rng);
    const { px, Xw } = scene(rng, pose, 50);
    const dR = rotationFromAxisAngle(new Float64Array(9), [3 * DEG, -2 * DEG, 1 * DEG]);
    const R = new Float64Array(9);
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++)
        R[3 * r + c] = dR[3 * r]! * pose.R[c]! + dR[3 * r + 1]! * pose.R[3 + c]! + dR[3 * r + 2]! * pose.R[6 + c]!;
    const est = { R, t: new Float64Array([pose.t[0]! + 0.1, pose.t[1]! - 0.05, pose.t[2]! + 0.08]) };
    const rep = refineAbsolutePose(est, px, Xw, K, null);
    assert.ok(rep.initialCost > 1e3);
    assert.ok(rep.rmsReprojectionPx < 1e-8, `rms ${rep.rmsReprojectionPx}`);
    assert.ok(rotationAngleBetween(est.R, pose.R) < 1e-9);
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(est.t[k]! - pose.t[k]!) < 1e-9);
  });
});
