import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  mulberry32,
  randomNormal,
  rotationFromAxisAngle,
  type Intrinsics,
  type Rng,
} from '../../../engines/core/index.js';
import type { CamFromWorld } from '../../../engines/pose/pnp.js';
import {
  depthInCamera,
  reprojectionErrorPx,
  triangulateDlt,
  triangulatePoint,
  triangulateTwoView,
  triangulationAngleDeg,
  type TriangulationReport,
} from '../../../engines/pose/triangulate.js';

const K: Intrinsics = { fx: 800, fy: 780, cx: 320.5, cy: 240.5 };

/** camFromWorld of a camera at centre C (world) rotated by axis-angle r: t = −R·C. */
function camAt(C: number[], r: number[]): CamFromWorld {
  const R = rotationFromAxisAngle(new Float64Array(9), r[0]!, r[1]!, r[2]!);
  const t = new Float64Array(3);
  for (let i = 0; i < 3; i++) t[i] = -(R[3 * i]! * C[0]! + R[3 * i + 1]! * C[1]! + R[3 * i + 2]! * C[2]!);
  return { R, t };
}

function project(X: ArrayLike<number>, cam: CamFromWorld): [number, number] {
  const { R, t } = cam;
  const c = [0, 1, 2].map((i) => R[3 * i]! * X[0]! + R[3 * i + 1]! * X[1]! + R[3 * i + 2]! * X[2]!);
  const z = c[2]! + t[2]!;
  return [K.fx * ((c[0]! + t[0]!) / z) + K.cx, K.fy * ((c[1]! + t[1]!) / z) + K.cy];
}

/** n cameras on a ~2 m arc looking roughly along +z at points 4–8 m away. */
function rig(rng: Rng, n: number): CamFromWorld[] {
  const cams: CamFromWorld[] = [];
  for (let v = 0; v < n; v++)
    cams.push(
      camAt(
        [(rng() * 2 - 1) * 1, (rng() * 2 - 1) * 0.5, (rng() * 2 - 1) * 0.3],
        [(rng() * 2 - 1) * 0.1, (rng() * 2 - 1) * 0.1, (rng() * 2 - 1) * 0.1],
      ),
    );
  return cams;
}

const randomPoint = (rng: Rng) => Float64Array.of(rng() * 4 - 2, rng() * 3 - 1.5, 4 + rng() * 4);

describe('triangulateDlt', () => {
  it('is exact (1e-9) on noise-free observations, two views and five', () => {
    const rng = mulberry32(1);
    const out = new Float64Array(3);
    let worst = 0;
    for (let trial = 0; trial < 200; trial++) {
      const nViews = trial % 2 === 0 ? 2 : 5;
      const cams = rig(rng, nViews);
      const X = randomPoint(rng);
      const px = cams.flatMap((c) => project(X, c));
      assert.ok(
        triangulateDlt(
          out,
          px,
          cams,
          cams.map(() => K),
        ),
      );
      worst = Math.max(worst, Math.hypot(out[0]! - X[0]!, out[1]! - X[1]!, out[2]! - X[2]!));
    }
    assert.ok(worst < 1e-9, `worst error ${worst}`);
  });

  it('two-view helper matches, and noise gives the expected depth error', (t) => {
    const rng = mulberry32(2);
    const cams = [camAt([0, 0, 0], [0, 0, 0]), camAt([1, 0, 0], [0, -0.1, 0])];
    const out = new Float64Array(3);
    const sigma = 0.5;
    let sumSq = 0;
    let sumPredSq = 0;
    const trials = 500;
    for (let trial = 0; trial < trials; trial++) {
      const X = randomPoint(rng);
      const [u1, v1] = project(X, cams[0]!);
      const [u2, v2] = project(X, cams[1]!);
      assert.ok(
        triangulateTwoView(
          out,
          u1 + sigma * randomNormal(rng),
          v1 + sigma * randomNormal(rng),
          cams[0]!,
          K,
          u2 + sigma * randomNormal(rng),
          v2 + sigma * randomNormal(rng),
          cams[1]!,
          K,
        ),
      );
      sumSq += (out[0]! - X[0]!) ** 2 + (out[1]! - X[1]!) ** 2 + (out[2]! - X[2]!) ** 2;
      // First-order depth error of a stereo pair: σ_Z ≈ Z² · σ·√2 / (f · baseline).
      sumPredSq += ((X[2]! ** 2 * sigma * Math.SQRT2) / (K.fx * 1)) ** 2;
    }
    const rms = Math.sqrt(sumSq / trials);
    const predicted = Math.sqrt(sumPredSq / trials);
    t.diagnostic(
      `0.5 px noise, 1 m baseline, depth 4–8 m: RMS 3D error ${rms.toFixed(4)} m, predicted ${predicted.toFixed(4)} m`,
    );
    assert.ok(rms < 1.5 * predicted && rms > 0.5 * predicted, `rms ${rms}, predicted ${predicted}`);
  });

  it('reports failure for a single view or parallel rays (point at infinity)', () => {
    const out = new Float64Array(3);
    const cams = [camAt([0, 0, 0], [0, 0, 0]), camAt([1, 0, 0], [0, 0, 0])];
    assert.equal(triangulateDlt(out, [320.5, 240.5], cams.slice(0, 1), [K]), false);
    // Same pixel in two parallel cameras: the rays meet at infinity.
    assert.equal(triangulateDlt(out, [400, 300, 400, 300], cams, [K, K]), false);
  });
});

describe('checks', () => {
  it('depth, angle and reprojection error of a known point', () => {
    const camA = camAt([0, 0, 0], [0, 0, 0]);
    const camB = camAt([2, 0, 0], [0, 0, 0]);
    const X = [1, 0, 1];
    assert.ok(Math.abs(depthInCamera(X, camA) - 1) < 1e-15);
    assert.ok(Math.abs(triangulationAngleDeg(X, camA, camB) - 90) < 1e-12);
    const [u, v] = project(X, camA);
    assert.ok(reprojectionErrorPx(X, u, v, camA, K) < 1e-12);
    assert.ok(Math.abs(reprojectionErrorPx(X, u + 3, v + 4, camA, K) - 5) < 1e-12);
    assert.equal(reprojectionErrorPx([0, 0, -1], u, v, camA, K), Infinity);
  });

  it('triangulatePoint says ok, small_angle, behind_camera and reprojection when it should', () => {
    const report: TriangulationReport = { maxAngleDeg: 0, minDepth: 0, maxReprojectionErrorPx: 0 };
    const out = new Float64Array(3);
    const camA = camAt([0, 0, 0], [0, 0, 0]);
    const camB = camAt([1, 0, 0], [0, 0, 0]);
    const X = [0.5, 0.2, 5];
    const px = [...project(X, camA), ...project(X, camB)];
    assert.equal(triangulatePoint(out, px, [camA, camB], [K, K], {}, report), 'ok');
    assert.ok(report.maxAngleDeg > 11 && report.maxAngleDeg < 12); // 2·atan(0.5 / 5) ≈ 11.4°
    assert.ok(report.maxReprojectionErrorPx < 1e-9);

    // 5 cm baseline at 5 m: ≈ 0.57°.
    const camC = camAt([0.05, 0, 0], [0, 0, 0]);
    const pxC = [...project(X, camA), ...project(X, camC)];
    assert.equal(triangulatePoint(out, pxC, [camA, camC], [K, K], {}, report), 'small_angle');
    assert.ok(report.maxAngleDeg < 1);
    assert.equal(triangulatePoint(out, pxC, [camA, camC], [K, K], { minAngleDeg: 0.5 }), 'ok');

    // A camera at z = 10 looking back along −z, "seeing" a point at z = 15 behind it (its projection
    // through a negative depth): both rays meet only behind that camera.
    const camBack = camAt([1, 0, 10], [0, Math.PI, 0]);
    const pxBack = [...project(X, camA), ...project([0.5, 0.2, 15], camBack)];
    const status = triangulatePoint(out, pxBack, [camA, camBack], [K, K], {}, report);
    assert.equal(status, 'behind_camera');
    assert.ok(report.minDepth <= 0);

    // Observations shifted off the epipolar line by 10 px: the best point cannot explain both.
    const pxBad = [px[0]!, px[1]!, px[2]!, px[3]! + 10];
    assert.equal(triangulatePoint(out, pxBad, [camA, camB], [K, K], {}, report), 'reprojection');
    assert.ok(report.maxReprojectionErrorPx > 4);
    assert.equal(triangulatePoint(out, pxBad, [camA, camB], [K, K], { maxReprojectionErrorPx: 20 }), 'ok');

    assert.equal(triangulatePoint(out, px.slice(0, 2), [camA], [K], {}, report), 'degenerate');
  });
});
