import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { VideoError, probeVideo, readFrames, type VideoFrame } from '../../../engines/video/index.js';
import { SHARED_DATA } from '../../helpers/rgbd.js';

const hasFfmpeg =
  spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0 &&
  spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;
const skip = hasFfmpeg ? false : 'ffmpeg/ffprobe not installed (apt-get install ffmpeg)';
const DATA = SHARED_DATA;
const REAL = [
  path.join(DATA, 'middlebury-mview-templeRing/templeR_frames_0013-0031.mp4'),
  path.join(DATA, 'tum-fr3-office-sequence-superglue/fr3_office_17frames.mp4'),
];

let dir = '';
let plain = '';
let rotated = '';
let long = '';

before(() => {
  if (!hasFfmpeg) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-video-'));
  plain = path.join(dir, 'plain.mp4');
  rotated = path.join(dir, 'rot90.mp4');
  const ff = (args: string[]) => {
    const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  // 64 × 48, 10 fps, 2 s = 20 frames; the rotated copy differs only in its display matrix.
  ff(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', plain]);
  ff(['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
  // Long enough (250 frames of 230 KB) that ffmpeg is still running when the abort comes.
  long = path.join(dir, 'long.mp4');
  ff([
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25:duration=10',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    long,
  ]);
});
after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function collect(file: string, opts: Partial<Parameters<typeof readFrames>[1]> = {}) {
  const frames: VideoFrame[] = [];
  const res = await readFrames(file, { ...opts, onFrame: (f) => void frames.push({ ...f, data: f.data.slice() }) });
  return { res, frames };
}

test('probeVideo › size, rate, duration, frame count and codec of a generated video', { skip }, async () => {
  const info = await probeVideo(plain);
  assert.deepEqual(
    { ...info },
    {
      width: 64,
      height: 48,
      codedWidth: 64,
      codedHeight: 48,
      rotationDeg: 0,
      fps: 10,
      durationS: 2,
      frameCount: 20,
      codec: 'h264',
    },
  );
});

test('readFrames › every frame, upright RGB, timestamps at the source rate', { skip }, async () => {
  const { res, frames } = await collect(plain);
  assert.equal(res.frameCount, 20);
  assert.equal(frames.length, 20);
  assert.deepEqual([frames[0]!.width, frames[0]!.height, frames[0]!.data.length], [64, 48, 64 * 48 * 3]);
  assert.deepEqual(
    frames.map((f) => f.timestampS),
    frames.map((_, i) => i / 10),
  );
  // testsrc frames differ (a moving counter and gradient).
  assert.notDeepEqual(frames[0]!.data, frames[10]!.data);
});

test('readFrames › rate, frame limit and downscaling', { skip }, async () => {
  const { res, frames } = await collect(plain, { fps: 4, maxFrames: 5, maxSide: 32 });
  assert.equal(res.frameCount, 5);
  assert.deepEqual([res.width, res.height], [32, 24]);
  assert.deepEqual(
    frames.map((f) => f.timestampS),
    [0, 0.25, 0.5, 0.75, 1],
  );
});

test(
  'readFrames › honours rotation metadata: portrait frames equal the stored ones turned clockwise',
  { skip },
  async () => {
    const info = await probeVideo(rotated);
    assert.equal(info.codedWidth, 64);
    assert.equal(info.codedHeight, 48);
    assert.ok(info.rotationDeg === 90 || info.rotationDeg === 270, `rotation ${info.rotationDeg}`);
    assert.deepEqual([info.width, info.height], [48, 64]);
    const up = await collect(rotated, { maxFrames: 1 });
    const flat = await collect(plain, { maxFrames: 1 });
    const a = up.frames[0]!;
    const b = flat.frames[0]!;
    assert.deepEqual([a.width, a.height], [48, 64]);
    // Turn the stored frame by rotationDeg clockwise and compare (the chroma of a transposed
    // 4:2:0 frame is resampled differently, hence a tolerance).
    const cw = info.rotationDeg === 90;
    let diff = 0;
    let diffWrong = 0;
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 48; x++) {
        // Clockwise: output (x, y) ← stored (y, H − 1 − x); counter-clockwise: (W − 1 − y, x).
        const [sx, sy] = cw ? [y, 47 - x] : [63 - y, x];
        const [wx, wy] = cw ? [63 - y, x] : [y, 47 - x];
        for (let c = 0; c < 3; c++) {
          diff += Math.abs(a.data[(y * 48 + x) * 3 + c]! - b.data[(sy * 64 + sx) * 3 + c]!);
          diffWrong += Math.abs(a.data[(y * 48 + x) * 3 + c]! - b.data[(wy * 64 + wx) * 3 + c]!);
        }
      }
    const n = 64 * 48 * 3;
    console.log(
      `rotation: probe says ${info.rotationDeg}° clockwise; mean |Δ| ${(diff / n).toFixed(2)} vs ${(diffWrong / n).toFixed(2)} the other way`,
    );
    assert.ok(diff / n < 6, `rotated frame matches: ${diff / n}`);
    assert.ok(diffWrong / n > 4 * (diff / n));
  },
);

test('readFrames › errors: not a video, missing ffmpeg, zero frames', { skip }, async () => {
  const junk = path.join(dir, 'notes.txt');
  fs.writeFileSync(junk, 'not a video at all\n');
  await assert.rejects(probeVideo(junk), (e: unknown) => e instanceof VideoError && e.code === 'unreadable');
  await assert.rejects(
    readFrames(junk, { onFrame: () => {} }),
    (e: unknown) => e instanceof VideoError && e.code === 'unreadable',
  );
  await assert.rejects(
    probeVideo(plain, { ffprobePath: '/nonexistent/ffprobe' }),
    (e: unknown) => e instanceof VideoError && e.code === 'ffmpeg_missing' && /install ffmpeg/.test(e.message),
  );
  const info = await probeVideo(plain);
  await assert.rejects(
    readFrames(plain, { info, ffmpegPath: '/nonexistent/ffmpeg', onFrame: () => {} }),
    (e: unknown) => e instanceof VideoError && e.code === 'ffmpeg_missing',
  );
  await assert.rejects(
    readFrames(plain, { info, maxFrames: 0, onFrame: () => {} }),
    (e: unknown) => e instanceof VideoError && e.code === 'no_frames',
  );
  const audio = path.join(dir, 'tone.m4a');
  spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=0.2', audio]);
  await assert.rejects(probeVideo(audio), (e: unknown) => e instanceof VideoError && e.code === 'no_video_stream');
});

/** ffmpeg processes that are children of this test process (Linux /proc), or null elsewhere. */
function childFfmpegs(): number | null {
  const f = `/proc/${process.pid}/task/${process.pid}/children`;
  if (!fs.existsSync(f)) return null;
  const pids = fs.readFileSync(f, 'utf8').trim().split(/\s+/).filter(Boolean);
  return pids.filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'ffmpeg';
    } catch {
      return false;
    }
  }).length;
}

test('readFrames › abort kills ffmpeg and rejects', { skip }, async () => {
  const info = await probeVideo(long);
  const ac = new AbortController();
  let seen = 0;
  let during: number | null = null;
  await assert.rejects(
    readFrames(long, {
      info,
      signal: ac.signal,
      onFrame: async () => {
        seen++;
        if (seen === 3) {
          during = childFfmpegs();
          ac.abort();
        }
        await new Promise((r) => setTimeout(r, 5));
      },
    }),
    (e: unknown) => e instanceof VideoError && e.code === 'aborted',
  );
  assert.equal(seen, 3, 'no frame after the abort');
  const afterAbort = childFfmpegs();
  if (during !== null) {
    assert.equal(during, 1, 'ffmpeg was running');
    assert.equal(afterAbort, 0, 'and is gone');
  }
  await assert.rejects(
    readFrames(long, { info, signal: AbortSignal.abort(), onFrame: () => {} }),
    (e: unknown) => e instanceof VideoError && e.code === 'aborted',
  );
});

for (const file of REAL) {
  test(
    `readFrames › real video ${path.basename(file)}: frame count and decode speed`,
    { skip: skip || (!fs.existsSync(file) && `${file} absent`) },
    async () => {
      const info = await probeVideo(file);
      let n = 0;
      let sum = 0;
      const t0 = performance.now();
      const res = await readFrames(file, {
        info,
        onFrame: (f) => {
          n++;
          sum += f.data[(f.width * (f.height >> 1) + (f.width >> 1)) * 3]!;
        },
      });
      const s = (performance.now() - t0) / 1000;
      console.log(
        `${path.basename(file)}: ${info.codec} ${info.width}×${info.height} @ ${info.fps} fps, ${res.frameCount} frames ` +
          `(container says ${info.frameCount ?? '?'}), decoded at ${(n / s).toFixed(1)} frames/s`,
      );
      assert.equal(res.frameCount, n);
      if (info.frameCount !== undefined) assert.equal(res.frameCount, info.frameCount);
      assert.ok(sum > 0);
    },
  );
}
