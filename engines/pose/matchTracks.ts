import type { Intrinsics } from '../core/camera.js';
import { buildTracks, imagePairs, matchDescriptors, type Keypoints, type PairMatches } from '../features/index.js';
import { estimateRelativePose } from './essential.js';
import type { Tracks } from './sfm.js';

export interface MatchTracksOptions {
  /** Match every pair (photo sets) or only pairs at most `window` apart in order (long videos). */
  exhaustive: boolean;
  window?: number;
  /** Lowe's ratio; default 0.8. */
  ratio?: number;
  /** Geometric verification threshold (Sampson error, px); default 4. */
  thresholdPx?: number;
  /** Fewest verified matches to keep a pair; default 15. */
  minPairInliers?: number;
  seed?: number;
}

export interface MatchTracksReport {
  pairs: number;
  verifiedPairs: number;
  matches: number;
  verifiedMatches: number;
  inconsistentTracks: number;
}

/**
 * Feature tracks from described keypoints of several images: ratio-tested, cross-checked
 * descriptor matches for each pair, verified by a five-point relative-pose RANSAC with `K`, joined
 * into tracks by union-find (tracks that hold two keypoints of one image are dropped). The output
 * is what {@link incrementalSfm} takes; `obsKeypoint` says which keypoint each observation is.
 * Cost ≈ pairs × (matching ~n² Hamming distances + one RANSAC); allocates per pair.
 */
export function matchTracks(
  keypoints: ReadonlyArray<Keypoints>,
  K: Intrinsics,
  options: MatchTracksOptions,
): { tracks: Tracks; obsKeypoint: Int32Array; report: MatchTracksReport } {
  const pairList = imagePairs(keypoints.length, {
    exhaustive: options.exhaustive,
    window: options.window ?? 8,
  });
  const verified: PairMatches[] = [];
  const report: MatchTracksReport = {
    pairs: 0,
    verifiedPairs: 0,
    matches: 0,
    verifiedMatches: 0,
    inconsistentTracks: 0,
  };
  for (let p = 0; p < pairList.length; p += 2) {
    const i = pairList[p]!;
    const j = pairList[p + 1]!;
    const A = keypoints[i]!;
    const B = keypoints[j]!;
    report.pairs++;
    const matches = new Int32Array(2 * Math.min(A.count, B.count));
    const n = matchDescriptors(matches, A.descriptors, A.count, B.descriptors, B.count, {
      ratio: options.ratio ?? 0.8,
    });
    report.matches += n;
    if (n < Math.max(8, options.minPairInliers ?? 15)) continue;
    const p1 = new Float64Array(2 * n);
    const p2 = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      p1[2 * k] = A.xy[2 * matches[2 * k]!]!;
      p1[2 * k + 1] = A.xy[2 * matches[2 * k]! + 1]!;
      p2[2 * k] = B.xy[2 * matches[2 * k + 1]!]!;
      p2[2 * k + 1] = B.xy[2 * matches[2 * k + 1]! + 1]!;
    }
    const r = estimateRelativePose(p1, p2, K, K, {
      thresholdPx: options.thresholdPx ?? 4,
      seed: (options.seed ?? 1) + p,
      maxIterations: 300,
    });
    if (!r || r.inlierCount < (options.minPairInliers ?? 15)) continue;
    report.verifiedPairs++;
    report.verifiedMatches += r.inlierCount;
    verified.push({ imageA: i, imageB: j, matches, count: n, inliers: r.inliers });
  }
  const t = buildTracks(
    keypoints.map((k) => k.xy),
    verified,
  );
  report.inconsistentTracks = t.inconsistentCount;
  return {
    tracks: { frameCount: keypoints.length, obsFrame: t.obsFrame, obsTrack: t.obsTrack, obsXY: t.obsXY },
    obsKeypoint: t.obsKeypoint,
    report,
  };
}
