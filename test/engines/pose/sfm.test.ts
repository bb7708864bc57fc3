import assert from 'node:assert/strict';
import { test } from 'node:test';
import { incrementalSfm, rotationAngleBetween, type Tracks } from '../../../engines/pose/index.js';
import { gaussian, mulberry32 } from '../../fixtures/scenes.js';

/** A turntable-like ring of cameras looking at a cloud of points, observed with noise and outliers. */
function ringScene(opts: {
  frames: number;
  points: number;
  noisePx: number;
  outlierShare: number;
  brokenFrame?: number;
}) {
  const rand = mulberry32(11);
  const gauss = gaussian(rand);
  const K = { fx: 800, fy: 800, cx: 320, cy: 240 };
  const pts: number[][] = [];
  for (let i = 0; i < opts.points; i++) pts.push([(rand() - 0.5) * 1.2, (rand() - 0.5) * 1.2, (rand() - 0.5) * 1.2]);
  const cams: { R: Float64Array; t: Float64Array }[] = [];
  for (let f = 0; f < opts.frames; f++) {
    const a = (f * 2 * Math.PI * 0.6) / opts.frames; // 216° of a ring, radius 4, looking at the origin
    const C = [4 * Math.sin(a), 0.6, -4 * Math.cos(a)];
    const z = C.map((v) => -v / Math.hypot(...C)); // forward
    const xv = [z[2]!, 0, -z[0]!]; // right = up × forward with up = (0, −1, 0)… normalised below
    const xn = Math.hypot(...xv);
    const x = xv.map((v) => v / xn);
    const y = [z[1]! * x[2]! - z[2]! * x[1]!, z[2]! * x[0]! - z[0]! * x[2]!, z[0]! * x[1]! - z[1]! * x[0]!];
    const R = Float64Array.from([...x, ...y, ...z]);
    const t = Float64Array.from(
      [0, 1, 2].map((r) => -(R[3 * r]! * C[0]! + R[3 * r + 1]! * C[1]! + R[3 * r + 2]! * C[2]!)),
    );
    cams.push({ R, t });
  }
  const obsFrame: number[] = [];
  const obsTrack: number[] = [];
  const obsXY: number[] = [];
  cams.forEach((c, f) => {
    pts.forEach((P, id) => {
      const Xc = [0, 1, 2].map(
        (r) => c.R[3 * r]! * P[0]! + c.R[3 * r + 1]! * P[1]! + c.R[3 * r + 2]! * P[2]! + c.t[r]!,
      );
      let u = (K.fx * Xc[0]!) / Xc[2]! + K.cx;
      let v = (K.fy * Xc[1]!) / Xc[2]! + K.cy;
      if (u < 0 || v < 0 || u >= 640 || v >= 480) return;
      if (f === opts.brokenFrame || rand() < opts.outlierShare) {
        u = rand() * 640;
        v = rand() * 480;
      } else {
        u += opts.noisePx * gauss();
        v += opts.noisePx * gauss();
      }
      obsFrame.push(f);
      obsTrack.push(id);
      obsXY.push(u, v);
    });
  });
  const tracks: Tracks = {
    frameCount: opts.frames,
    obsFrame: Int32Array.from(obsFrame),
    obsTrack: Int32Array.from(obsTrack),
    obsXY: Float64Array.from(obsXY),
  };
  return { tracks, cams, K };
}

test('incrementalSfm › registers a ring of 20 views with noise and outliers, recovers relative rotations and the focal, and reports the frame it cannot register', () => {
  const { tracks, cams, K } = ringScene({ frames: 20, points: 400, noisePx: 0.5, outlierShare: 0.05, brokenFrame: 13 });
  const t = performance.now();
  const r = incrementalSfm(tracks, { K: { ...K, fx: 880, fy: 880 }, refineFocal: true, seed: 3 });
  const ms = performance.now() - t;
  assert.equal(r.registeredCount, 19, r.reasons.join(' | '));
  assert.equal(r.cameras[13], null);
  assert.match(r.reasons[13]!, /inliers|reconstructed points/);
  const errs: number[] = [];
  for (let i = 0; i < 20; i++)
    for (let j = i + 1; j < 20; j++) {
      const a = r.cameras[i];
      const b = r.cameras[j];
      if (!a || !b) continue;
      // Relative rotation R_i R_jᵀ vs the truth's.
      const rel = (A: Float64Array, B: Float64Array) => {
        const o = new Float64Array(9);
        for (let x = 0; x < 3; x++)
          for (let y = 0; y < 3; y++) for (let k = 0; k < 3; k++) o[3 * x + y]! += A[3 * x + k]! * B[3 * y + k]!;
        return o;
      };
      errs.push((rotationAngleBetween(rel(a.R, b.R), rel(cams[i]!.R, cams[j]!.R)) * 180) / Math.PI);
    }
  errs.sort((x, y) => x - y);
  const median = errs[errs.length >> 1]!;
  assert.ok(median < 0.1, `median relative rotation error ${median}°`);
  assert.ok(Math.abs(r.K.fx - 800) / 800 < 0.01, `focal ${r.K.fx}`);
  assert.ok(r.rmsReprojectionPx < 0.8, `rms ${r.rmsReprojectionPx}`);
  console.log(
    `20-view ring: ${r.registeredCount} registered, median rotation error ${median.toFixed(3)}°, focal ${r.K.fx.toFixed(1)} (true 800, start 880), rms ${r.rmsReprojectionPx.toFixed(2)} px, ${r.points.length / 3} points, ${ms.toFixed(0)} ms`,
  );
});

test('incrementalSfm › says why when no pair of frames has parallax', () => {
  const { tracks, K } = ringScene({ frames: 3, points: 50, noisePx: 0, outlierShare: 0 });
  // Every frame identical: no parallax anywhere.
  const same: Tracks = { ...tracks, obsFrame: tracks.obsFrame.map(() => 0) };
  same.frameCount = 1;
  const r = incrementalSfm(same, { K, seed: 1 });
  assert.equal(r.registeredCount, 0);
  assert.equal(r.initialPair, null);
  assert.match(r.reasons[0]!, /parallax/);
});
