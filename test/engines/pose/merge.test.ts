import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSimilarity,
  rotationAngleBetween,
  rotationFromAxisAngle,
  type CamFromWorld,
} from '../../../engines/pose/index.js';
import { alignReconstructions, cameraThroughSimilarity, type TrackObservations } from '../../../engines/pose/merge.js';
import { brokenScene, SEGMENT_K } from './segmentScenes.js';

// One exact scene (no noise): 20 frames, 200 points, every point a track with its own id.
const scene = brokenScene({ frames: 20, points: 200, angleDeg: (f) => 3 * f, trackIds: (_f, p) => [p], seed: 3 });
const byFrame = Array.from({ length: 20 }, () => new Map<number, number>());
const byTrack = new Map<number, number[]>();
scene.tracks.obsTrack.forEach((id, o) => {
  byFrame[scene.tracks.obsFrame[o]!]!.set(id, o);
  byTrack.set(id, [...(byTrack.get(id) ?? []), o]);
});
const obs: TrackObservations = { obsFrame: scene.tracks.obsFrame, obsXY: scene.tracks.obsXY, byTrack, byFrame };

/** The true world as the destination; the source is the same world seen through srcFromDst. */
function pair(dstFrames: number[], dstPoints: number[], srcFrames: number[], srcPoints: number[]) {
  const dstFromSrc = createSimilarity();
  dstFromSrc.scale = 2.7;
  rotationFromAxisAngle(dstFromSrc.R, [0.4, -1.1, 0.3]);
  dstFromSrc.t.set([1.5, -0.4, 3]);
  const srcFromDst = createSimilarity();
  srcFromDst.scale = 1 / dstFromSrc.scale;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) srcFromDst.R[3 * r + c] = dstFromSrc.R[3 * c + r]!;
  for (let r = 0; r < 3; r++)
    srcFromDst.t[r] =
      -(
        dstFromSrc.R[r]! * dstFromSrc.t[0]! +
        dstFromSrc.R[3 + r]! * dstFromSrc.t[1]! +
        dstFromSrc.R[6 + r]! * dstFromSrc.t[2]!
      ) / dstFromSrc.scale;
  const cams = (frames: number[], to: typeof srcFromDst | null) =>
    Array.from({ length: 20 }, (_, f): CamFromWorld | null => {
      if (!frames.includes(f)) return null;
      const c = scene.cams[f]!;
      const out = { R: Float64Array.from(c.R), t: Float64Array.from(c.t) };
      return to ? cameraThroughSimilarity(out, out, to) : out;
    });
  const pts = (ids: number[], to: typeof srcFromDst | null) =>
    new Map(
      ids.map((id) => {
        const p = scene.pointsWorld[id]!;
        if (!to) return [id, p] as const;
        const q = new Float64Array(3);
        for (let r = 0; r < 3; r++)
          q[r] = to.scale * (to.R[3 * r]! * p[0]! + to.R[3 * r + 1]! * p[1]! + to.R[3 * r + 2]! * p[2]!) + to.t[r]!;
        return [id, q] as const;
      }),
    );
  return {
    dst: { cameras: cams(dstFrames, null), points: pts(dstPoints, null), K: SEGMENT_K },
    src: { cameras: cams(srcFrames, srcFromDst), points: pts(srcPoints, srcFromDst), K: SEGMENT_K },
    truth: dstFromSrc,
  };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

function assertSimilarity(got: ReturnType<typeof createSimilarity>, truth: ReturnType<typeof createSimilarity>) {
  assert.ok(Math.abs(got.scale / truth.scale - 1) < 1e-9, `scale ${got.scale}`);
  assert.ok(rotationAngleBetween(got.R, truth.R) < 1e-9);
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(got.t[k]! - truth.t[k]!) < 1e-8, `t ${got.t[k]} vs ${truth.t[k]}`);
}

describe('alignReconstructions', () => {
  it('recovers an exact similarity from shared points alone, with a fifth of them wrong', () => {
    const { dst, src, truth } = pair(range(0, 10), range(0, 200), range(10, 20), range(0, 200));
    // 40 shared points moved in the source: inconsistent, must be outliers.
    for (let id = 0; id < 40; id++) src.points.get(id)![0]! += 0.3;
    const r = alignReconstructions(dst, src, obs, { thresholdPx: 8, seed: 1 });
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.alignment.sharedFrames, 0);
    assert.equal(r.alignment.sharedPoints, 200);
    assert.equal(r.alignment.inlierPoints, 160);
    assertSimilarity(r.alignment.dstFromSrc, truth);
  });

  it('recovers an exact similarity from two shared frames and no shared point', () => {
    const { dst, src, truth } = pair(range(0, 10), range(0, 100), range(8, 20), range(100, 200));
    const r = alignReconstructions(dst, src, obs, { thresholdPx: 8, seed: 1 });
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.alignment.sharedFrames, 2);
    assert.equal(r.alignment.inlierFrames, 2);
    assertSimilarity(r.alignment.dstFromSrc, truth);
  });

  it('refuses one shared frame (the scale is free) and says why when nothing is shared', () => {
    const one = pair(range(0, 10), range(0, 100), range(9, 20), range(100, 200));
    const r1 = alignReconstructions(one.dst, one.src, obs, { thresholdPx: 8, seed: 1 });
    assert.equal(r1.ok, false);
    assert.match(r1.ok ? '' : r1.reason, /1 shared frame and 0 shared points/);
    const none = pair(range(0, 10), range(0, 100), range(10, 20), range(100, 200));
    const r0 = alignReconstructions(none.dst, none.src, obs, { thresholdPx: 8, seed: 1 });
    assert.equal(r0.ok, false);
    assert.match(r0.ok ? '' : r0.reason, /no frame registered in both and no track triangulated in both/);
  });
});
