/**
 * Synthetic tracks with known poses whose tracking breaks mid-sequence, for the segment-and-merge
 * tests of incrementalSfm: a cloud of points seen by cameras on an arc around it, observed with
 * noise and outliers under track ids the test chooses per (frame, point) — so a test can end every
 * track at frame k, start new ones, and decide which frames see both.
 *
 * Frames as in test/fixtures/scenes.ts: world x right, y forward, z up; camFromWorld
 * x_cam = R·x_world + t with OpenCV camera axes.
 */
import { svd } from '../../../engines/core/index.js';
import { rotationAngleBetween, umeyamaAlignment, type CamFromWorld } from '../../../engines/pose/index.js';
import { createSimilarity } from '../../../engines/pose/align.js';
import type { Tracks } from '../../../engines/pose/index.js';
import { gaussian, lookAt, mulberry32 } from '../../fixtures/scenes.js';

export const SEGMENT_K = { fx: 800, fy: 800, cx: 320, cy: 240 };

export interface BrokenScene {
  tracks: Tracks;
  cams: CamFromWorld[];
  /** Number of points; a test's track ids are usually p (old) and points + p (new). */
  points: number;
  /** The true points, world xyz. */
  pointsWorld: Float64Array[];
}

/**
 * `frames` cameras on a 4 m circle 0.6 m above a 1.2 m cube of `points` random points, looking at
 * its centre; frame f sits at arc angle `angleDeg(f)`. Point p is observed in frame f under every
 * id `trackIds(f, p)` returns (none: not observed), with Gaussian noise `noisePx` per coordinate,
 * or — with probability `outlierShare` — at a uniformly random pixel.
 */
export function brokenScene(opts: {
  frames: number;
  points: number;
  angleDeg: (frame: number) => number;
  trackIds: (frame: number, point: number) => readonly number[];
  noisePx?: number;
  outlierShare?: number;
  seed?: number;
}): BrokenScene {
  const rand = mulberry32(opts.seed ?? 7);
  const gauss = gaussian(rand);
  const K = SEGMENT_K;
  const pts: [number, number, number][] = [];
  for (let i = 0; i < opts.points; i++) pts.push([(rand() - 0.5) * 1.2, (rand() - 0.5) * 1.2, (rand() - 0.5) * 1.2]);
  const cams: CamFromWorld[] = [];
  for (let f = 0; f < opts.frames; f++) {
    const a = (opts.angleDeg(f) * Math.PI) / 180;
    cams.push(lookAt([4 * Math.sin(a), -4 * Math.cos(a), 0.6], [0, 0, 0], [0, 0, 1]));
  }
  const obsFrame: number[] = [];
  const obsTrack: number[] = [];
  const obsXY: number[] = [];
  cams.forEach((c, f) => {
    pts.forEach((P, p) => {
      const ids = opts.trackIds(f, p);
      if (!ids.length) return;
      const Xc = [0, 1, 2].map((r) => c.R[3 * r]! * P[0] + c.R[3 * r + 1]! * P[1] + c.R[3 * r + 2]! * P[2] + c.t[r]!);
      const u0 = (K.fx * Xc[0]!) / Xc[2]! + K.cx;
      const v0 = (K.fy * Xc[1]!) / Xc[2]! + K.cy;
      if (!(Xc[2]! > 0) || u0 < 0 || v0 < 0 || u0 >= 640 || v0 >= 480) return;
      for (const id of ids) {
        let u = u0;
        let v = v0;
        if (rand() < (opts.outlierShare ?? 0)) {
          u = rand() * 640;
          v = rand() * 480;
        } else {
          u += (opts.noisePx ?? 0) * gauss();
          v += (opts.noisePx ?? 0) * gauss();
        }
        obsFrame.push(f);
        obsTrack.push(id);
        obsXY.push(u, v);
      }
    });
  });
  return {
    tracks: {
      frameCount: opts.frames,
      obsFrame: Int32Array.from(obsFrame),
      obsTrack: Int32Array.from(obsTrack),
      obsXY: Float64Array.from(obsXY),
    },
    cams,
    points: opts.points,
    pointsWorld: pts.map((p) => Float64Array.from(p)),
  };
}

export interface PoseErrors {
  /** Largest rotation error over the registered frames after the best common rotation, degrees. */
  maxRotationDeg: number;
  /** Largest camera-centre error after the similarity fit, as a share of the true trajectory's extent. */
  maxPositionRel: number;
  /** RMS of the same, share of the extent. */
  rmsPositionRel: number;
}

/**
 * Errors of estimated cameras against the truth, frames whose estimate is null skipped: rotations
 * after the one rotation that best maps the estimated ones onto the true ones (chordal mean of
 * R_trueᵀ·R_est), centres after the similarity (Umeyama, with scale) that best maps the estimated
 * centres onto the true ones.
 */
export function poseErrors(est: readonly (CamFromWorld | null)[], truth: readonly CamFromWorld[]): PoseErrors {
  const centre = (c: CamFromWorld) =>
    [0, 1, 2].map((k) => -(c.R[k]! * c.t[0]! + c.R[3 + k]! * c.t[1]! + c.R[6 + k]! * c.t[2]!));
  const frames = truth.map((_, f) => f).filter((f) => est[f]);
  const src = Float64Array.from(frames.flatMap((f) => centre(est[f]!)));
  const dst = Float64Array.from(frames.flatMap((f) => centre(truth[f]!)));
  const S = createSimilarity();
  if (!umeyamaAlignment(S, src, dst)) throw new Error('poseErrors: degenerate camera centres');
  let extent = 0;
  for (let i = 0; i < frames.length; i++)
    for (let j = i + 1; j < frames.length; j++)
      extent = Math.max(
        extent,
        Math.hypot(dst[3 * i]! - dst[3 * j]!, dst[3 * i + 1]! - dst[3 * j + 1]!, dst[3 * i + 2]! - dst[3 * j + 2]!),
      );
  // Rotation alignment: R_est = R_true·A for all frames ideally; A = proj_SO(3) Σ R_trueᵀ·R_est.
  const sum = new Float64Array(9);
  for (const f of frames) {
    const Rt = truth[f]!.R;
    const Re = est[f]!.R;
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++)
        for (let k = 0; k < 3; k++) sum[3 * r + c] = sum[3 * r + c]! + Rt[3 * k + r]! * Re[3 * k + c]!;
  }
  const U = new Float64Array(9);
  const V = new Float64Array(9);
  const sv = new Float64Array(3);
  if (!svd(sum, 3, 3, sv, V, U)) throw new Error('poseErrors: svd failed');
  const A = new Float64Array(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      for (let k = 0; k < 3; k++) A[3 * r + c] = A[3 * r + c]! + U[3 * r + k]! * V[3 * c + k]!;
  const det =
    A[0]! * (A[4]! * A[8]! - A[5]! * A[7]!) -
    A[1]! * (A[3]! * A[8]! - A[5]! * A[6]!) +
    A[2]! * (A[3]! * A[7]! - A[4]! * A[6]!);
  if (det < 0) throw new Error('poseErrors: reflected rotation alignment');
  const M = new Float64Array(9);
  let maxRot = 0;
  let maxPos = 0;
  let sumPos = 0;
  frames.forEach((f, i) => {
    // R_est·Aᵀ against R_true
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = 0; k < 3; k++) v += est[f]!.R[3 * r + k]! * A[3 * c + k]!;
        M[3 * r + c] = v;
      }
    maxRot = Math.max(maxRot, (rotationAngleBetween(M, truth[f]!.R) * 180) / Math.PI);
    const p = [0, 1, 2].map(
      (r) =>
        S.scale * (S.R[3 * r]! * src[3 * i]! + S.R[3 * r + 1]! * src[3 * i + 1]! + S.R[3 * r + 2]! * src[3 * i + 2]!) +
        S.t[r]!,
    );
    const e = Math.hypot(p[0]! - dst[3 * i]!, p[1]! - dst[3 * i + 1]!, p[2]! - dst[3 * i + 2]!) / extent;
    maxPos = Math.max(maxPos, e);
    sumPos += e * e;
  });
  return { maxRotationDeg: maxRot, maxPositionRel: maxPos, rmsPositionRel: Math.sqrt(sumPos / frames.length) };
}
