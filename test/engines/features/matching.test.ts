import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DESCRIPTOR_WORDS,
  buildTracks,
  imagePairs,
  matchDescriptors,
  type PairMatches,
} from '../../../engines/features/index.js';
import { rng } from './synth.js';

/** `n` random descriptors. */
function randomDescriptors(r: () => number, n: number): Uint32Array {
  const d = new Uint32Array(DESCRIPTOR_WORDS * n);
  for (let i = 0; i < d.length; i++) d[i] = Math.floor(r() * 2 ** 32);
  return d;
}

/** Copy of descriptor i of `src` into slot j of `dst` with `flips` random bits flipped. */
function noisyCopy(dst: Uint32Array, j: number, src: Uint32Array, i: number, flips: number, r: () => number): void {
  for (let w = 0; w < DESCRIPTOR_WORDS; w++) dst[DESCRIPTOR_WORDS * j + w] = src[DESCRIPTOR_WORDS * i + w]!;
  for (let f = 0; f < flips; f++) {
    const bit = Math.floor(r() * 256);
    dst[DESCRIPTOR_WORDS * j + (bit >> 5)]! ^= 1 << (bit & 31);
  }
}

test('matchDescriptors › recovers a permutation of noisy copies among distractors; ratio test and cross check reject ambiguity', () => {
  const r = rng(5);
  const nA = 300;
  const A = randomDescriptors(r, nA);
  // B: 200 of A's descriptors (20 bits flipped) in shuffled order, then 250 distractors.
  const perm = Array.from({ length: nA }, (_, i) => i).sort(() => r() - 0.5);
  const nB = 450;
  const B = randomDescriptors(r, nB);
  const truth = new Map<number, number>();
  for (let j = 0; j < 200; j++) {
    noisyCopy(B, j, A, perm[j]!, 20, r);
    truth.set(perm[j]!, j);
  }
  const out = new Int32Array(2 * nA);
  const n = matchDescriptors(out, A, nA, B, nB);
  assert.equal(n, 200);
  for (let k = 0; k < n; k++) assert.equal(truth.get(out[2 * k]!), out[2 * k + 1]);

  // A duplicated target: both copies are equally near, so the ratio test drops the match.
  const a0 = perm[0]!;
  noisyCopy(B, 300, A, a0, 0, r);
  noisyCopy(B, truth.get(a0)!, A, a0, 0, r);
  const n2 = matchDescriptors(out, A, nA, B, nB);
  assert.equal(n2, 199);
  for (let k = 0; k < n2; k++) assert.notEqual(out[2 * k], a0);

  // Two A descriptors near one B: without the cross check both may pass the ratio test, with it only b's nearest.
  const C = new Uint32Array(DESCRIPTOR_WORDS * 2);
  noisyCopy(C, 0, A, 0, 4, r);
  noisyCopy(C, 1, A, 0, 10, r);
  const single = new Uint32Array(DESCRIPTOR_WORDS);
  noisyCopy(single, 0, A, 0, 0, r);
  const nNo = matchDescriptors(out, C, 2, single, 1, { crossCheck: false, ratio: 1.01 });
  assert.equal(nNo, 2);
  assert.throws(() => matchDescriptors(new Int32Array(2), C, 2, single, 1, { crossCheck: false }), RangeError);
  const nYes = matchDescriptors(out, C, 2, single, 1, { crossCheck: true, ratio: 1.01 });
  assert.equal(nYes, 1);
  assert.deepEqual([out[0], out[1]], [0, 0]);
  // maxDistance: 20 flipped bits pass at 80, not at 10.
  assert.equal(matchDescriptors(out, A, nA, B, nB, { maxDistance: 10 }), 0);
});

test('imagePairs › sequential window, loop closure and exhaustive', () => {
  assert.deepEqual([...imagePairs(4, { window: 1 })], [0, 1, 1, 2, 2, 3]);
  assert.deepEqual([...imagePairs(4, { window: 1, loop: true })], [0, 1, 0, 3, 1, 2, 2, 3]);
  assert.equal(imagePairs(19, { exhaustive: true }).length / 2, 171);
  assert.equal(imagePairs(100, { window: 8 }).length / 2, 100 * 8 - (8 * 9) / 2);
});

test('buildTracks › union-find merges chains of pairwise matches into tracks, drops inconsistent ones and masked matches', () => {
  // 4 images of 3 keypoints each; keypoint k of image i sits at (10·i + k, 100 + k).
  const xy = Array.from({ length: 4 }, (_, i) => Float32Array.from([0, 1, 2].flatMap((k) => [10 * i + k, 100 + k])));
  const pair = (imageA: number, imageB: number, m: number[], inliers: number[] | null = null): PairMatches => ({
    imageA,
    imageB,
    matches: Int32Array.from(m),
    count: m.length / 2,
    inliers: inliers ? Uint8Array.from(inliers) : null,
  });
  const pairs = [
    // Chain 0:0 – 1:0 – 2:1 – 3:2 (a track of 4 through three pairs, one of them indirect).
    pair(0, 1, [0, 0]),
    pair(1, 2, [0, 1]),
    pair(2, 3, [1, 2]),
    // Inconsistent: 0:1 – 1:1 – 2:0 – 0:2 (two keypoints of image 0).
    pair(0, 1, [1, 1]),
    pair(1, 2, [1, 0]),
    pair(0, 2, [2, 0]),
    // A match rejected by geometric verification does not join 1:2 and 3:0.
    pair(1, 3, [2, 0, 2, 1], [0, 1]),
  ];
  const t = buildTracks(xy, pairs);
  assert.equal(t.frameCount, 4);
  assert.equal(t.inconsistentCount, 1);
  // Tracks: the chain (4 obs) and 1:2 – 3:1 (2 obs).
  assert.equal(t.trackCount, 2);
  assert.equal(t.obsFrame.length, 6);
  const byTrack = new Map<number, string[]>();
  for (let o = 0; o < t.obsFrame.length; o++) {
    const list = byTrack.get(t.obsTrack[o]!) ?? [];
    list.push(`${t.obsFrame[o]}:${t.obsKeypoint[o]}@${t.obsXY[2 * o]},${t.obsXY[2 * o + 1]}`);
    byTrack.set(t.obsTrack[o]!, list);
  }
  const tracks = [...byTrack.values()].map((l) => l.join(' ')).sort();
  assert.deepEqual(tracks, ['0:0@0,100 1:0@10,100 2:1@21,101 3:2@32,102', '1:2@12,102 3:1@31,101']);
  // minLength drops the short one.
  assert.equal(buildTracks(xy, pairs, { minLength: 3 }).trackCount, 1);
  assert.throws(() => buildTracks(xy, [pair(0, 0, [0, 0])]), RangeError);
  assert.throws(() => buildTracks(xy, [pair(0, 1, [5, 0])]), RangeError);
});
