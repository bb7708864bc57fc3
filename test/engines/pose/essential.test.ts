import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  mat3Multiply,
  mat3Skew,
  mulberry32,
  randomNormal,
  rotationAngleBetweenDeg,
  rotationFromAxisAngle,
  type Intrinsics,
  type Rng,
} from '../../../engines/core/index.js';
import {
  decomposeEssential,
  essentialFromEightPoints,
  essentialFromFivePoints,
  estimateRelativePose,
  poseFromEssential,
  sampsonErrorSq,
} from '../../../engines/pose/essential.js';

/** A random two-view scene: camera 1 = world, camera 2 = (R, t) with |t| = 1, points in front of both. */
function twoViewScene(rng: Rng, n: number, maxAngleRad = 0.4) {
  const R = rotationFromAxisAngle(
    new Float64Array(9),
    (rng() * 2 - 1) * maxAngleRad,
    (rng() * 2 - 1) * maxAngleRad,
    (rng() * 2 - 1) * maxAngleRad,
  );
  const c = [rng() * 2 - 1, rng() * 2 - 1, (rng() * 2 - 1) * 0.5]; // camera 2 centre, world
  const t = new Float64Array(3);
  for (let r = 0; r < 3; r++) t[r] = -(R[3 * r]! * c[0]! + R[3 * r + 1]! * c[1]! + R[3 * r + 2]! * c[2]!);
  const tn = Math.hypot(t[0]!, t[1]!, t[2]!);
  for (let r = 0; r < 3; r++) t[r] = t[r]! / tn;
  for (let r = 0; r < 3; r++) c[r] = c[r]! / tn;
  const X = new Float64Array(3 * n);
  const x1 = new Float64Array(2 * n);
  const x2 = new Float64Array(2 * n);
  for (let i = 0; i < n;) {
    const p = [rng() * 4 - 2, rng() * 4 - 2, 3 + rng() * 5];
    const q = [0, 1, 2].map((r) => R[3 * r]! * p[0]! + R[3 * r + 1]! * p[1]! + R[3 * r + 2]! * p[2]! + t[r]!);
    if (q[2]! < 0.5) continue;
    X.set(p, 3 * i);
    x1[2 * i] = p[0]! / p[2]!;
    x1[2 * i + 1] = p[1]! / p[2]!;
    x2[2 * i] = q[0]! / q[2]!;
    x2[2 * i + 1] = q[1]! / q[2]!;
    i++;
  }
  const E = mat3Multiply(new Float64Array(9), mat3Skew(new Float64Array(9), t), R);
  const en = Math.hypot(...E);
  for (let i = 0; i < 9; i++) E[i] = E[i]! / en;
  return { R, t, X, x1, x2, E };
}

/** max |a − s·b| over entries, s = ±1 chosen to align signs (both unit Frobenius). */
function essentialDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dp = 0;
  let dm = 0;
  for (let i = 0; i < 9; i++) {
    dp = Math.max(dp, Math.abs(a[i]! - b[i]!));
    dm = Math.max(dm, Math.abs(a[i]! + b[i]!));
  }
  return Math.min(dp, dm);
}

/** Angle between two 3-vectors, degrees (atan2 form: exact near 0). */
const angleDeg = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  const d = a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
  const c = Math.hypot(a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!);
  return (Math.atan2(c, d) * 180) / Math.PI;
};

describe('essentialFromFivePoints', () => {
  it('returns the true essential matrix (to 1e-8) from 5 exact correspondences, ≥ 99 of 100 scenes', (t) => {
    const rng = mulberry32(2024);
    const out = new Float64Array(90);
    let ok = 0;
    let worst = 0;
    let solutions = 0;
    const trials = 200;
    for (let trial = 0; trial < trials; trial++) {
      const s = twoViewScene(rng, 5);
      const k = essentialFromFivePoints(out, s.x1, s.x2);
      solutions += k;
      let best = Infinity;
      for (let j = 0; j < k; j++) best = Math.min(best, essentialDistance(out.subarray(9 * j, 9 * j + 9), s.E));
      if (best < 1e-8) ok++;
      else worst = Math.max(worst, best);
    }
    t.diagnostic(`success ${ok}/${trials}, mean solutions ${(solutions / trials).toFixed(2)}, worst failure ${worst}`);
    assert.ok(ok >= 0.99 * trials, `${ok}/${trials}`);
  });

  it('every returned matrix is essential and fits the 5 points', () => {
    const rng = mulberry32(7);
    const out = new Float64Array(90);
    for (let trial = 0; trial < 20; trial++) {
      const s = twoViewScene(rng, 5);
      const k = essentialFromFivePoints(out, s.x1, s.x2);
      assert.ok(k >= 1);
      for (let j = 0; j < k; j++) {
        const E = out.subarray(9 * j, 9 * j + 9);
        for (let i = 0; i < 5; i++) assert.ok(sampsonErrorSq(E, s.x1, s.x2, i) < 1e-18);
      }
    }
  });
});

describe('essentialFromEightPoints', () => {
  it('is exact on noise-free data', () => {
    const rng = mulberry32(8);
    for (let trial = 0; trial < 20; trial++) {
      const s = twoViewScene(rng, 30);
      const E = new Float64Array(9);
      assert.ok(essentialFromEightPoints(E, s.x1, s.x2));
      assert.ok(essentialDistance(E, s.E) < 1e-9, `${essentialDistance(E, s.E)}`);
    }
    assert.equal(essentialFromEightPoints(new Float64Array(9), new Float64Array(14), new Float64Array(14)), false);
  });
});

describe('decomposeEssential / poseFromEssential', () => {
  it('one of the four candidates is the true pose, and cheirality picks it', () => {
    const rng = mulberry32(9);
    for (let trial = 0; trial < 50; trial++) {
      const s = twoViewScene(rng, 20);
      const R1 = new Float64Array(9);
      const R2 = new Float64Array(9);
      const t = new Float64Array(3);
      decomposeEssential(R1, R2, t, s.E);
      const rotErr = Math.min(rotationAngleBetweenDeg(R1, s.R), rotationAngleBetweenDeg(R2, s.R));
      assert.ok(rotErr < 1e-9, `rotation error ${rotErr}°`);
      assert.ok(
        Math.min(
          angleDeg(t, s.t),
          angleDeg(
            t,
            s.t.map((v) => -v),
          ),
        ) < 1e-9,
      );
      const R = new Float64Array(9);
      const tt = new Float64Array(3);
      const front = poseFromEssential(R, tt, s.E, s.x1, s.x2);
      assert.equal(front, 20);
      assert.ok(rotationAngleBetweenDeg(R, s.R) < 1e-9);
      assert.ok(Math.hypot(tt[0]! - s.t[0]!, tt[1]! - s.t[1]!, tt[2]! - s.t[2]!) < 1e-9);
    }
  });
});

describe('estimateRelativePose', () => {
  const K: Intrinsics = { fx: 800, fy: 800, cx: 320, cy: 240 };
  const K2: Intrinsics = { fx: 900, fy: 880, cx: 330, cy: 250 };

  function pixelScene(seed: number, n: number, outlierRatio: number, sigmaPx: number) {
    const rng = mulberry32(seed);
    const s = twoViewScene(rng, n);
    const p1 = new Float64Array(2 * n);
    const p2 = new Float64Array(2 * n);
    const isOutlier = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      p1[2 * i] = K.fx * s.x1[2 * i]! + K.cx + sigmaPx * randomNormal(rng);
      p1[2 * i + 1] = K.fy * s.x1[2 * i + 1]! + K.cy + sigmaPx * randomNormal(rng);
      if (rng() < outlierRatio) {
        isOutlier[i] = 1;
        p2[2 * i] = rng() * 640;
        p2[2 * i + 1] = rng() * 480;
      } else {
        p2[2 * i] = K2.fx * s.x2[2 * i]! + K2.cx + sigmaPx * randomNormal(rng);
        p2[2 * i + 1] = K2.fy * s.x2[2 * i + 1]! + K2.cy + sigmaPx * randomNormal(rng);
      }
    }
    return { s, p1, p2, isOutlier };
  }

  it('recovers R within 0.5° and t within 2° with 0.5 px noise and 30% outliers, flagging the outliers', (t) => {
    const rows: string[] = [];
    const checks: (() => void)[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const { s, p1, p2, isOutlier } = pixelScene(seed, 300, 0.3, 0.5);
      const r = estimateRelativePose(p1, p2, K, K2, { thresholdPx: 2, seed });
      assert.ok(r);
      const rotErr = rotationAngleBetweenDeg(r.camFromWorld.R, s.R);
      const tErr = angleDeg(r.camFromWorld.t, s.t);
      let missed = 0;
      let falseRej = 0;
      for (let i = 0; i < 300; i++) {
        if (isOutlier[i] && r.inliers[i]) missed++;
        if (!isOutlier[i] && !r.inliers[i]) falseRej++;
      }
      rows.push(
        `seed ${seed}: R ${rotErr.toFixed(3)}°, t ${tErr.toFixed(3)}°, outliers kept ${missed}, inliers lost ${falseRej}, iterations ${r.iterations}`,
      );
      checks.push(() => {
        assert.ok(rotErr < 0.5, `seed ${seed}: rotation error ${rotErr}°`);
        assert.ok(tErr < 2, `seed ${seed}: translation direction error ${tErr}°`);
        // A random outlier lands within 2 px of its epipolar line with probability ≈ 1%.
        assert.ok(missed <= 5, `seed ${seed}: ${missed} outliers kept`);
        assert.ok(falseRej <= 3, `seed ${seed}: ${falseRej} inliers rejected`);
        assert.ok(r.inFrontCount >= r.inlierCount - 5);
      });
    }
    for (const row of rows) t.diagnostic(row);
    for (const check of checks) check();
  });

  it('is exact without noise, and the same seed gives the same result', () => {
    const { s, p1, p2 } = pixelScene(3, 100, 0.2, 0);
    const a = estimateRelativePose(p1, p2, K, K2, { thresholdPx: 1, seed: 5 });
    const b = estimateRelativePose(p1, p2, K, K2, { thresholdPx: 1, seed: 5 });
    assert.ok(a && b);
    assert.ok(rotationAngleBetweenDeg(a.camFromWorld.R, s.R) < 1e-7);
    assert.ok(angleDeg(a.camFromWorld.t, s.t) < 1e-6);
    assert.deepEqual(a.E, b.E);
    assert.deepEqual(a.inliers, b.inliers);
  });

  it('returns null for fewer than 5 points and checks its options', () => {
    const p = new Float64Array(8);
    assert.equal(estimateRelativePose(p, p, K, K, { thresholdPx: 1, seed: 1 }), null);
    assert.throws(() => estimateRelativePose(p, new Float64Array(6), K, K, { thresholdPx: 1, seed: 1 }), RangeError);
    assert.throws(() => estimateRelativePose(p, p, K, K, { thresholdPx: 0, seed: 1 }), RangeError);
  });
});
