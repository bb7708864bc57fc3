/**
 * Incremental structure from motion over feature tracks: a robust two-view start, PnP
 * registration of one frame at a time, multi-view triangulation with angle/depth/reprojection
 * checks, periodic and final bundle adjustment (with the shared focal refined). When tracking
 * breaks (a fast pan, a blurred or blank stretch, a cut) and no further frame can be registered,
 * a new segment starts from a fresh two-view initialisation among the frames no segment holds and
 * grows the same way; segments that share structure (tracks triangulated in both, frames
 * registered in both) are joined by a robust similarity, their duplicate points fused and the
 * whole adjusted together. Frames that cannot be registered, or that sit in a segment nothing
 * connects to the result, are reported with the reason, never silently dropped.
 *
 * Frames: every pose is camFromWorld (x_cam = R·x_world + t); the world is the first camera of
 * the result's initial pair, the scale is that pair's baseline = 1 (unknown metric scale).
 */
import type { Intrinsics } from '../core/camera.js';
import { bundleAdjust } from './bundle.js';
import { estimateRelativePose } from './essential.js';
import { alignReconstructions, cameraThroughSimilarity, type TrackObservations } from './merge.js';
import { estimateAbsolutePose, type CamFromWorld } from './pnp.js';
import { axisAngleFromRotation, rotationFromAxisAngle } from './rotation.js';
import { triangulatePoint, reprojectionErrorPx } from './triangulate.js';
import { applySimilarity } from './align.js';

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
  /** Segments (independent initialisations) started at most, the first included (default 10);
   * 1 turns segment-and-merge off. */
  maxSegments?: number;
  /** Frames a segment may register that another segment already holds — the overlap it is merged
   * by (default 10). */
  maxOverlapFrames?: number;
  /** Reprojection threshold of the shared points and frames that join two segments, pixels
   * (default 2 × `pnpThresholdPx`). */
  mergeThresholdPx?: number;
}

export type FrameStatus = 'registered' | 'too_few_matches' | 'pnp_failed' | 'no_initial_pair';

/** One segment: a reconstruction grown from its own initial pair. */
export interface SfmSegment {
  /** Frames this segment registered itself (its initial pair, then by PnP, before or after others
   * were merged into it), ascending. A frame can be in two segments: the overlap they share. */
  frames: number[];
  initialPair: [number, number];
  /** True when the segment is part of the result: the one the result grew from, or one merged
   * into it. */
  merged: boolean;
  /** How it became part of the result, or why not (`separate_segment: …`). */
  note: string;
}

export interface SfmResult {
  /** Per frame: its pose, or null when not registered. */
  cameras: (CamFromWorld | null)[];
  status: FrameStatus[];
  /** Human-readable reason per unregistered frame (empty for registered ones). Frames registered
   * only in a segment that could not be joined to the result start with `separate_segment`. */
  reasons: string[];
  K: Intrinsics;
  /** Triangulated points (world, xyz packed) and the track each came from. */
  points: Float64Array;
  pointTrack: Int32Array;
  rmsReprojectionPx: number;
  registeredCount: number;
  /** The result's initial pair (its first camera is the world). */
  initialPair: [number, number] | null;
  /** Every segment started, in order (index = segment id). */
  segments: SfmSegment[];
  /** Per frame: the segment that first registered it (for a registered frame, one of the result's
   * merged segments; otherwise the separate segment that holds it), or −1. */
  frameSegment: Int32Array;
}

/** A two-view start: frames a < b, its score (inliers that triangulate), shared tracks, b's pose. */
interface PairCandidate {
  a: number;
  b: number;
  score: number;
  ids: number[];
  pose: CamFromWorld;
}

/** A reconstruction grown from one initial pair. */
interface Model {
  id: number;
  cameras: (CamFromWorld | null)[];
  /** Triangulated points by track id, world xyz. */
  points: Map<number, Float64Array>;
  K: Intrinsics;
  initialPair: [number, number];
  /** Frames it registered itself: its initial pair and each PnP registration. */
  ownFrames: number[];
  registered: number;
  /** PnP attempts per frame since the structure last changed wholesale (a merge). */
  attempts: Int32Array;
  /** The last PnP failure per frame, '' when none. */
  pnpFailure: string[];
  /** Segment id this one was merged into, or −1. */
  mergedInto: number;
  note: string;
  /** Bumped whenever the model changes, so a failed merge is retried only after a change. */
  version: number;
}

/**
 * Runs incremental SfM on `tracks`, in segments joined where they share structure. Deterministic
 * for a seed. Allocates per frame and per point; cost dominated by the bundle adjustments (see
 * bundle.ts) — milliseconds to a few seconds for up to ~100 frames of a few hundred tracks each;
 * each further segment adds its own initialisation search (≤ 24 × 12 two-view RANSACs) and growth.
 */
export function incrementalSfm(tracks: Tracks, options: SfmOptions): SfmResult {
  const seed = options.seed ?? 1;
  const twoViewPx = options.twoViewThresholdPx ?? 2;
  const pnpPx = options.pnpThresholdPx ?? 4;
  const minInliers = options.minRegistrationInliers ?? 15;
  const bundleEvery = options.bundleEvery ?? 5;
  const refineFocal = options.refineFocal ?? true;
  const focalFromViews = Math.max(2, options.refineFocalFromViews ?? 3);
  const maxSegments = Math.max(1, options.maxSegments ?? 10);
  const maxOverlap = Math.max(0, options.maxOverlapFrames ?? 10);
  const mergePx = options.mergeThresholdPx ?? 2 * pnpPx;
  const F = tracks.frameCount;

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
  const trackObs: TrackObservations = { obsFrame: tracks.obsFrame, obsXY: tracks.obsXY, byTrack, byFrame };

  const models: Model[] = [];
  const live = () => models.filter((m) => m.mergedInto < 0);
  const largest = () => {
    let best: Model | null = null;
    for (const m of live()) if (!best || m.registered > best.registered) best = m;
    return best;
  };
  // Two-view candidates by pair (a·F + b), null when the pair does not qualify: each is estimated
  // once, whichever segment's search meets it first.
  const pairs = new Map<number, PairCandidate | null>();
  // Why a pair of segments did not join, by `${id}:${version}|${id}:${version}` (larger first).
  const failedMerges = new Map<string, string>();

  // Segments: a new one whenever the live ones cannot grow, from frames none of them holds.
  for (let k = 0; k < maxSegments; k++) {
    const free = new Uint8Array(F).fill(1);
    for (const m of live()) for (let f = 0; f < F; f++) if (m.cameras[f]) free[f] = 0;
    const m = initialise(models.length, free, largest()?.K ?? { ...options.K });
    if (!m) break;
    models.push(m);
    grow(m);
    mergeWhilePossible();
  }

  const result = largest();
  const status: FrameStatus[] = new Array(F).fill('too_few_matches');
  const reasons: string[] = new Array(F).fill('');
  if (!result) {
    for (let f = 0; f < F; f++) {
      status[f] = 'no_initial_pair';
      reasons[f] = 'no pair of frames shares enough tracks with enough parallax';
    }
    return finish(null, NaN);
  }
  // Observations the final model explains badly are dropped, then the model is polished once more.
  filterPoints(result, 4 * pnpPx);
  const rms = globalBundle(result, refineFocal);
  for (let f = 0; f < F; f++) {
    if (result.cameras[f]) {
      status[f] = 'registered';
      continue;
    }
    const failure = result.pnpFailure[f]!;
    status[f] = failure ? 'pnp_failed' : 'too_few_matches';
    let c = 0;
    for (const id of byFrame[f]!.keys()) if (result.points.has(id)) c++;
    const own = failure || `sees ${c} reconstructed points (need ${minInliers}); tracking may have broken here`;
    const other = live().find((m) => m !== result && m.cameras[f]);
    reasons[f] = other ? `${separateNote(other, result)}; ${own}` : own;
  }
  return finish(result, rms);

  /**
   * The two-view start of frames a and b: null unless they share ≥ 30 tracks with parallax
   * (median flow ≥ 2% of the image width) and ≥ 30 relative-pose inliers that triangulate.
   */
  function twoView(a: number, b: number, K: Intrinsics): PairCandidate | null {
    const ids: number[] = [];
    for (const id of byFrame[a]!.keys()) if (byFrame[b]!.has(id)) ids.push(id);
    if (ids.length < 30) return null;
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
    if (flow[flow.length >> 1]! < 0.02 * 2 * K.cx) return null;
    const r = estimateRelativePose(p1, p2, K, K, { thresholdPx: twoViewPx, seed: seed + a * 1000 + b });
    if (!r || r.inFrontCount < 30) return null;
    // Score: the inliers that triangulate (angle, depth, reprojection checks), so a pair with a
    // real baseline wins over a nearly rotation-only one whose flow passed the parallax test but
    // whose points would all be rejected (as on a video that mostly turns).
    const origin: CamFromWorld = { R: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), t: new Float64Array(3) };
    const pairPx = new Float64Array(4);
    const pairX = new Float64Array(3);
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
    return score < 30 ? null : { a, b, score, ids, pose: r.camFromWorld };
  }

  /**
   * A new segment from the frames marked `free`: the pair with most relative-pose inliers that
   * triangulate among pairs with enough shared tracks and enough parallax (median flow ≥ 2% of
   * the image width), its first frame among the first 24 free ones. Null when no pair qualifies.
   */
  function initialise(id: number, free: Uint8Array, K: Intrinsics): Model | null {
    const maxGap = Math.min(F - 1, 12);
    let best: PairCandidate | null = null;
    let anchors = 0;
    for (let a = 0; a < F && anchors < 24; a++) {
      if (!free[a]) continue;
      anchors++;
      for (let b = a + 1; b <= Math.min(F - 1, a + maxGap); b++) {
        if (!free[b]) continue;
        let c = pairs.get(a * F + b);
        if (c === undefined) pairs.set(a * F + b, (c = twoView(a, b, K)));
        if (c && (!best || c.score > best.score)) best = c;
      }
    }
    if (!best) return null;
    const m: Model = {
      id,
      cameras: new Array(F).fill(null),
      points: new Map(),
      K: { ...K },
      initialPair: [best.a, best.b],
      ownFrames: [best.a, best.b],
      registered: 2,
      attempts: new Int32Array(F),
      pnpFailure: new Array(F).fill(''),
      mergedInto: -1,
      note: '',
      version: 0,
    };
    m.cameras[best.a] = { R: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), t: new Float64Array(3) };
    m.cameras[best.b] = best.pose;
    for (const id of best.ids) triangulateTrack(m, id);
    globalBundle(m, false);
    return m;
  }

  /**
   * Registers the frame that sees most of the model's points, one at a time, until none can be;
   * frames another live segment holds count towards at most `maxOverlap`. Ends with a refinement.
   */
  function grow(m: Model): void {
    const others = live().filter((o) => o !== m);
    const heldElsewhere = (f: number) => others.some((o) => o.cameras[f] !== null);
    let overlap = 0;
    for (let f = 0; f < F; f++) if (m.cameras[f] && heldElsewhere(f)) overlap++;
    let sinceBundle = 0;
    for (;;) {
      let next = -1;
      let nextCount = 0;
      for (let f = 0; f < F; f++) {
        if (m.cameras[f] || m.attempts[f]! >= 2) continue;
        if (overlap >= maxOverlap && heldElsewhere(f)) continue;
        let c = 0;
        for (const id of byFrame[f]!.keys()) if (m.points.has(id)) c++;
        if (c > nextCount) {
          next = f;
          nextCount = c;
        }
      }
      if (next < 0 || nextCount < Math.max(6, minInliers)) break;
      m.attempts[next]!++;
      const ids = [...byFrame[next]!.keys()].filter((id) => m.points.has(id));
      const p2d = new Float64Array(2 * ids.length);
      const p3d = new Float64Array(3 * ids.length);
      ids.forEach((id, i) => {
        const o = byFrame[next]!.get(id)!;
        p2d[2 * i] = tracks.obsXY[2 * o]!;
        p2d[2 * i + 1] = tracks.obsXY[2 * o + 1]!;
        p3d.set(m.points.get(id)!, 3 * i);
      });
      const r = estimateAbsolutePose(p2d, p3d, m.K, { thresholdPx: pnpPx, seed: seed + 7919 * next });
      if (!r || r.inlierCount < minInliers) {
        m.pnpFailure[next] =
          `PnP found ${r?.inlierCount ?? 0} inliers among ${ids.length} 2D–3D matches (need ${minInliers})`;
        continue;
      }
      if (heldElsewhere(next)) overlap++;
      m.cameras[next] = r.camFromWorld;
      m.pnpFailure[next] = '';
      m.registered++;
      m.ownFrames.push(next);
      m.version++;
      for (const id of byFrame[next]!.keys()) if (!m.points.has(id)) triangulateTrack(m, id);
      // Global refinement every `bundleEvery` frames while the model is small, then each time it has
      // grown by a quarter (COLMAP's geometric schedule): long videos would otherwise spend their
      // time re-adjusting a model that a new frame barely changes.
      if (++sinceBundle >= Math.max(bundleEvery, Math.round(0.25 * m.registered))) {
        refineModel(m, refineFocal && m.registered >= focalFromViews);
        sinceBundle = 0;
      }
    }
    refineModel(m, refineFocal);
  }

  /**
   * Joins live segments that share structure, the smaller into the larger, until no pair joins;
   * each join re-adjusts the merged model and grows it further. A failed pair is retried only
   * after one of them changed.
   */
  function mergeWhilePossible(): void {
    for (;;) {
      const L = live().sort((x, y) => y.registered - x.registered || x.id - y.id);
      let joined = false;
      for (let i = 0; i < L.length && !joined; i++)
        for (let j = i + 1; j < L.length && !joined; j++) {
          const dst = L[i]!;
          const src = L[j]!;
          const key = `${dst.id}:${dst.version}|${src.id}:${src.version}`;
          if (failedMerges.has(key)) continue;
          const r = alignReconstructions(dst, src, trackObs, {
            thresholdPx: mergePx,
            seed: seed + 104729 * (dst.id + 1) + src.id,
          });
          if (!r.ok) {
            failedMerges.set(key, r.reason);
            continue;
          }
          const { dstFromSrc: S, sharedFrames, sharedPoints, inlierFrames, inlierPoints } = r.alignment;
          // Cameras the destination lacks and points it lacks come across; shared points keep the
          // destination's copy (fused: one point per track, every registered view observing it).
          for (let f = 0; f < F; f++) {
            const cam = src.cameras[f];
            if (!cam || dst.cameras[f]) continue;
            dst.cameras[f] = cameraThroughSimilarity({ R: new Float64Array(9), t: new Float64Array(3) }, cam, S);
            dst.pnpFailure[f] = '';
            dst.registered++;
          }
          for (const [id, X] of src.points) if (!dst.points.has(id)) dst.points.set(id, applySimilarity(X, S, X));
          src.mergedInto = dst.id;
          src.note =
            `merged into segment ${dst.id} by a similarity (scale ${S.scale.toPrecision(4)}) that ` +
            `${inlierFrames} of ${sharedFrames} shared frames and ${inlierPoints} of ${sharedPoints} shared points agree with`;
          dst.attempts.fill(0);
          dst.version++;
          refineModel(dst, refineFocal && dst.registered >= focalFromViews);
          grow(dst);
          joined = true;
        }
      if (!joined) return;
    }
  }

  /** Drops points with an observation in a registered frame reprojecting farther than maxPx. */
  function filterPoints(m: Model, maxPx: number): void {
    for (const [id, X] of m.points) {
      for (const o of byTrack.get(id)!) {
        const cam = m.cameras[tracks.obsFrame[o]!];
        if (cam && reprojectionErrorPx(X, tracks.obsXY[2 * o]!, tracks.obsXY[2 * o + 1]!, cam, m.K) > maxPx) {
          m.points.delete(id);
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
  function refineModel(m: Model, withFocal: boolean): void {
    globalBundle(m, withFocal, 20);
    filterPoints(m, pnpPx);
    for (const id of byTrack.keys()) if (!m.points.has(id)) triangulateTrack(m, id);
    globalBundle(m, withFocal, 20);
    m.version++;
  }

  /** Triangulates a track from all its registered observations when the checks pass. */
  function triangulateTrack(m: Model, id: number): void {
    const obs = byTrack.get(id)!.filter((o) => m.cameras[tracks.obsFrame[o]!]);
    if (obs.length < 2) return;
    const px = new Float64Array(2 * obs.length);
    const cams: CamFromWorld[] = [];
    const Ks: Intrinsics[] = [];
    obs.forEach((o, i) => {
      px[2 * i] = tracks.obsXY[2 * o]!;
      px[2 * i + 1] = tracks.obsXY[2 * o + 1]!;
      cams.push(m.cameras[tracks.obsFrame[o]!]!);
      Ks.push(m.K);
    });
    const X = new Float64Array(3);
    if (triangulatePoint(X, px, cams, Ks, { maxReprojectionErrorPx: pnpPx }) === 'ok') m.points.set(id, X);
  }

  /** Bundle adjustment of every registered camera and point; returns the rms reprojection error. */
  function globalBundle(m: Model, refineFocal: boolean, maxIterations = 50): number {
    const camIdx: number[] = [];
    const slot = new Int32Array(F).fill(-1);
    for (let f = 0; f < F; f++) if (m.cameras[f]) slot[f] = camIdx.push(f) - 1;
    if (camIdx.length < 2 || m.points.size < 3) return NaN;
    const ids = [...m.points.keys()];
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
      axisAngleFromRotation(camParams, m.cameras[f]!.R, 0, 6 * i);
      camParams.set(m.cameras[f]!.t, 6 * i + 3);
    });
    const pts = new Float64Array(3 * ids.length);
    ids.forEach((id, i) => pts.set(m.points.get(id)!, 3 * i));
    const { K } = m;
    const intrinsics = Float64Array.of(0.5 * (K.fx + K.fy), K.cx, K.cy);
    // The gauge: the initial pair's first camera fixed, and the scale.
    const fixed = Math.max(0, camIdx.indexOf(m.initialPair[0]));
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
      m.cameras[f] = { R, t: camParams.slice(6 * i + 3, 6 * i + 6) };
    });
    ids.forEach((id, i) => m.points.get(id)!.set(pts.subarray(3 * i, 3 * i + 3)));
    m.K = { fx: intrinsics[0]!, fy: intrinsics[0]!, cx: intrinsics[1]!, cy: intrinsics[2]! };
    return report.rmsReprojectionPx;
  }

  /** `separate_segment: …` for a live segment the result could not absorb, with the reason. */
  function separateNote(m: Model, result: Model): string {
    const why =
      failedMerges.get(`${result.id}:${result.version}|${m.id}:${m.version}`) ??
      failedMerges.get(`${m.id}:${m.version}|${result.id}:${result.version}`) ??
      'not compared';
    const own = [...m.ownFrames].sort((x, y) => x - y);
    return `separate_segment: registered in segment ${m.id} (${own.length} frames, ${own[0]}–${own[own.length - 1]}), which cannot be joined to the result (segment ${result.id}): ${why}`;
  }

  function finish(result: Model | null, rms: number): SfmResult {
    const cameras: (CamFromWorld | null)[] = result ? result.cameras : new Array(F).fill(null);
    const ids = result ? [...result.points.keys()] : [];
    const out = new Float64Array(3 * ids.length);
    ids.forEach((id, i) => out.set(result!.points.get(id)!, 3 * i));
    // A segment is part of the result when its chain of merges ends there.
    const root = (m: Model): Model => (m.mergedInto < 0 ? m : root(models[m.mergedInto]!));
    const frameSegment = new Int32Array(F).fill(-1);
    for (const m of models) {
      const inResult = root(m) === result;
      for (const f of m.ownFrames)
        if (frameSegment[f]! < 0 && (inResult ? cameras[f] : !cameras[f])) frameSegment[f] = m.id;
    }
    return {
      cameras,
      status,
      reasons,
      K: result ? result.K : { ...options.K },
      points: out,
      pointTrack: Int32Array.from(ids),
      rmsReprojectionPx: rms,
      registeredCount: cameras.filter(Boolean).length,
      initialPair: result ? result.initialPair : null,
      segments: models.map((m) => ({
        frames: [...m.ownFrames].sort((x, y) => x - y),
        initialPair: m.initialPair,
        merged: root(m) === result,
        note: m === result ? 'the result' : root(m) === result ? m.note : separateNote(root(m), result!),
      })),
      frameSegment,
    };
  }
}
