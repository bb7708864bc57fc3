/**
 * Descriptor matching and track building: brute-force Hamming matching with Lowe's ratio test
 * and a mutual (cross) check, the lists of image pairs to match (sequential window and/or
 * exhaustive), and union-find over verified pairwise matches into packed tracks — the form
 * engines/pose `incrementalSfm` takes. Geometric verification is the caller's: pass an inlier mask
 * per pair (e.g. `estimateRelativePose(...).inliers` from engines/pose, which this folder may not
 * import).
 */
import { DESCRIPTOR_WORDS } from './descriptors.js';

/** Options of {@link matchDescriptors}; every field has a default. */
export interface MatchOptions {
  /** Lowe's ratio: keep a match when best < ratio × second best (default 0.8). */
  ratio: number;
  /** Keep a match only when it is also the best of its B descriptor over A (default true). */
  crossCheck: boolean;
  /** Largest accepted Hamming distance, bits of 256 (default 80). */
  maxDistance: number;
}

const BIG = 1 << 20;
let bestOfB = new Int32Array(0);
let bestOfBIdx = new Int32Array(0);
let matchOfA = new Int32Array(0);

/**
 * Matches descriptors A (`countA` × DESCRIPTOR_WORDS words) against B by exhaustive Hamming
 * distance: for each A its nearest and second-nearest B; a match (a, b) passes when the nearest is
 * ≤ maxDistance, below ratio × second nearest, and (crossCheck) a is also b's nearest in A.
 * Writes packed index pairs (a, b), a ascending, into `out` (needs 2·min(countA, countB) entries
 * with the cross check, 2·countA without) and returns how many. One pass: a distance is abandoned word by word once it exceeds both a's second best
 * and b's best so far, which keeps the result exact. Uses module scratch O(countA + countB);
 * O(countA · countB) distance evaluations (≈ 20–40 ns each).
 */
export function matchDescriptors(
  out: Int32Array,
  descA: Uint32Array,
  countA: number,
  descB: Uint32Array,
  countB: number,
  options: Partial<MatchOptions> = {},
): number {
  const ratio = options.ratio ?? 0.8;
  const cross = options.crossCheck ?? true;
  const maxD = options.maxDistance ?? 80;
  const need = 2 * (cross ? Math.min(countA, countB) : countA);
  if (out.length < need) throw new RangeError(`out needs ${need} entries`);
  if (descA.length < DESCRIPTOR_WORDS * countA || descB.length < DESCRIPTOR_WORDS * countB)
    throw new RangeError('descriptor arrays are shorter than their counts');
  if (bestOfB.length < countB) {
    bestOfB = new Int32Array(countB);
    bestOfBIdx = new Int32Array(countB);
  }
  if (matchOfA.length < countA) matchOfA = new Int32Array(countA);
  bestOfB.fill(BIG, 0, countB);
  bestOfBIdx.fill(-1, 0, countB);
  // One pass records each A's nearest and second and each B's nearest A; then the ratio test,
  // distance cap and cross check pick the matches.
  for (let a = 0; a < countA; a++) {
    const oa = DESCRIPTOR_WORDS * a;
    const a0 = descA[oa]!;
    const a1 = descA[oa + 1]!;
    const a2 = descA[oa + 2]!;
    const a3 = descA[oa + 3]!;
    const a4 = descA[oa + 4]!;
    const a5 = descA[oa + 5]!;
    const a6 = descA[oa + 6]!;
    const a7 = descA[oa + 7]!;
    let best = BIG;
    let second = BIG;
    let bestIdx = -1;
    for (let b = 0; b < countB; b++) {
      const ob = DESCRIPTOR_WORDS * b;
      const bound = second > bestOfB[b]! ? second : bestOfB[b]!;
      // Byte-wise counts of 4 words summed before the final multiply (each byte ≤ 32).
      let d = popcount4(a0 ^ descB[ob]!, a1 ^ descB[ob + 1]!, a2 ^ descB[ob + 2]!, a3 ^ descB[ob + 3]!);
      if (d > bound) continue;
      d += popcount4(a4 ^ descB[ob + 4]!, a5 ^ descB[ob + 5]!, a6 ^ descB[ob + 6]!, a7 ^ descB[ob + 7]!);
      if (d < best) {
        second = best;
        best = d;
        bestIdx = b;
      } else if (d < second) second = d;
      if (d < bestOfB[b]!) {
        bestOfB[b] = d;
        bestOfBIdx[b] = a;
      }
    }
    matchOfA[a] = bestIdx >= 0 && best <= maxD && best < ratio * second ? bestIdx : -1;
  }
  let m = 0;
  for (let a = 0; a < countA; a++) {
    const b = matchOfA[a]!;
    if (b < 0 || (cross && bestOfBIdx[b] !== a)) continue;
    out[2 * m] = a;
    out[2 * m + 1] = b;
    m++;
  }
  return m;
}

/** Set bits of four 32-bit words (parallel count; bytes summed before one multiply). */
function popcount4(v0: number, v1: number, v2: number, v3: number): number {
  v0 = v0 - ((v0 >>> 1) & 0x55555555);
  v1 = v1 - ((v1 >>> 1) & 0x55555555);
  v2 = v2 - ((v2 >>> 1) & 0x55555555);
  v3 = v3 - ((v3 >>> 1) & 0x55555555);
  v0 = (v0 & 0x33333333) + ((v0 >>> 2) & 0x33333333);
  v1 = (v1 & 0x33333333) + ((v1 >>> 2) & 0x33333333);
  v2 = (v2 & 0x33333333) + ((v2 >>> 2) & 0x33333333);
  v3 = (v3 & 0x33333333) + ((v3 >>> 2) & 0x33333333);
  const s =
    ((v0 + (v0 >>> 4)) & 0x0f0f0f0f) +
    ((v1 + (v1 >>> 4)) & 0x0f0f0f0f) +
    ((v2 + (v2 >>> 4)) & 0x0f0f0f0f) +
    ((v3 + (v3 >>> 4)) & 0x0f0f0f0f);
  return Math.imul(s, 0x01010101) >>> 24;
}

/** Options of {@link imagePairs}. */
export interface PairOptions {
  /** Match each image with the next `window` images in sequence order (default 8). */
  window: number;
  /** Match every pair (overrides window; n(n−1)/2 pairs; default false). */
  exhaustive: boolean;
  /** The sequence closes on itself (turntable, walk around): also pair across the end (default false). */
  loop: boolean;
}

/**
 * The image pairs to match, packed (i, j) with i < j: a sequential window (what keeps long videos
 * linear in cost), optionally closed into a loop, or all pairs. Allocates the result; O(pairs).
 */
export function imagePairs(imageCount: number, options: Partial<PairOptions> = {}): Int32Array {
  const win = options.exhaustive ? imageCount : Math.max(1, options.window ?? 8);
  const loop = !options.exhaustive && (options.loop ?? false);
  const pairs: number[] = [];
  for (let i = 0; i < imageCount; i++)
    for (let j = i + 1; j < imageCount; j++) {
      const gap = j - i;
      if (gap <= win || (loop && imageCount - gap <= win)) pairs.push(i, j);
    }
  return Int32Array.from(pairs);
}

/** Matches between two images, as {@link matchDescriptors} writes them. */
export interface PairMatches {
  imageA: number;
  imageB: number;
  /** Packed keypoint index pairs (a in imageA, b in imageB). */
  matches: Int32Array;
  count: number;
  /** Geometric verification: 1 keeps match k, 0 drops it (e.g. a relative-pose RANSAC's inliers); null keeps all. */
  inliers: Uint8Array | null;
}

/** Packed tracks, structurally the engines/pose `Tracks` that `incrementalSfm` takes. */
export interface MatchedTracks {
  frameCount: number;
  /** Per observation: image, track id (0 … trackCount − 1), pixel xy, keypoint index in its image. */
  obsFrame: Int32Array;
  obsTrack: Int32Array;
  obsXY: Float64Array;
  obsKeypoint: Int32Array;
  trackCount: number;
  /** Tracks dropped for holding two keypoints of one image. */
  inconsistentCount: number;
}

/** Options of {@link buildTracks}. */
export interface TrackBuildOptions {
  /** Fewest images a track must span (default 2). */
  minLength: number;
}

/**
 * Tracks from verified pairwise matches: union-find over the keypoints of all images (keypoint k
 * of image i is node offset[i] + k), every kept match joins its two nodes; a connected component
 * is a track. Components with two keypoints of the same image are inconsistent and dropped (as
 * COLMAP does), as are those shorter than minLength. `keypointXY[i]` holds image i's packed xy
 * (px). Observations come out ordered by track, then image. Allocates O(total keypoints +
 * observations); O(matches · α + keypoints).
 */
export function buildTracks(
  keypointXY: ReadonlyArray<Float32Array>,
  pairs: ReadonlyArray<PairMatches>,
  options: Partial<TrackBuildOptions> = {},
): MatchedTracks {
  const minLength = Math.max(2, options.minLength ?? 2);
  const F = keypointXY.length;
  const offset = new Int32Array(F + 1);
  for (let i = 0; i < F; i++) offset[i + 1] = offset[i]! + (keypointXY[i]!.length >> 1);
  const N = offset[F]!;
  const parent = new Int32Array(N);
  const size = new Int32Array(N).fill(1);
  for (let i = 0; i < N; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      const p = parent[parent[x]!]!;
      parent[x] = p; // path halving
      x = p;
    }
    return x;
  };
  for (const p of pairs) {
    if (p.imageA < 0 || p.imageA >= F || p.imageB < 0 || p.imageB >= F || p.imageA === p.imageB)
      throw new RangeError(`pair (${p.imageA}, ${p.imageB}) is not two distinct images of ${F}`);
    const na = keypointXY[p.imageA]!.length >> 1;
    const nb = keypointXY[p.imageB]!.length >> 1;
    for (let k = 0; k < p.count; k++) {
      if (p.inliers && !p.inliers[k]) continue;
      const a = p.matches[2 * k]!;
      const b = p.matches[2 * k + 1]!;
      if (a < 0 || a >= na || b < 0 || b >= nb)
        throw new RangeError(`match ${k} of pair (${p.imageA}, ${p.imageB}) is out of range`);
      let ra = find(offset[p.imageA]! + a);
      let rb = find(offset[p.imageB]! + b);
      if (ra === rb) continue;
      if (size[ra]! < size[rb]!) {
        const t = ra;
        ra = rb;
        rb = t;
      }
      parent[rb] = ra;
      size[ra] = size[ra]! + size[rb]!;
    }
  }
  // Bucket nodes by root (counting sort, nodes ascending, so each bucket is image-ordered).
  const root = new Int32Array(N);
  const start = new Int32Array(N + 1);
  for (let i = 0; i < N; i++) {
    root[i] = find(i);
    start[root[i]! + 1]!++;
  }
  for (let i = 0; i < N; i++) start[i + 1] = start[i + 1]! + start[i]!;
  const fill = start.slice(0, N);
  const members = new Int32Array(N);
  for (let i = 0; i < N; i++) members[fill[root[i]!]!++] = i;
  const nodeFrame = new Int32Array(N);
  for (let f = 0; f < F; f++) nodeFrame.fill(f, offset[f]!, offset[f + 1]!);
  let obsCount = 0;
  let trackCount = 0;
  let inconsistent = 0;
  const keep = new Uint8Array(N);
  for (let r = 0; r < N; r++) {
    const s = start[r]!;
    const e = start[r + 1]!;
    if (e - s < 2) continue;
    let ok = true;
    for (let k = s + 1; k < e && ok; k++) if (nodeFrame[members[k]!] === nodeFrame[members[k - 1]!]) ok = false;
    if (!ok) {
      inconsistent++;
      continue;
    }
    if (e - s < minLength) continue;
    keep[r] = 1;
    obsCount += e - s;
    trackCount++;
  }
  const obsFrame = new Int32Array(obsCount);
  const obsTrack = new Int32Array(obsCount);
  const obsXY = new Float64Array(2 * obsCount);
  const obsKeypoint = new Int32Array(obsCount);
  let o = 0;
  let t = 0;
  for (let r = 0; r < N; r++) {
    if (!keep[r]) continue;
    for (let k = start[r]!; k < start[r + 1]!; k++) {
      const node = members[k]!;
      const f = nodeFrame[node]!;
      const kp = node - offset[f]!;
      obsFrame[o] = f;
      obsTrack[o] = t;
      obsKeypoint[o] = kp;
      obsXY[2 * o] = keypointXY[f]![2 * kp]!;
      obsXY[2 * o + 1] = keypointXY[f]![2 * kp + 1]!;
      o++;
    }
    t++;
  }
  return { frameCount: F, obsFrame, obsTrack, obsXY, obsKeypoint, trackCount, inconsistentCount: inconsistent };
}
