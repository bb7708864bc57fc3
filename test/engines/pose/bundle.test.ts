import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32, randomNormal, solveInPlace, type Rng } from '../../../engines/core/index.js';
import { applySimilarity, createSimilarity, umeyamaAlignment } from '../../../engines/pose/align.js';
import {
  bundleAdjust,
  bundleDenseJacobian,
  bundleStep,
  type BundleOptions,
  type BundleProblem,
} from '../../../engines/pose/bundle.js';
import {
  axisAngleFromRotation,
  multiplyRotations,
  rotationAngleBetween,
  rotationFromAxisAngle,
} from '../../../engines/pose/rotation.js';

const F = 800;
const CX = 320;
const CY = 240;
const W = 640;
const H = 480;
const DEG = Math.PI / 180;

interface Truth {
  problem: BundleProblem;
  cams: Float64Array;
  pts: Float64Array;
}

/**
 * nCams cameras on a ring of radius 6 m (heights ±1 m) looking at a 3 m cloud of nPts points
 * around the origin; every projection inside the image is an observation (pixel noise `noisePx`).
 */
function makeScene(rng: Rng, nCams: number, nPts: number, noisePx: number): Truth {
  const cams = new Float64Array(6 * nCams);
  const R = new Float64Array(9);
  for (let c = 0; c < nCams; c++) {
    const a = (2 * Math.PI * c) / nCams + 0.1 * rng();
    const C = [6 * Math.cos(a), 6 * Math.sin(a), 2 * rng() - 1];
    const tx = 0.3 * (rng() - 0.5);
    const ty = 0.3 * (rng() - 0.5);
    let z = [tx - C[0]!, ty - C[1]!, -C[2]!];
    let n = Math.hypot(z[0]!, z[1]!, z[2]!);
    z = z.map((v) => v / n);
    // x = z × up (world z up), y = z × x: camera x right, y down
    let x = [z[1]!, -z[0]!, 0];
    n = Math.hypot(x[0]!, x[1]!, x[2]!);
    x = x.map((v) => v / n);
    const y = [z[1]! * x[2]! - z[2]! * x[1]!, z[2]! * x[0]! - z[0]! * x[2]!, z[0]! * x[1]! - z[1]! * x[0]!];
    R.set([...x, ...y, ...z]);
    axisAngleFromRotation(cams, R, 0, 6 * c);
    for (let r = 0; r < 3; r++)
      cams[6 * c + 3 + r] = -(R[3 * r]! * C[0]! + R[3 * r + 1]! * C[1]! + R[3 * r + 2]! * C[2]!);
  }
  const pts = new Float64Array(3 * nPts);
  for (let i = 0; i < 3 * nPts; i++) pts[i] = 3 * (rng() - 0.5);
  const oc: number[] = [];
  const op: number[] = [];
  const ox: number[] = [];
  for (let c = 0; c < nCams; c++) {
    rotationFromAxisAngle(R, cams, 6 * c);
    for (let p = 0; p < nPts; p++) {
      const xc = [0, 1, 2].map(
        (r) =>
          R[3 * r]! * pts[3 * p]! +
          R[3 * r + 1]! * pts[3 * p + 1]! +
          R[3 * r + 2]! * pts[3 * p + 2]! +
          cams[6 * c + 3 + r]!,
      );
      const u = (F * xc[0]!) / xc[2]! + CX;
      const v = (F * xc[1]!) / xc[2]! + CY;
      if (xc[2]! <= 0.5 || u < 0 || u >= W || v < 0 || v >= H) continue;
      oc.push(c);
      op.push(p);
      ox.push(u + noisePx * randomNormal(rng), v + noisePx * randomNormal(rng));
    }
  }
  const problem: BundleProblem = {
    camFromWorld: cams.slice(),
    pointsWorld: pts.slice(),
    intrinsics: new Float64Array([F, CX, CY]),
    obsCamera: Uint32Array.from(oc),
    obsPoint: Uint32Array.from(op),
    obsPx: Float64Array.from(ox),
  };
  return { problem, cams, pts };
}

/** Rotation noise (deg), translation noise (fraction of |t|), point noise (fraction of the cloud size) on all but `keep`. */
function perturb(rng: Rng, pb: BundleProblem, rotDeg: number, tFrac: number, ptFrac: number, keep: number[]): void {
  const nCams = pb.camFromWorld.length / 6;
  const R = new Float64Array(9);
  const dR = new Float64Array(9);
  for (let c = 0; c < nCams; c++) {
    if (keep.includes(c)) continue;
    rotationFromAxisAngle(R, pb.camFromWorld, 6 * c);
    const ax = [randomNormal(rng), randomNormal(rng), randomNormal(rng)];
    const n = Math.hypot(ax[0]!, ax[1]!, ax[2]!);
    rotationFromAxisAngle(
      dR,
      ax.map((v) => (v / n) * rotDeg * DEG),
    );
    multiplyRotations(R, dR, R);
    axisAngleFromRotation(pb.camFromWorld, R, 0, 6 * c);
    const tn = Math.hypot(pb.camFromWorld[6 * c + 3]!, pb.camFromWorld[6 * c + 4]!, pb.camFromWorld[6 * c + 5]!);
    for (let k = 3; k < 6; k++)
      pb.camFromWorld[6 * c + k] = pb.camFromWorld[6 * c + k]! + (tFrac * tn * randomNormal(rng)) / Math.sqrt(3);
  }
  for (let i = 0; i < pb.pointsWorld.length; i++)
    pb.pointsWorld[i] = pb.pointsWorld[i]! + (ptFrac * 3 * randomNormal(rng)) / Math.sqrt(3);
}

function centres(cams: Float64Array): Float64Array {
  const n = cams.length / 6;
  const out = new Float64Array(3 * n);
  const R = new Float64Array(9);
  for (let c = 0; c < n; c++) {
    rotationFromAxisAngle(R, cams, 6 * c);
    for (let k = 0; k < 3; k++)
      out[3 * c + k] = -(R[k]! * cams[6 * c + 3]! + R[3 + k]! * cams[6 * c + 4]! + R[6 + k]! * cams[6 * c + 5]!);
  }
  return out;
}

/** Worst rotation error (deg) and centre error (m) after aligning the estimated centres to the truth. */
function poseErrors(est: Float64Array, truth: Float64Array): { rotDeg: number; centreM: number } {
  const ce = centres(est);
  const ct = centres(truth);
  const sim = createSimilarity();
  assert.ok(umeyamaAlignment(sim, ce, ct));
  const aligned = applySimilarity(new Float64Array(ce.length), sim, ce);
  const n = est.length / 6;
  const Re = new Float64Array(9);
  const Rt = new Float64Array(9);
  const RaT = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) RaT[3 * r + c] = sim.R[3 * c + r]!;
  let rotDeg = 0;
  let centreM = 0;
  for (let c = 0; c < n; c++) {
    rotationFromAxisAngle(Re, est, 6 * c);
    rotationFromAxisAngle(Rt, truth, 6 * c);
    multiplyRotations(Re, Re, RaT); // camFromTruthWorld = R_est · R_alignᵀ
    rotDeg = Math.max(rotDeg, rotationAngleBetween(Re, Rt) / DEG);
    centreM = Math.max(
      centreM,
      Math.hypot(
        aligned[3 * c]! - ct[3 * c]!,
        aligned[3 * c + 1]! - ct[3 * c + 1]!,
        aligned[3 * c + 2]! - ct[3 * c + 2]!,
      ),
    );
  }
  return { rotDeg, centreM };
}

describe('bundleAdjust', () => {
  it('Schur step equals the dense LM step to 1e-8 (focal + principal point, Huber, scale gauge)', () => {
    const rng = mulberry32(1);
    const { problem } = makeScene(rng, 4, 12, 0.5);
    perturb(rng, problem, 2, 0.05, 0.05, [0]);
    problem.intrinsics[0] = F * 1.05;
    problem.obsPx[0] = problem.obsPx[0]! + 30; // one gross error so the Huber weights differ from 1
    const opts: BundleOptions = { refineFocal: true, refinePrincipalPoint: true, loss: 'huber', lossScalePx: 2 };
    for (const lambda of [1e-3, 0.5]) {
      const { J, residuals, weights, nParams: n, gaugeColumn } = bundleDenseJacobian(problem, opts);
      assert.ok(gaugeColumn >= 0);
      assert.ok(weights.some((w) => w < 1));
      const A = new Float64Array(n * n);
      const b = new Float64Array(n);
      const m = residuals.length;
      for (let r = 0; r < m; r++) {
        const w = weights[r >> 1]!;
        for (let i = 0; i < n; i++) {
          const ji = J[r * n + i]!;
          if (ji === 0) continue;
          b[i] = b[i]! - w * ji * residuals[r]!;
          for (let j = 0; j < n; j++) A[i * n + j] = A[i * n + j]! + w * ji * J[r * n + j]!;
        }
      }
      for (let i = 0; i < n; i++) A[i * n + i] = A[i * n + i]! + lambda * Math.max(A[i * n + i]!, 1e-9);
      for (let i = 0; i < n; i++) A[gaugeColumn * n + i] = A[i * n + gaugeColumn] = 0;
      A[gaugeColumn * n + gaugeColumn] = 1;
      b[gaugeColumn] = 0;
      assert.ok(solveInPlace(A, b, n));
      const step = new Float64Array(n);
      assert.ok(bundleStep(step, problem, opts, lambda));
      let maxAbs = 0;
      let maxDiff = 0;
      for (let i = 0; i < n; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(b[i]!));
        maxDiff = Math.max(maxDiff, Math.abs(b[i]! - step[i]!));
      }
      assert.ok(maxAbs > 1e-3);
      assert.ok(maxDiff <= 1e-8 * maxAbs, `λ ${lambda}: max difference ${maxDiff} (step ${maxAbs})`);
    }
  });

  it('has the analytic Jacobian of the reprojection residuals (central differences, 1e-6 relative)', () => {
    const rng = mulberry32(2);
    const { problem } = makeScene(rng, 3, 6, 0);
    const opts: BundleOptions = { refineFocal: true, refinePrincipalPoint: true, fixedCameras: [0], fixScale: false };
    const { J, residuals, nParams: n } = bundleDenseJacobian(problem, opts);
    const m = residuals.length;
    const h = 1e-6;
    const step = new Float64Array(n);
    let worst = 0;
    for (let col = 0; col < n; col++) {
      // apply ±h along one column through the solver's own update rule (left rotation step)
      const res: Float64Array[] = [];
      for (const sgn of [1, -1]) {
        const pb: BundleProblem = {
          ...problem,
          camFromWorld: problem.camFromWorld.slice(),
          pointsWorld: problem.pointsWorld.slice(),
          intrinsics: problem.intrinsics.slice(),
        };
        step.fill(0);
        step[col] = sgn * h;
        applyDelta(pb, step, opts);
        res.push(bundleDenseJacobian(pb, opts).residuals);
      }
      for (let r = 0; r < m; r++) {
        const fd = (res[0]![r]! - res[1]![r]!) / (2 * h);
        const an = J[r * n + col]!;
        worst = Math.max(worst, Math.abs(fd - an) / Math.max(1, Math.abs(an)));
      }
    }
    assert.ok(worst < 1e-5, `worst relative difference ${worst}`);
  });

  it('converges exactly on noise-free data from 2° / 5% / 5% / focal +5% perturbations', () => {
    const rng = mulberry32(3);
    const { problem, cams } = makeScene(rng, 8, 120, 0);
    perturb(rng, problem, 2, 0.05, 0.05, [0]);
    problem.intrinsics[0] = F * 1.05;
    const rep = bundleAdjust(problem, { refineFocal: true });
    assert.ok(rep.converged);
    assert.ok(rep.rmsReprojectionPx < 1e-6, `rms ${rep.rmsReprojectionPx}`);
    assert.ok(Math.abs(problem.intrinsics[0]! / F - 1) < 1e-8);
    const e = poseErrors(problem.camFromWorld, cams);
    assert.ok(e.rotDeg < 1e-6 && e.centreM < 1e-6, JSON.stringify(e));
  });

  it('recovers focal (0.5%) and poses on 15 cameras × 400 points with 0.5 px noise', (t) => {
    const rng = mulberry32(4);
    const { problem, cams } = makeScene(rng, 15, 400, 0.5);
    perturb(rng, problem, 2, 0.05, 0.05, [0]);
    problem.intrinsics[0] = F * 0.95;
    const t0 = performance.now();
    const rep = bundleAdjust(problem, { refineFocal: true, loss: 'huber', lossScalePx: 2 });
    const ms = performance.now() - t0;
    const e = poseErrors(problem.camFromWorld, cams);
    const focalErr = Math.abs(problem.intrinsics[0]! / F - 1);
    t.diagnostic(
      `BA 15 cams × 400 pts, ${problem.obsCamera.length} obs: ${ms.toFixed(0)} ms, ${rep.iterations} iterations, ` +
        `rms ${rep.initialCost > 0 ? rep.rmsReprojectionPx.toFixed(3) : '?'} px, focal error ${(100 * focalErr).toFixed(3)}%, ` +
        `rotation ${e.rotDeg.toFixed(4)}°, centre ${(1000 * e.centreM).toFixed(2)} mm`,
    );
    assert.ok(rep.converged);
    assert.ok(rep.finalCost < rep.initialCost / 100);
    assert.ok(rep.rmsReprojectionPx <= 0.6, `rms ${rep.rmsReprojectionPx}`);
    assert.ok(focalErr < 0.005, `focal error ${focalErr}`);
    assert.ok(e.rotDeg < 0.1, `rotation error ${e.rotDeg}°`);
    assert.ok(e.centreM < 0.06, `centre error ${e.centreM} m (ring radius 6 m)`);
  });

  it('keeps gross outlier observations from spoiling the result with the Huber loss', () => {
    const build = () => {
      const rng = mulberry32(5);
      const s = makeScene(rng, 12, 250, 0.5);
      perturb(rng, s.problem, 2, 0.05, 0.05, [0]);
      s.problem.intrinsics[0] = F * 1.05;
      const n = s.problem.obsCamera.length;
      for (let k = 0; k < 40; k++) {
        const o = Math.floor(rng() * n);
        s.problem.obsPx[2 * o] = s.problem.obsPx[2 * o]! + (rng() < 0.5 ? -1 : 1) * (30 + 30 * rng());
        s.problem.obsPx[2 * o + 1] = s.problem.obsPx[2 * o + 1]! + (rng() < 0.5 ? -1 : 1) * (30 + 30 * rng());
      }
      return s;
    };
    const robust = build();
    bundleAdjust(robust.problem, { refineFocal: true, loss: 'huber', lossScalePx: 1 });
    const plain = build();
    bundleAdjust(plain.problem, { refineFocal: true });
    const eR = poseErrors(robust.problem.camFromWorld, robust.cams);
    const eP = poseErrors(plain.problem.camFromWorld, plain.cams);
    const fR = Math.abs(robust.problem.intrinsics[0]! / F - 1);
    const fP = Math.abs(plain.problem.intrinsics[0]! / F - 1);
    assert.ok(fR < 0.005, `Huber focal error ${fR}`);
    assert.ok(eR.rotDeg < 0.1, `Huber rotation error ${eR.rotDeg}°`);
    assert.ok(eR.centreM < 0.06, `Huber centre error ${eR.centreM}`);
    assert.ok(eP.centreM > 2 * eR.centreM || fP > 2 * fR, 'least squares is visibly worse');
  });

  it('local BA moves only the variable cameras', () => {
    const rng = mulberry32(6);
    const { problem, cams } = makeScene(rng, 10, 200, 0);
    perturb(rng, problem, 2, 0.05, 0, [0, 1, 2, 3, 4, 5, 6]);
    const before = problem.camFromWorld.slice();
    const rep = bundleAdjust(problem, { fixedCameras: [0, 1, 2, 3, 4, 5, 6] });
    assert.ok(rep.converged && rep.rmsReprojectionPx < 1e-6);
    for (let i = 0; i < 42; i++) assert.equal(problem.camFromWorld[i], before[i]);
    for (let i = 42; i < 60; i++) assert.ok(Math.abs(problem.camFromWorld[i]! - cams[i]!) < 1e-7);
  });

  it('rejects malformed problems', () => {
    const { problem } = makeScene(mulberry32(7), 3, 10, 0);
    assert.throws(() => bundleAdjust({ ...problem, obsPx: new Float64Array(3) }), RangeError);
    assert.throws(() => bundleAdjust(problem, { fixedCameras: [5] }), RangeError);
    assert.throws(
      () => bundleAdjust({ ...problem, obsPoint: Uint32Array.from(problem.obsPoint, () => 99) }),
      RangeError,
    );
  });
});

/** Applies a step in the solver's column order (left rotation update), as the solver does. */
function applyDelta(pb: BundleProblem, d: Float64Array, opts: BundleOptions): void {
  const fixed = new Set(Array.from(opts.fixedCameras ?? [0]));
  const nCams = pb.camFromWorld.length / 6;
  const R = new Float64Array(9);
  const dR = new Float64Array(9);
  let slot = 0;
  for (let c = 0; c < nCams; c++) {
    if (fixed.has(c)) continue;
    rotationFromAxisAngle(dR, d, 6 * slot);
    rotationFromAxisAngle(R, pb.camFromWorld, 6 * c);
    multiplyRotations(R, dR, R);
    axisAngleFromRotation(pb.camFromWorld, R, 0, 6 * c);
    for (let k = 3; k < 6; k++) pb.camFromWorld[6 * c + k] = pb.camFromWorld[6 * c + k]! + d[6 * slot + k]!;
    slot++;
  }
  let k = 6 * slot;
  if (opts.refineFocal) pb.intrinsics[0] = pb.intrinsics[0]! + d[k++]!;
  if (opts.refinePrincipalPoint) {
    pb.intrinsics[1] = pb.intrinsics[1]! + d[k++]!;
    pb.intrinsics[2] = pb.intrinsics[2]! + d[k++]!;
  }
  for (let i = 0; i < pb.pointsWorld.length; i++) pb.pointsWorld[i] = pb.pointsWorld[i]! + d[k + i]!;
}
