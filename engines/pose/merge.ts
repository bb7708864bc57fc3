/**
 * Joining two reconstructions of one input — segments of an incremental SfM that grew from
 * different initial pairs — by the similarity between their worlds, estimated robustly from what
 * they share: tracks triangulated in both and frames registered in both.
 *
 * Frames: `dstFromSrc` maps the source reconstruction's world into the destination's,
 * x_dst = scale·R·x_src + t; cameras are camFromWorld (x_cam = R·x_world + t) in their own world's
 * units, so a source camera becomes R' = R_src·Rᵀ, t' = scale·t_src − R'·t in the destination.
 */
import type { Intrinsics } from '../core/camera.js';
import { ransac, type Estimator } from '../core/ransac.js';
import { createSimilarity, umeyamaAlignment, type Similarity } from './align.js';
import type { CamFromWorld } from './pnp.js';
import { reprojectionErrorPx } from './triangulate.js';

/** A reconstruction as the alignment reads it. */
export interface Reconstruction {
  /** Per frame its camFromWorld, null when the frame is not registered. */
  cameras: readonly (CamFromWorld | null)[];
  /** Triangulated points (world xyz) by track id. */
  points: ReadonlyMap<number, Float64Array>;
  /** Intrinsics, pixels. */
  K: Readonly<Intrinsics>;
}

/** The observations behind both reconstructions (the {@link Tracks} of the SfM, indexed). */
export interface TrackObservations {
  obsFrame: Int32Array;
  /** Pixel x, y per observation. */
  obsXY: Float64Array;
  /** Observation indices of each track. */
  byTrack: ReadonlyMap<number, readonly number[]>;
  /** Per frame: track id → observation index. */
  byFrame: readonly ReadonlyMap<number, number>[];
}

export interface ReconstructionAlignmentOptions {
  /** Reprojection-error threshold of a consistent shared point or frame, pixels. */
  thresholdPx: number;
  /** RANSAC seed. */
  seed: number;
  /** RANSAC sample cap; default 500. */
  maxIterations?: number;
}

export interface ReconstructionAlignment {
  /** x_dst = scale·R·x_src + t. */
  dstFromSrc: Similarity;
  /** Frames registered in both, tracks triangulated in both. */
  sharedFrames: number;
  sharedPoints: number;
  /** Those consistent with `dstFromSrc` (within the threshold). */
  inlierFrames: number;
  inlierPoints: number;
}

export type ReconstructionAlignmentOutcome =
  | { ok: true; alignment: ReconstructionAlignment }
  | { ok: false; reason: string; sharedFrames: number; sharedPoints: number };

/** A candidate similarity and its inverse (the residuals use both directions). */
interface SimPair {
  fwd: Similarity;
  inv: Similarity;
}

// Checks per shared point (observations in each reconstruction) and per shared frame (points of each).
const POINT_CHECKS = 4;
const FRAME_CHECKS = 12;

const camR = new Float64Array(9);
const camT = new Float64Array(3);
const Xs = new Float64Array(3);
const errs = new Float64Array(2 * FRAME_CHECKS);
const sampleSrc = new Float64Array(9);
const sampleDst = new Float64Array(9);

/** inv(x) = (1/s)·Rᵀ·(x − t). */
function invertSimilarity(out: Similarity, s: Similarity): Similarity {
  const R = s.R;
  out.scale = 1 / s.scale;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) out.R[3 * r + c] = R[3 * c + r]!;
  for (let r = 0; r < 3; r++) out.t[r] = -(R[r]! * s.t[0]! + R[3 + r]! * s.t[1]! + R[6 + r]! * s.t[2]!) / s.scale;
  return out;
}

function transformPoint(out: Float64Array, s: Similarity, p: ArrayLike<number>, o = 0): Float64Array {
  const { R, t, scale } = s;
  const x = p[o]!;
  const y = p[o + 1]!;
  const z = p[o + 2]!;
  out[0] = scale * (R[0]! * x + R[1]! * y + R[2]! * z) + t[0]!;
  out[1] = scale * (R[3]! * x + R[4]! * y + R[5]! * z) + t[1]!;
  out[2] = scale * (R[6]! * x + R[7]! * y + R[8]! * z) + t[2]!;
  return out;
}

/**
 * A source camera in the destination's world: R' = R·Sᵀ, t' = scale·t − R'·S.t (see the module
 * comment). Writes `out` (which may be `cam`) and returns it. No allocation; O(1).
 */
export function cameraThroughSimilarity(out: CamFromWorld, cam: CamFromWorld, dstFromSrc: Similarity): CamFromWorld {
  const { R: S, t: T, scale } = dstFromSrc;
  const R = cam.R;
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      camR[3 * r + c] = R[3 * r]! * S[3 * c]! + R[3 * r + 1]! * S[3 * c + 1]! + R[3 * r + 2]! * S[3 * c + 2]!;
  for (let r = 0; r < 3; r++)
    camT[r] = scale * cam.t[r]! - (camR[3 * r]! * T[0]! + camR[3 * r + 1]! * T[1]! + camR[3 * r + 2]! * T[2]!);
  out.R.set(camR);
  out.t.set(camT);
  return out;
}

/** Camera centre C = −Rᵀ·t into out[o … o+2]. */
function centre(out: Float64Array, cam: CamFromWorld, o: number): void {
  const { R, t } = cam;
  for (let c = 0; c < 3; c++) out[o + c] = -(R[c]! * t[0]! + R[3 + c]! * t[1]! + R[6 + c]! * t[2]!);
}

/** Up to `k` entries of `list` spread evenly over it (first and last included). */
function spread(list: readonly number[], k: number): number[] {
  if (list.length <= k) return [...list];
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(list[Math.round((i * (list.length - 1)) / (k - 1))]!);
  return out;
}

/**
 * The similarity `dstFromSrc` between two reconstructions of the same tracks, by RANSAC over
 * their shared structure: each track triangulated in both (its two positions) and each frame
 * registered in both (its two camera centres, and its rotation). Minimal samples of three: with a
 * shared frame among them the rotation is that frame's and the scale and translation a least-squares
 * fit of the three positions; otherwise Umeyama on the three points; LO refit by Umeyama on every
 * inlier position. A shared point is consistent when, carried across, it reprojects within
 * `thresholdPx` into (up to 4 of) the other side's views of its track; a shared frame when the
 * points of both sides seen in it reproject within the threshold (median of up to 2 × 12) through
 * its carried-across camera. Two shared frames alone are tried directly. Accepted when at least
 * half the shared items are consistent, and at least two frames or three items: one frame or two
 * points leave the scale or a rotation free. Otherwise `{ ok: false, reason }`. Allocates
 * O(shared items); cost O(iterations · shared items · 24) reprojections.
 */
export function alignReconstructions(
  dst: Reconstruction,
  src: Reconstruction,
  obs: TrackObservations,
  opts: ReconstructionAlignmentOptions,
): ReconstructionAlignmentOutcome {
  const F = Math.min(dst.cameras.length, src.cameras.length);
  const pointIds: number[] = [];
  for (const id of src.points.keys()) if (dst.points.has(id)) pointIds.push(id);
  const frames: number[] = [];
  for (let f = 0; f < F; f++) if (dst.cameras[f] && src.cameras[f]) frames.push(f);
  const nP = pointIds.length;
  const nF = frames.length;
  const n = nP + nF;
  if (n === 0)
    return {
      ok: false,
      reason: 'no frame registered in both and no track triangulated in both',
      sharedFrames: 0,
      sharedPoints: 0,
    };

  // Positions in both worlds: points, then frame centres.
  const srcPos = new Float64Array(3 * n);
  const dstPos = new Float64Array(3 * n);
  pointIds.forEach((id, i) => {
    srcPos.set(src.points.get(id)!, 3 * i);
    dstPos.set(dst.points.get(id)!, 3 * i);
  });
  frames.forEach((f, k) => {
    centre(srcPos, src.cameras[f]!, 3 * (nP + k));
    centre(dstPos, dst.cameras[f]!, 3 * (nP + k));
  });

  // The checks of each item, packed: observation index and side. Points: 0 = the source point
  // carried into a destination view, 1 = the destination point carried back into a source view.
  // Frames: 2 = a destination point through the carried source camera, 3 = a carried source
  // point through the destination camera.
  const checkStart = new Int32Array(n + 1);
  const checkObs: number[] = [];
  const checkSide: number[] = [];
  const checkTrack: number[] = [];
  const push = (o: number, side: number, track: number) => {
    checkObs.push(o);
    checkSide.push(side);
    checkTrack.push(track);
  };
  for (let i = 0; i < nP; i++) {
    checkStart[i] = checkObs.length;
    const id = pointIds[i]!;
    const list = obs.byTrack.get(id) ?? [];
    for (const o of spread(
      list.filter((o) => dst.cameras[obs.obsFrame[o]!]),
      POINT_CHECKS,
    ))
      push(o, 0, id);
    for (const o of spread(
      list.filter((o) => src.cameras[obs.obsFrame[o]!]),
      POINT_CHECKS,
    ))
      push(o, 1, id);
  }
  for (let k = 0; k < nF; k++) {
    checkStart[nP + k] = checkObs.length;
    const seen = obs.byFrame[frames[k]!];
    if (!seen) continue;
    const inDst: number[] = [];
    const inSrc: number[] = [];
    for (const id of seen.keys()) {
      if (dst.points.has(id)) inDst.push(id);
      if (src.points.has(id)) inSrc.push(id);
    }
    for (const id of spread(inDst, FRAME_CHECKS)) push(seen.get(id)!, 2, id);
    for (const id of spread(inSrc, FRAME_CHECKS)) push(seen.get(id)!, 3, id);
  }
  checkStart[n] = checkObs.length;
  const frameCam: CamFromWorld = { R: new Float64Array(9), t: new Float64Array(3) };

  const residual = (m: SimPair, i: number): number => {
    const a = checkStart[i]!;
    const b = checkStart[i + 1]!;
    if (a === b) return Infinity;
    if (i < nP) {
      let worst = 0;
      for (let c = a; c < b; c++) {
        const o = checkObs[c]!;
        const f = obs.obsFrame[o]!;
        const u = obs.obsXY[2 * o]!;
        const v = obs.obsXY[2 * o + 1]!;
        const id = checkTrack[c]!;
        const e =
          checkSide[c] === 0
            ? reprojectionErrorPx(transformPoint(Xs, m.fwd, src.points.get(id)!), u, v, dst.cameras[f]!, dst.K)
            : reprojectionErrorPx(transformPoint(Xs, m.inv, dst.points.get(id)!), u, v, src.cameras[f]!, src.K);
        if (!(e <= worst)) worst = e;
      }
      return worst;
    }
    const f = frames[i - nP]!;
    cameraThroughSimilarity(frameCam, src.cameras[f]!, m.fwd);
    let k = 0;
    for (let c = a; c < b; c++) {
      const o = checkObs[c]!;
      const u = obs.obsXY[2 * o]!;
      const v = obs.obsXY[2 * o + 1]!;
      const id = checkTrack[c]!;
      errs[k++] =
        checkSide[c] === 2
          ? reprojectionErrorPx(dst.points.get(id)!, u, v, frameCam, dst.K)
          : reprojectionErrorPx(transformPoint(Xs, m.fwd, src.points.get(id)!), u, v, dst.cameras[f]!, dst.K);
    }
    // median by insertion sort (k ≤ 24)
    for (let x = 1; x < k; x++) {
      const val = errs[x]!;
      let y = x - 1;
      while (y >= 0 && errs[y]! > val) {
        errs[y + 1] = errs[y]!;
        y--;
      }
      errs[y + 1] = val;
    }
    return errs[k >> 1]!;
  };

  /** Similarity from the items `idx[0 … count)`: rotation of the first frame among them, if any. */
  const fitItems = (out: SimPair, idx: ArrayLike<number>, count: number, preferFrame: boolean): boolean => {
    let frameItem = -1;
    if (preferFrame) for (let j = 0; j < count && frameItem < 0; j++) if (idx[j]! >= nP) frameItem = idx[j]!;
    if (frameItem < 0) {
      if (count < 3) return false;
      const src3 = count === 3 ? sampleSrc : new Float64Array(3 * count);
      const dst3 = count === 3 ? sampleDst : new Float64Array(3 * count);
      for (let j = 0; j < count; j++)
        for (let c = 0; c < 3; c++) {
          src3[3 * j + c] = srcPos[3 * idx[j]! + c]!;
          dst3[3 * j + c] = dstPos[3 * idx[j]! + c]!;
        }
      if (!umeyamaAlignment(out.fwd, src3, dst3, true)) return false;
    } else {
      // R = R_dstᵀ·R_src of that frame; scale and t by least squares over the positions.
      const f = frames[frameItem - nP]!;
      const Rd = dst.cameras[f]!.R;
      const Rs = src.cameras[f]!.R;
      const R = out.fwd.R;
      for (let r = 0; r < 3; r++)
        for (let c = 0; c < 3; c++) R[3 * r + c] = Rd[r]! * Rs[c]! + Rd[3 + r]! * Rs[3 + c]! + Rd[6 + r]! * Rs[6 + c]!;
      let sb0 = 0, sb1 = 0, sb2 = 0, sa0 = 0, sa1 = 0, sa2 = 0; // prettier-ignore
      for (let j = 0; j < count; j++) {
        const q = 3 * idx[j]!;
        sb0 += srcPos[q]!;
        sb1 += srcPos[q + 1]!;
        sb2 += srcPos[q + 2]!;
        sa0 += dstPos[q]!;
        sa1 += dstPos[q + 1]!;
        sa2 += dstPos[q + 2]!;
      }
      sb0 /= count;
      sb1 /= count;
      sb2 /= count;
      sa0 /= count;
      sa1 /= count;
      sa2 /= count;
      let num = 0;
      let den = 0;
      for (let j = 0; j < count; j++) {
        const q = 3 * idx[j]!;
        const bx = srcPos[q]! - sb0;
        const by = srcPos[q + 1]! - sb1;
        const bz = srcPos[q + 2]! - sb2;
        const rx = R[0]! * bx + R[1]! * by + R[2]! * bz;
        const ry = R[3]! * bx + R[4]! * by + R[5]! * bz;
        const rz = R[6]! * bx + R[7]! * by + R[8]! * bz;
        num += (dstPos[q]! - sa0) * rx + (dstPos[q + 1]! - sa1) * ry + (dstPos[q + 2]! - sa2) * rz;
        den += bx * bx + by * by + bz * bz;
      }
      if (!(den > 0)) return false;
      const s = num / den;
      out.fwd.scale = s;
      out.fwd.t[0] = sa0 - s * (R[0]! * sb0 + R[1]! * sb1 + R[2]! * sb2);
      out.fwd.t[1] = sa1 - s * (R[3]! * sb0 + R[4]! * sb1 + R[5]! * sb2);
      out.fwd.t[2] = sa2 - s * (R[6]! * sb0 + R[7]! * sb1 + R[8]! * sb2);
    }
    const s = out.fwd.scale;
    if (!(s > 0 && Number.isFinite(s))) return false;
    invertSimilarity(out.inv, out.fwd);
    return true;
  };
  const newPair = (): SimPair => ({ fwd: createSimilarity(), inv: createSimilarity() });

  const estimator: Estimator<SimPair> = {
    minSamples: 3,
    fit(idx, out) {
      const m = out[0] ?? newPair();
      out[0] = m;
      return fitItems(m, idx, 3, true) ? 1 : 0;
    },
    residual,
    refit(idx) {
      const m = newPair();
      if (fitItems(m, idx, idx.length, false)) return m;
      return fitItems(m, idx, idx.length, true) ? m : null;
    },
  };

  let model: SimPair | null = null;
  let inliers: Uint8Array = new Uint8Array(n);
  if (n >= 3) {
    const r = ransac(estimator, n, {
      threshold: opts.thresholdPx,
      seed: opts.seed,
      maxIterations: opts.maxIterations ?? 500,
      confidence: 0.9999,
    });
    model = r.model;
    inliers = r.inliers;
  } else {
    // Two items: only a shared frame fixes the rotation (two points leave it free about their line).
    const m = newPair();
    if (fitItems(m, [0, 1].slice(0, n), n, true)) {
      model = m;
      for (let i = 0; i < n; i++) inliers[i] = residual(m, i) <= opts.thresholdPx ? 1 : 0;
    }
  }
  let inlierPoints = 0;
  let inlierFrames = 0;
  for (let i = 0; i < n; i++) {
    if (!inliers[i]) continue;
    if (i < nP) inlierPoints++;
    else inlierFrames++;
  }
  const total = inlierPoints + inlierFrames;
  const shared = `${nF} shared frame${nF === 1 ? '' : 's'} and ${nP} shared point${nP === 1 ? '' : 's'}`;
  if (!model || total === 0)
    return { ok: false, reason: `no similarity fits ${shared}`, sharedFrames: nF, sharedPoints: nP };
  if (!(2 * total >= n && (inlierFrames >= 2 || total >= 3)))
    return {
      ok: false,
      reason: `${shared}, of which ${total} agree within ${opts.thresholdPx} px: too few to fix scale, rotation and translation`,
      sharedFrames: nF,
      sharedPoints: nP,
    };
  return {
    ok: true,
    alignment: { dstFromSrc: model.fwd, sharedFrames: nF, sharedPoints: nP, inlierFrames, inlierPoints },
  };
}
