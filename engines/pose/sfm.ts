/**
 * Incremental structure from motion over feature tracks: a robust two-view start, PnP
 * registration of one frame at a time, multi-view triangulation with angle/depth/reprojection
 * checks, periodic and final bundle adjustment (with the shared focal refined). Frames that
 * cannot be registered are reported with the reason, never silently dropped.
 *
 * Frames: every pose is camFromWorld (x_cam = R·x_world + t); the world is the first camera of
 * the initial pair, the scale is the initial pair's baseline = 1 (unknown metric scale).
 */
import type { Intrinsics } from '../core/camera.js';
import { bundleAdjust } from './bundle.js';
import { estimateRelativePose } from './essential.js';
import { estimateAbsolutePose, type CamFromWorld } from './pnp.js';
import { axisAngleFromRotation, rotationFromAxisAngle } from './rotation.js';
import { triangulatePoint, reprojectionErrorPx } from './triangulate.js';

/** Feature tracks: one observation per (frame, track), packed. */
export interface Tracks {
  frameCount: number;
  obsFrame: Int32Array;
  obsTrack: Int32Array;
  /** Pixel x, y per observation. */
  obsXY: Float64Array;
}

export interface SfmOptions {
  /** Initial intrinsics (pixels): explicit, EXIF or a guess; the focal is refined when `refineFocal`. */
  K: Intrinsics;
  refineFocal?: boolean;
  seed?: number;
  /** Inlier threshold of the two-view and PnP RANSACs, pixels (default 2 and 4). */
  twoViewThresholdPx?: number;
  pnpThresholdPx?: number;
  /** Fewest PnP inliers to register a frame (default 15). */
  minRegistrationInliers?: number;
  /** Global bundle adjustment after every this many registrations (default 5), or once the model
   * has grown by a quarter when that is more. */
  bundleEvery?: number;
  /** With `refineFocal`, the focal is refined in every bundle adjustment once this many frames are
   * registered (default 3); earlier ones keep it fixed (two views barely constrain it). */
  refineFocalFromViews?: number;
}

export type FrameStatus = 'registered' | 'too_few_matches' | 'pnp_failed' | 'no_initial_pair';

export interface SfmResult {
  /** Per frame: its pose, or null when not registered. */
  cameras: (CamFromWorld | null)[];
  status: FrameStatus[];
  /** Human-readable reason per unregistered frame (empty for registered ones). */
  reasons: string[];
  K: Intrinsics;
  /** Triangulated points (world, xyz packed) and the track each came from. */
  points: Float64Array;
  pointTrack: Int32Array;
  rmsReprojectionPx: number;
  registeredCount: number;
  initialPair: [number, number] | null;
}

interface Point {
  X: Float64Array;
  track: number;
}

/**
 * Runs incremental SfM on `tracks`. Deterministic for a seed. Allocates per frame and per point;
 * cost dominated by the bundle adjustments (see bundle.ts) — milliseconds to a few seconds for up
 * to ~100 frames of a few hundred tracks each.
 */
export function incrementalSfm(tracks: Tracks, options: SfmOptions): SfmResult {
  const seed = options.seed ?? 1;
  const twoViewPx = options.twoViewThresholdPx ?? 2;
  const pnpPx = options.pnpThresholdPx ?? 4;
  const minInliers = options.minRegistrationInliers ?? 15;
  const bundleEvery = options.bundleEvery ?? 5;
  const refineFocal = options.refineFocal ?? true;
  const focalFromViews = Math.max(2, options.refineFocalFromViews ?? 3);
  const F = tracks.frameCount;
  let K: Intrinsics = { ...options.K };

  // Per frame: track id → observation index.
  const byFrame: Map<number, number>[] = Array.from({ length: F }, () => new Map());
  const byTrack = new Map<number, number[]>();
  for (let o = 0; o < tracks.obsFrame.length; o++) {
    const f = tracks.obsFrame[o]!;
    if (f < 0 || f >= F) throw new RangeError(`observation ${o} names frame ${f} of ${F}`);
    byFrame[f]!.set(tracks.obsTrack[o]!, o);
    const list = byTrack.get(tracks.obsTrack[o]!);
    if (list) list.push(o);
    else byTrack.set(tracks.obsTrack[o]!, [o]);
  }

  const cameras: (CamFromWorld | null)[] = new Array(F).fill(null);
  const status: FrameStatus[] = new Array(F).fill('no_initial_pair');
  const reasons: string[] = new Array(F).fill('');
  const points = new Map<number, Point>(); // by track

  // 1. Initial pair: the pair with most relative-pose inliers in front of both cameras among
  //    pairs with enough shared tracks and enough parallax (median flow ≥ 2% of the image width).
  const shared = (a: number, b: number) => {
    const ids: number[] = [];
    for (const id of byFrame[a]!.keys()) if (byFrame[b]!.has(id)) ids.push(id);
    return ids;
  };
  let best: { a: number; b: number; score: number; ids: number[]; pose: CamFromWorld; inliers: Uint8Array } | null =
    null;
  const maxGap = Math.min(F - 1, 12);
  const origin: CamFromWorld = { R: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), t: new Float64Array(3) };
  const pairPx = new Float64Array(4);
  const pairX = new Float64Array(3);
  for (let a = 0; a < Math.min(F, 24); a++) {
    for (let b = a + 1; b <= Math.min(F - 1, a + maxGap); b++) {
      const ids = shared(a, b);
      if (ids.length < 30) continue;
      const p1 = new Float64Array(2 * ids.length);
      const p2 = new Float64Array(2 * ids.length);
      const flow: number[] = [];
      ids.forEach((id, i) => {
        const oa = byFrame[a]!.get(id)!;
        const ob = byFrame[b]!.get(id)!;
        p1[2 * i] = tracks.obsXY[2 * oa]!;
        p1[2 * i + 1] = tracks.obsXY[2 * oa + 1]!;
        p2[2 * i] = tracks.obsXY[2 * ob]!;
        p2[2 * i + 1] = tracks.obsXY[2 * ob + 1]!;
        flow.push(Math.hypot(p1[2 * i]! - p2[2 * i]!, p1[2 * i + 1]! - p2[2 * i + 1]!));
      });
      flow.sort((x, y) => x - y);
      if (flow[flow.length >> 1]! < 0.02 * 2 * K.cx) continue;
      const r = estimateRelativePose(p1, p2, K, K, { thresholdPx: twoViewPx, seed: seed + a * 1000 + b });
      if (!r || r.inFrontCount < 30) continue;
      // Score: the inliers that triangulate (angle, depth, reprojection checks), so a pair with a
      // real baseline wins over a nearly rotation-only one whose flow passed the parallax test but
      // whose points would all be rejected (as on a video that mostly turns).
      let score = 0;
      for (let i = 0; i < ids.length; i++) {
        if (!r.inliers[i]) continue;
        pairPx[0] = p1[2 * i]!;
        pairPx[1] = p1[2 * i + 1]!;
        pairPx[2] = p2[2 * i]!;
        pairPx[3] = p2[2 * i + 1]!;
        const status = triangulatePoint(pairX, pairPx, [origin, r.camFromWorld], [K, K], {
          maxReprojectionErrorPx: pnpPx,
        });
        if (status === 'ok') score++;
      }
      if (score < 30) continue;
      if (!best || score > best.score) best = { a, b, score, ids, pose: r.camFromWorld, inliers: r.inliers };
    }
  }
  if (!best) {
    for (let f = 0; f < F; f++) reasons[f] = 'no pair of frames shares enough tracks with enough parallax';
    return finish();
  }
  const I = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  cameras[best.a] = { R: I, t: new Float64Array(3) };
  cameras[best.b] = best.pose;
  status[best.a] = status[best.b] = 'registered';
  for (const id of best.ids) triangulateTrack(id);
  globalBundle(false);

  // 2. Register the frame that sees most triangulated points, one at a time.
  const attempts = new Int32Array(F);
  let sinceBundle = 0;
  for (;;) {
    let next = -1;
    let nextCount = 0;
    for (let f = 0; f < F; f++) {
      if (cameras[f] || attempts[f]! >= 2) continue;
      let c = 0;
      for (const id of byFrame[f]!.keys()) if (points.has(id)) c++;
      if (c > nextCount) {
        next = f;
        nextCount = c;
      }
    }
    if (next < 0 || nextCount < Math.max(6, minInliers)) break;
    attempts[next]!++;
    const ids = [...byFrame[next]!.keys()].filter((id) => points.has(id));
    const p2d = new Float64Array(2 * ids.length);
    const p3d = new Float64Array(3 * ids.length);
    ids.forEach((id, i) => {
      const o = byFrame[next]!.get(id)!;
      p2d[2 * i] = tracks.obsXY[2 * o]!;
      p2d[2 * i + 1] = tracks.obsXY[2 * o + 1]!;
      p3d.set(points.get(id)!.X, 3 * i);
    });
    const r = estimateAbsolutePose(p2d, p3d, K, { thresholdPx: pnpPx, seed: seed + 7919 * next });
    if (!r || r.inlierCount < minInliers) {
      status[next] = 'pnp_failed';
      reasons[next] = `PnP found ${r?.inlierCount ?? 0} inliers among ${ids.length} 2D–3D matches (need ${minInliers})`;
      continue;
    }
    cameras[next] = r.camFromWorld;
    status[next] = 'registered';
    reasons[next] = '';
    for (const id of byFrame[next]!.keys()) if (!points.has(id)) triangulateTrack(id);
    // Global refinement every `bundleEvery` frames while the model is small, then each time it has
    // grown by a quarter (COLMAP's geometric schedule): long videos would otherwise spend their
    // time re-adjusting a model that a new frame barely changes.
    if (++sinceBundle >= Math.max(bundleEvery, Math.round(0.25 * registered()))) {
      refineModel(refineFocal && registered() >= focalFromViews);
      sinceBundle = 0;
    }
  }
  refineModel(refineFocal);
  // Observations the final model explains badly are dropped, then the model is polished once more.
  filterPoints(4 * pnpPx);
  const rms = globalBundle(refineFocal);
  for (let f = 0; f < F; f++) {
    if (cameras[f]) continue;
    if (status[f] === 'no_initial_pair') status[f] = 'too_few_matches';
    if (!reasons[f]) {
      let c = 0;
      for (const id of byFrame[f]!.keys()) if (points.has(id)) c++;
      reasons[f] = `sees ${c} reconstructed points (need ${minInliers}); tracking may have broken here`;
    }
  }
  return finish(rms);

  function registered(): number {
    let c = 0;
    for (let f = 0; f < F; f++) if (cameras[f]) c++;
    return c;
  }

  /** Drops points with an observation in a registered frame reprojecting farther than maxPx. */
  function filterPoints(maxPx: number): void {
    for (const [id, p] of points) {
      for (const o of byTrack.get(id)!) {
        const cam = cameras[tracks.obsFrame[o]!];
        if (cam && reprojectionErrorPx(p.X, tracks.obsXY[2 * o]!, tracks.obsXY[2 * o + 1]!, cam, K) > maxPx) {
          points.delete(id);
          break;
        }
      }
    }
  }

  /**
   * Global bundle adjustment, then the points it leaves badly explained are dropped, every track
   * with two registered views is (re-)triangulated with the refined cameras and focal, and the
   * model is adjusted once more.
   */
  function refineModel(withFocal: boolean): void {
    globalBundle(withFocal, 20);
    filterPoints(pnpPx);
    for (const id of byTrack.keys()) if (!points.has(id)) triangulateTrack(id);
    globalBundle(withFocal, 20);
  }

  /** Triangulates a track from all its registered observations when the checks pass. */
  function triangulateTrack(id: number): void {
    const obs = byTrack.get(id)!.filter((o) => cameras[tracks.obsFrame[o]!]);
    if (obs.length < 2) return;
    const px = new Float64Array(2 * obs.length);
    const cams: CamFromWorld[] = [];
    const Ks: Intrinsics[] = [];
    obs.forEach((o, i) => {
      px[2 * i] = tracks.obsXY[2 * o]!;
      px[2 * i + 1] = tracks.obsXY[2 * o + 1]!;
      cams.push(cameras[tracks.obsFrame[o]!]!);
      Ks.push(K);
    });
    const X = new Float64Array(3);
    if (triangulatePoint(X, px, cams, Ks, { maxReprojectionErrorPx: pnpPx }) === 'ok') points.set(id, { X, track: id });
  }

  /** Bundle adjustment of every registered camera and point; returns the rms reprojection error. */
  function globalBundle(refineFocal: boolean, maxIterations = 50): number {
    const camIdx: number[] = [];
    const slot = new Int32Array(F).fill(-1);
    for (let f = 0; f < F; f++) if (cameras[f]) slot[f] = camIdx.push(f) - 1;
    if (camIdx.length < 2 || points.size < 3) return NaN;
    const ids = [...points.keys()];
    const obsCam: number[] = [];
    const obsPt: number[] = [];
    const obsPx: number[] = [];
    ids.forEach((id, pi) => {
      for (const o of byTrack.get(id)!) {
        const s = slot[tracks.obsFrame[o]!]!;
        if (s < 0) continue;
        obsCam.push(s);
        obsPt.push(pi);
        obsPx.push(tracks.obsXY[2 * o]!, tracks.obsXY[2 * o + 1]!);
      }
    });
    const camParams = new Float64Array(6 * camIdx.length);
    camIdx.forEach((f, i) => {
      axisAngleFromRotation(camParams, cameras[f]!.R, 0, 6 * i);
      camParams.set(cameras[f]!.t, 6 * i + 3);
    });
    const pts = new Float64Array(3 * ids.length);
    ids.forEach((id, i) => pts.set(points.get(id)!.X, 3 * i));
    const intrinsics = Float64Array.of(0.5 * (K.fx + K.fy), K.cx, K.cy);
    // The gauge: the initial pair's first camera fixed, and the scale.
    const fixed = Math.max(0, camIdx.indexOf(best!.a));
    const report = bundleAdjust(
      {
        camFromWorld: camParams,
        pointsWorld: pts,
        intrinsics,
        obsCamera: Uint32Array.from(obsCam),
        obsPoint: Uint32Array.from(obsPt),
        obsPx: Float64Array.from(obsPx),
      },
      { fixedCameras: [fixed], refineFocal, loss: 'huber', lossScalePx: 2, maxIterations },
    );
    camIdx.forEach((f, i) => {
      const R = new Float64Array(9);
      rotationFromAxisAngle(R, camParams, 6 * i);
      cameras[f] = { R, t: camParams.slice(6 * i + 3, 6 * i + 6) };
    });
    ids.forEach((id, i) => points.get(id)!.X.set(pts.subarray(3 * i, 3 * i + 3)));
    K = { fx: intrinsics[0]!, fy: intrinsics[0]!, cx: intrinsics[1]!, cy: intrinsics[2]! };
    return report.rmsReprojectionPx;
  }

  function finish(rms = NaN): SfmResult {
    const ids = [...points.keys()];
    const out = new Float64Array(3 * ids.length);
    ids.forEach((id, i) => out.set(points.get(id)!.X, 3 * i));
    return {
      cameras,
      status,
      reasons,
      K,
      points: out,
      pointTrack: Int32Array.from(ids),
      rmsReprojectionPx: rms,
      registeredCount: cameras.filter(Boolean).length,
      initialPair: best ? [best.a, best.b] : null,
    };
  }
}
