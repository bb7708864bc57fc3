import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { incrementalSfm, type SfmResult } from '../../../engines/pose/index.js';
import { brokenScene, poseErrors, SEGMENT_K, type BrokenScene } from './segmentScenes.js';

const FRAMES = 30;
const POINTS = 400;
const step = (f: number) => 3 * f; // degrees of arc per frame: 3°, ≈ 0.21 m at 4 m

function run(scene: BrokenScene, extra: { maxSegments?: number } = {}) {
  const t = performance.now();
  const r = incrementalSfm(scene.tracks, {
    K: { ...SEGMENT_K, fx: 840, fy: 840 },
    refineFocal: true,
    seed: 5,
    ...extra,
  });
  return { r, ms: performance.now() - t };
}

function summary(name: string, r: SfmResult, ms: number, e: ReturnType<typeof poseErrors>) {
  console.log(
    `${name}: ${r.registeredCount}/${FRAMES} registered in ${r.segments.length} segments ` +
      `(${r.segments.map((s) => `${s.frames[0]}–${s.frames[s.frames.length - 1]}${s.merged ? '' : ' separate'}`).join(', ')}), ` +
      `max rotation error ${e.maxRotationDeg.toFixed(3)}°, position error max ${(100 * e.maxPositionRel).toFixed(3)}% / rms ${(100 * e.rmsPositionRel).toFixed(3)}% of the trajectory, ` +
      `focal ${r.K.fx.toFixed(1)}, rms ${r.rmsReprojectionPx.toFixed(2)} px, ${ms.toFixed(0)} ms`,
  );
}

function assertAllRegisteredAndMerged(r: SfmResult) {
  assert.equal(r.registeredCount, FRAMES, r.reasons.filter(Boolean).join(' | '));
  assert.ok(r.segments.length >= 2, 'tracking broke, so a second segment was started');
  assert.ok(
    r.segments.every((s) => s.merged),
    r.segments.map((s) => s.note).join(' | '),
  );
  assert.ok(r.status.every((s) => s === 'registered'));
  assert.ok(r.reasons.every((s) => s === ''));
  for (let f = 0; f < FRAMES; f++) assert.ok(r.frameSegment[f]! >= 0 && r.frameSegment[f]! < r.segments.length);
}

describe('incrementalSfm › segments', () => {
  it('joins the segment after a track handover through the few new tracks already seen before it (shared points)', () => {
    // Every track ends at frame 14 and is replaced from frame 15; 13 of the new tracks start at
    // frame 13, so frames 13–14 see both — too few for PnP to carry the model across.
    const scene = brokenScene({
      frames: FRAMES,
      points: POINTS,
      angleDeg: step,
      noisePx: 0.5,
      outlierShare: 0.02,
      trackIds: (f, p) => {
        const ids: number[] = [];
        if (f <= 14) ids.push(p);
        if (f >= 15 || (f >= 13 && p % 33 === 0)) ids.push(POINTS + p);
        return ids;
      },
    });
    const single = run(scene, { maxSegments: 1 }).r;
    assert.equal(single.registeredCount, 15, 'one segment stops at the handover');
    assert.ok(single.reasons[20]!.includes('reconstructed points'));

    const { r, ms } = run(scene);
    assertAllRegisteredAndMerged(r);
    assert.equal(r.segments.length, 2);
    assert.match(r.segments[1]!.note, /merged into segment 0 .* 0 of 0 shared frames and \d+ of \d+ shared points/);
    const e = poseErrors(r.cameras, scene.cams);
    summary('handover, 13 bridging tracks', r, ms, e);
    assert.ok(e.maxRotationDeg < 0.2, `rotation ${e.maxRotationDeg}°`);
    assert.ok(e.maxPositionRel < 0.003, `position ${e.maxPositionRel}`);
    assert.ok(Math.abs(r.K.fx - 800) / 800 < 0.01, `focal ${r.K.fx}`);
    assert.ok(r.rmsReprojectionPx < 0.8, `rms ${r.rmsReprojectionPx}`);
  });

  it('joins the segment after a cut through old points re-observed after it (shared points)', () => {
    // A cut after frame 14: new tracks from frame 15, and 12 old points are re-identified under
    // their old ids in frames 15–17 (as descriptor matching across the cut would).
    const scene = brokenScene({
      frames: FRAMES,
      points: POINTS,
      angleDeg: step,
      noisePx: 0.5,
      outlierShare: 0.02,
      trackIds: (f, p) => {
        const ids: number[] = [];
        if (f <= 14 || (f <= 17 && p % 36 === 0)) ids.push(p);
        if (f >= 15) ids.push(POINTS + p);
        return ids;
      },
    });
    const { r, ms } = run(scene);
    assertAllRegisteredAndMerged(r);
    const e = poseErrors(r.cameras, scene.cams);
    summary('cut, 12 re-observed points', r, ms, e);
    assert.ok(e.maxRotationDeg < 0.2, `rotation ${e.maxRotationDeg}°`);
    assert.ok(e.maxPositionRel < 0.003, `position ${e.maxPositionRel}`);
  });

  it('joins the segment that re-registers the frames where the camera paused while every track was replaced (shared frames)', () => {
    // Frames 13 and 14 see both generations of tracks but 0.6° of arc apart, too close to
    // triangulate the new ones; the segment after the break registers them from its own points.
    const scene = brokenScene({
      frames: FRAMES,
      points: POINTS,
      angleDeg: (f) => (f <= 13 ? step(f) : f === 14 ? step(13) + 0.6 : step(f - 1) + 0.6),
      noisePx: 0.5,
      outlierShare: 0.02,
      trackIds: (f, p) => {
        const ids: number[] = [];
        if (f <= 14) ids.push(p);
        if (f >= 13) ids.push(POINTS + p);
        return ids;
      },
    });
    const { r, ms } = run(scene);
    assertAllRegisteredAndMerged(r);
    // The segment after the pause is the larger (frames 13–29), so the first one is merged into it.
    const joined = r.segments.filter((s) => s.note !== 'the result');
    assert.equal(joined.length, 1);
    assert.match(joined[0]!.note, /merged into segment \d by .* 2 of 2 shared frames and 0 of 0 shared points/);
    assert.ok(
      [13, 14].every((f) => r.segments.every((s) => s.frames.includes(f))),
      'both hold frames 13 and 14',
    );
    const e = poseErrors(r.cameras, scene.cams);
    summary('pause, 2 shared frames', r, ms, e);
    assert.ok(e.maxRotationDeg < 0.2, `rotation ${e.maxRotationDeg}°`);
    assert.ok(e.maxPositionRel < 0.003, `position ${e.maxPositionRel}`);
  });

  it('keeps the largest segment and reports the frames of one it cannot join as separate_segment', () => {
    // A clean handover after frame 17: nothing at all is shared across it.
    const scene = brokenScene({
      frames: FRAMES,
      points: POINTS,
      angleDeg: step,
      noisePx: 0.5,
      outlierShare: 0.05,
      trackIds: (f, p) => [f <= 17 ? p : POINTS + p],
    });
    const { r, ms } = run(scene);
    assert.equal(r.segments.length, 2);
    assert.equal(r.registeredCount, 18);
    assert.deepEqual(
      r.segments[0]!.frames,
      Array.from({ length: 18 }, (_, f) => f),
    );
    assert.equal(r.segments[0]!.merged, true);
    assert.deepEqual(
      r.segments[1]!.frames,
      Array.from({ length: 12 }, (_, f) => 18 + f),
    );
    assert.equal(r.segments[1]!.merged, false);
    assert.match(
      r.segments[1]!.note,
      /^separate_segment: .*no frame registered in both and no track triangulated in both/,
    );
    for (let f = 0; f < FRAMES; f++) {
      if (f <= 17) {
        assert.equal(r.status[f], 'registered');
        assert.equal(r.frameSegment[f], 0);
        continue;
      }
      assert.equal(r.cameras[f], null);
      assert.equal(r.status[f], 'too_few_matches');
      assert.equal(r.frameSegment[f], 1);
      assert.match(
        r.reasons[f]!,
        /^separate_segment: registered in segment 1 \(12 frames, 18–29\), which cannot be joined to the result \(segment 0\)/,
      );
    }
    const e = poseErrors(r.cameras, scene.cams);
    summary('no overlap', r, ms, e);
    assert.ok(e.maxRotationDeg < 0.2 && e.maxPositionRel < 0.003, JSON.stringify(e));
  });

  it('does not join segments through shared track ids that name different points (wrong re-identification)', () => {
    // As above, but after the handover 20 points come back under the old ids of 20 other points.
    const scene = brokenScene({
      frames: FRAMES,
      points: POINTS,
      angleDeg: step,
      noisePx: 0.5,
      outlierShare: 0.02,
      trackIds: (f, p) => (f <= 17 ? [p] : p < 20 ? [POINTS + p, 200 + p] : [POINTS + p]),
    });
    const { r } = run(scene);
    assert.equal(r.registeredCount, 18);
    assert.equal(r.segments.length, 2);
    // (Here the best initial pair lies after the handover, so that part is segment 0.)
    const sep = r.segments.findIndex((s) => !s.merged);
    assert.deepEqual(
      r.segments[sep]!.frames,
      Array.from({ length: 12 }, (_, f) => 18 + f),
    );
    assert.match(
      r.segments[sep]!.note,
      /which cannot be joined to the result \(segment \d\): 0 shared frames and \d+ shared points, of which \d+ agree/,
    );
    for (let f = 18; f < FRAMES; f++) {
      assert.equal(r.cameras[f], null);
      assert.equal(r.frameSegment[f], sep);
      // The result tried the wrongly named points and PnP found them inconsistent.
      assert.equal(r.status[f], 'pnp_failed', r.reasons[f]);
      assert.match(r.reasons[f]!, /^separate_segment: .*; PnP found \d+ inliers among \d+ 2D–3D matches/);
    }
  });
});
