import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameSelector, Tracker, laplacianVariance, type GrayImage } from '../../../engines/features/index.js';
import { blobField, boxBlur, render } from './synth.js';

const W = 320;
const H = 240;
const world = blobField(11, 3000, -100, -100, 700, 500, 1500);
/** The view of the world shifted by (ox, oy): world point p appears at p − (ox, oy). */
const view = (ox: number, oy: number, w = W, h = H): GrayImage => render(world, w, h, [1, 0, ox, 0, 1, oy]);

test('Tracker › ids stay on their points over a moving sequence; occluded cells are replenished with new ids', () => {
  const step = [2.6, 1.3] as const;
  const tracker = new Tracker({ maxCorners: 300, lk: { maxErrorGrey: 10 } });
  const frames = 12;
  let maxIdBeforeReturn = -1;
  for (let f = 0; f < frames; f++) {
    const img = view(f * step[0], f * step[1]);
    // Frame 5: a flat grey occluder over the left third; frame 6 shows the scene again.
    if (f === 5) for (let y = 0; y < H; y++) img.data.fill(128, y * W, y * W + 110);
    tracker.push(img);
    if (f === 5) {
      assert.ok(tracker.lastLost > 40, `occluded points are lost: ${tracker.lastLost}`);
      maxIdBeforeReturn = tracker.tracks().trackCount - 1;
    }
    if (f === 6) assert.ok(tracker.lastAdded > 30, `emptied cells are replenished: ${tracker.lastAdded}`);
  }
  const t = tracker.tracks();
  assert.equal(tracker.frameCount, frames);
  // Every observation of a track lies where the known motion puts the first one.
  const first = new Map<number, [number, number, number]>();
  let maxDev = 0;
  let maxDevEdge = 0; // windows half under the frame-5 occluder: partial occlusion shifts them a little
  const lengths = new Map<number, number>();
  for (let k = 0; k < t.count; k++) {
    const id = t.trackId[k]!;
    const f = t.frameIndex[k]!;
    const x = t.xy[2 * k]!;
    const y = t.xy[2 * k + 1]!;
    lengths.set(id, (lengths.get(id) ?? 0) + 1);
    const s = first.get(id);
    if (!s) {
      first.set(id, [f, x, y]);
      continue;
    }
    const ex = s[1] - (f - s[0]) * step[0];
    const ey = s[2] - (f - s[0]) * step[1];
    const dev = Math.hypot(x - ex, y - ey);
    if (f === 5 && x < 110 + 11) maxDevEdge = Math.max(maxDevEdge, dev);
    else maxDev = Math.max(maxDev, dev);
  }
  // Observations are ordered by frame, then id.
  for (let k = 1; k < t.count; k++) {
    const df = t.frameIndex[k]! - t.frameIndex[k - 1]!;
    assert.ok(df > 0 || (df === 0 && t.trackId[k]! > t.trackId[k - 1]!));
  }
  const newIds = [...first.entries()].filter(([id, [f]]) => f === 6 && id > maxIdBeforeReturn).length;
  const long = [...lengths.values()].filter((n) => n === frames).length;
  console.log(
    `Tracker: ${t.trackCount} tracks, ${t.count} observations, ${long} tracks span all ${frames} frames, ` +
      `${newIds} new ids after the occluder, largest deviation from the true motion ${maxDev.toFixed(3)} px ` +
      `(${maxDevEdge.toFixed(3)} px for windows partly under the occluder)`,
  );
  assert.ok(maxDev < 0.15, `drift ${maxDev}`);
  assert.ok(maxDevEdge < 1, `partly occluded ${maxDevEdge}`);
  assert.ok(long > 80);
  assert.ok(newIds > 30);
});

/** Largest distance of any observation from where the known per-frame motion puts the track's first one. */
function maxDeviation(t: ReturnType<Tracker['tracks']>, step: readonly [number, number]): number {
  const first = new Map<number, [number, number, number]>();
  let max = 0;
  for (let k = 0; k < t.count; k++) {
    const id = t.trackId[k]!;
    const f = t.frameIndex[k]!;
    const s = first.get(id);
    if (!s) first.set(id, [f, t.xy[2 * k]!, t.xy[2 * k + 1]!]);
    else
      max = Math.max(
        max,
        Math.hypot(t.xy[2 * k]! - (s[1] - (f - s[0]) * step[0]), t.xy[2 * k + 1]! - (s[2] - (f - s[0]) * step[1])),
      );
  }
  return max;
}

test('Tracker › the motion prior follows 25 px/frame through one pyramid level, and gives what the full pyramid gives', () => {
  const step = [25, -9] as const;
  const run = (options: ConstructorParameters<typeof Tracker>[0]) => {
    const tracker = new Tracker({ maxCorners: 300, ...options });
    const kept: number[] = [];
    for (let f = 0; f < 8; f++) {
      tracker.push(view(f * step[0], f * step[1]));
      if (f > 0) kept.push(tracker.lastTracked / (tracker.lastTracked + tracker.lastLost));
    }
    return { t: tracker.tracks(), kept };
  };
  // Level 0 alone cannot find 25 px (see lk.test.ts); from the predicted position it has ~0 px to go.
  const prior = run({ lk: { maxLevel: 3 }, priorMaxLevel: 0 });
  const full = run({ lk: { maxLevel: 3 }, motionPrior: false });
  const devPrior = maxDeviation(prior.t, step);
  const devFull = maxDeviation(full.t, step);
  console.log(
    `motion prior, 25 px/frame: ${prior.t.count} observations (full pyramid ${full.t.count}), largest deviation ` +
      `${devPrior.toFixed(3)} px (full pyramid ${devFull.toFixed(3)} px); kept per frame ${prior.kept.map((k) => k.toFixed(2)).join(' ')}`,
  );
  assert.ok(devPrior < 0.15, `deviation ${devPrior}`);
  assert.ok(Math.abs(prior.t.count - full.t.count) <= 0.02 * full.t.count, `${prior.t.count} vs ${full.t.count}`);
  // Points that leave the 320 × 240 view at 25 px/frame are the only losses.
  assert.ok(prior.kept.every((k) => k > 0.8));
});

test('laplacianVariance › a blurred copy scores lower', () => {
  const img = view(0, 0);
  const s0 = laplacianVariance(img);
  const s1 = laplacianVariance(boxBlur(img, 1));
  const s2 = laplacianVariance(boxBlur(img, 2));
  console.log(`sharpness: original ${s0.toFixed(2)}, 3×3 blur ${s1.toFixed(2)}, 5×5 blur ${s2.toFixed(2)}`);
  assert.ok(s0 > 2 * s1 && s1 > s2 && s2 > 0);
  const flat = view(0, 0);
  flat.data.fill(77);
  assert.equal(laplacianVariance(flat), 0);
});

test('FrameSelector › drops a blurred frame and near-duplicates, keeps a keyframe per 10 px of parallax', () => {
  // Offsets along x: slow drift with repeats (near-duplicates); frame 7 is blurred.
  const xs = [0, 0, 2, 4, 4, 6, 8, 10, 10, 12, 14, 16, 18, 20, 22, 24];
  const tracker = new Tracker({ maxCorners: 300 });
  const selector = new FrameSelector({ minParallaxPx: 9.5 });
  const decisions: string[] = [];
  xs.forEach((x, f) => {
    let img = view(x, 0);
    if (f === 7) img = boxBlur(img, 2);
    tracker.push(img);
    decisions.push(selector.consider(laplacianVariance(img), tracker.liveIds, tracker.liveXY)[0]!.toUpperCase());
  });
  console.log(`frame decisions (K keyframe, R redundant, B blurred): ${decisions.join('')}`);
  // Keyframes where the drift since the last one reaches 10 px: x = 0, 10 (frame 8, as 7 is blurred), 20.
  assert.equal(decisions.join(''), 'KRRRRRRBKRRRRKRR');
  assert.deepEqual(selector.keyframes, [0, 8, 13]);
});

test('Tracker › speed on 640×480 with 500 corners (printed, not asserted)', () => {
  const w = 640;
  const h = 480;
  const frames = Array.from({ length: 8 }, (_, f) => render(world, w, h, [1, 0, f * 3.1, 0, 1, f * 1.2]));
  const tracker = new Tracker({ maxCorners: 500 });
  tracker.push(frames[0]!);
  const t0 = performance.now();
  let pts = 0;
  for (let f = 1; f < frames.length; f++) {
    tracker.push(frames[f]!);
    pts += tracker.lastTracked;
  }
  const ms = (performance.now() - t0) / (frames.length - 1);
  const affine = new Tracker({ maxCorners: 500, lk: { affine: true } });
  affine.push(frames[0]!);
  const t1 = performance.now();
  for (let f = 1; f < frames.length; f++) affine.push(frames[f]!);
  const msA = (performance.now() - t1) / (frames.length - 1);
  console.log(
    `tracking speed 640×480: ${(1000 / ms).toFixed(1)} frames/s (${ms.toFixed(1)} ms/frame, ` +
      `${(pts / (frames.length - 1)).toFixed(0)} points tracked per frame, window 21, 4 levels, forward–backward on); ` +
      `with affine refinement ${(1000 / msA).toFixed(1)} frames/s`,
  );
  assert.ok(pts > 0);
});
