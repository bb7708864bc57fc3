// npm run bench:tracker — speed and accuracy of the video tracker on the
// pose benchmark's input: the 100-frame room walk of test/fixtures/poseScenes.ts (640 × 480, true
// K and camFromWorld per frame), encoded by ffmpeg (libx264, crf 18) and decoded back to RGB as the
// product's video path does (cached in the OS temp folder after the first run).
//
// Runs the tracker of a base git revision (BASE_REV, default HEAD; copied to a temp folder) and the
// working tree's, each with the product's settings (poseJob.ts: 1000 corners, winSize 31,
// maxLevel 4) and any extra ones in CONFIGS, alternately ROUNDS times (default 2; the best time is
// reported; CPU time of the thread, as the development machine is shared), in the same process on
// the same frames. Accuracy without SfM: every track with ≥ 3
// observations is triangulated with the TRUE cameras and its observations' reprojection errors are
// pooled (a drifting or jumping track shows up as a large error). BENCH_SFM=1 also runs
// incrementalSfm on each track set (true K, not refined) and reports the rotation error against
// the truth.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGray, rgbToGray, type GrayImage } from '../../engines/features/index.js';
import type * as TrackerModule from '../../engines/features/tracker.js';
import { incrementalSfm, rotationAngleBetween, triangulateDlt, reprojectionErrorPx } from '../../engines/pose/index.js';
import { renderRoom, roomWalkCameras } from '../fixtures/poseScenes.js';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const BASE_REV = process.env.BASE_REV ?? 'HEAD';
const W = 640;
const H = 480;
const K = { fx: 525, fy: 525, cx: W / 2, cy: H / 2 };
const cams = roomWalkCameras(FRAMES);

// --- frames: render → x264 → decode, cached ---
const cache = path.join(os.tmpdir(), `sf-tracker-bench-${FRAMES}.rgb`);
if (!fs.existsSync(cache)) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-tracker-bench-'));
  const raw = path.join(work, 'in.rgb');
  const fd = fs.openSync(raw, 'w');
  for (const c of cams) fs.writeSync(fd, renderRoom(K, W, H, c));
  fs.closeSync(fd);
  const mp4 = path.join(work, 'room.mp4');
  const ff = (args: string[]) => {
    const r = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('ffmpeg failed');
  };
  ff([
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-r', '12', '-i', raw],
    ...['-c:v', 'libx264', '-crf', '18', '-preset', 'medium', '-pix_fmt', 'yuv420p', mp4],
  ]);
  ff(['-i', mp4, '-f', 'rawvideo', '-pix_fmt', 'rgb24', cache]);
  fs.rmSync(work, { recursive: true, force: true });
}
const rgbAll = fs.readFileSync(cache);
const grays: GrayImage[] = cams.map((_, f) => {
  const g = createGray(W, H);
  rgbToGray(g.data, rgbAll.subarray(f * W * H * 3, (f + 1) * W * H * 3), W, H, 3);
  return g;
});

// --- the base revision's tracker, copied out of git ---
const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-tracker-base-'));
const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
for (const f of ['tracker.ts', 'lk.ts', 'pyramid.ts', 'corners.ts', 'gray.ts'])
  fs.writeFileSync(
    path.join(baseDir, f),
    execFileSync('git', ['show', `${BASE_REV}:engines/features/${f}`], { cwd: repo, encoding: 'utf8' }),
  );
const baseMod = (await import(pathToFileURL(path.join(baseDir, 'tracker.ts')).href)) as typeof TrackerModule;
const workMod = await import('../../engines/features/tracker.js');

interface TrackSet {
  count: number;
  trackId: Int32Array;
  frameIndex: Int32Array;
  xy: Float32Array;
  trackCount: number;
}
interface Config {
  label: string;
  Tracker: typeof workMod.Tracker;
  options: ConstructorParameters<typeof workMod.Tracker>[0];
}
const product = { maxCorners: 1000, lk: { winSize: 31, maxLevel: 4 } };
const extra: { label: string; options: ConstructorParameters<typeof workMod.Tracker>[0] }[] = process.env.CONFIGS
  ? (JSON.parse(process.env.CONFIGS) as { label: string; options: ConstructorParameters<typeof workMod.Tracker>[0] }[])
  : [];
const configs: Config[] = [
  { label: `base ${BASE_REV} 31/4`, Tracker: baseMod.Tracker, options: product },
  { label: 'work 31/4', Tracker: workMod.Tracker, options: product },
  ...extra.map((e) => ({ label: `work ${e.label}`, Tracker: workMod.Tracker, options: e.options })),
];

function runTracker(c: Config): { ms: number; tracks: TrackSet } {
  const t = new c.Tracker(c.options);
  // CPU time of this thread, not wall time: the development machine is shared.
  const t0 = process.cpuUsage();
  for (const g of grays) t.push(g);
  const d = process.cpuUsage(t0);
  const ms = (d.user + d.system) / 1000;
  const tr = t.tracks();
  return {
    ms,
    tracks: {
      count: tr.count,
      trackId: tr.trackId.slice(),
      frameIndex: tr.frameIndex.slice(),
      xy: tr.xy.slice(),
      trackCount: tr.trackCount,
    },
  };
}

/** Reprojection errors of every observation of tracks with ≥ 3 observations, triangulated with the true cameras. */
function accuracy(tr: TrackSet) {
  const byTrack = new Map<number, number[]>();
  for (let o = 0; o < tr.count; o++) {
    const list = byTrack.get(tr.trackId[o]!);
    if (list) list.push(o);
    else byTrack.set(tr.trackId[o]!, [o]);
  }
  const errs: number[] = [];
  const X = new Float64Array(3);
  let used = 0;
  for (const obs of byTrack.values()) {
    if (obs.length < 3) continue;
    const px = new Float64Array(2 * obs.length);
    obs.forEach((o, i) => {
      px[2 * i] = tr.xy[2 * o]!;
      px[2 * i + 1] = tr.xy[2 * o + 1]!;
    });
    const cs = obs.map((o) => cams[tr.frameIndex[o]!]!);
    if (
      !triangulateDlt(
        X,
        px,
        cs,
        obs.map(() => K),
      )
    )
      continue;
    used++;
    obs.forEach((o, i) => errs.push(reprojectionErrorPx(X, px[2 * i]!, px[2 * i + 1]!, cs[i]!, K)));
  }
  errs.sort((a, b) => a - b);
  const q = (p: number) => errs[Math.min(errs.length - 1, Math.floor(p * errs.length))]!;
  const over = (v: number) => errs.filter((e) => e > v).length / errs.length;
  return { tracks: used, obs: errs.length, median: q(0.5), p90: q(0.9), p99: q(0.99), over2: over(2) };
}

function sfm(tr: TrackSet) {
  const t0 = performance.now();
  const r = incrementalSfm(
    { frameCount: FRAMES, obsFrame: tr.frameIndex, obsTrack: tr.trackId, obsXY: Float64Array.from(tr.xy) },
    { K, refineFocal: false, seed: 1 },
  );
  const ms = performance.now() - t0;
  // Relative rotations of consecutive-ish pairs (every 5th) against the truth.
  const e: number[] = [];
  const rel = (A: Float64Array, B: Float64Array) => {
    const o = new Float64Array(9);
    for (let x = 0; x < 3; x++)
      for (let y = 0; y < 3; y++) for (let k = 0; k < 3; k++) o[3 * x + y]! += A[3 * x + k]! * B[3 * y + k]!;
    return o;
  };
  for (let i = 0; i < FRAMES; i++)
    for (let j = i + 5; j < FRAMES; j += 5) {
      const a = r.cameras[i];
      const b = r.cameras[j];
      if (!a || !b) continue;
      e.push((rotationAngleBetween(rel(a.R, b.R), rel(cams[i]!.R, cams[j]!.R)) * 180) / Math.PI);
    }
  e.sort((x, y) => x - y);
  return { registered: r.registeredCount, medianRelRotDeg: e[e.length >> 1]!, ms };
}

const best = new Map<string, number>();
const sets = new Map<string, TrackSet>();
for (let round = 0; round < ROUNDS; round++)
  for (const c of configs) {
    const { ms, tracks } = runTracker(c);
    best.set(c.label, Math.min(best.get(c.label) ?? Infinity, ms));
    sets.set(c.label, tracks);
  }
console.log(`${FRAMES} frames ${W}×${H}, best of ${ROUNDS}, node ${process.version}, ${os.cpus()[0]?.model ?? ''}`);
for (const c of configs) {
  const tr = sets.get(c.label)!;
  const a = accuracy(tr);
  const s = process.env.BENCH_SFM === '1' ? sfm(tr) : null;
  console.log(
    `${c.label.padEnd(28)} ${(best.get(c.label)! / 1000).toFixed(2).padStart(6)} s  ` +
      `${tr.trackCount} tracks, ${tr.count} obs; reprojection with true poses over ${a.tracks} tracks: ` +
      `median ${a.median.toFixed(3)} px, p90 ${a.p90.toFixed(3)}, p99 ${a.p99.toFixed(2)}, >2 px ${(100 * a.over2).toFixed(2)}%` +
      (s
        ? `; SfM ${s.registered}/${FRAMES}, median rel. rotation error ${s.medianRelRotDeg.toFixed(3)}°, ${(s.ms / 1000).toFixed(1)} s`
        : ''),
  );
}
const base = sets.get(configs[0]!.label)!;
for (const c of configs.slice(1)) {
  const t = sets.get(c.label)!;
  const same =
    t.count === base.count &&
    t.xy.every((v, i) => v === base.xy[i]) &&
    t.trackId.every((v, i) => v === base.trackId[i]);
  console.log(`${c.label}: observations ${same ? 'bit-identical to' : 'differ from'} the base's`);
}
fs.rmSync(baseDir, { recursive: true, force: true });
