// npm run bench:reconstruct — the reconstruction job end to end, on a real `spatialforge serve`
// process (so its peak memory, VmHWM from /proc, is the server's alone), with the real PyDNet++:
//   presets:  a rendered 60-frame room walk (known geometry and poses) at draft / standard / high:
//             time, peak memory, and accuracy / completeness against the true surfaces;
//   1080p:    a 30 s 1920×1080 video of the same room, draft preset: time and peak memory;
//   temple:   the Middlebury templeRing photos: camera accuracy against the published K, R, t;
//   kinect:   the 5 Kinect room frames: the fused surface against the sensor's depth fused with the
//             reference poses (no mesh ground truth exists).
// BENCH_CASES=presets,1080p,temple,kinect (default all) picks cases.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { decodePly } from '../../engines/core/ply.js';
import { applySimilarity, createSimilarity, umeyamaAlignment } from '../../engines/pose/align.js';
import { rotationFromQuaternion } from '../../engines/pose/colmapText.js';
import { evaluateSurface, extractPointCloud, PointGrid, TsdfVolume } from '../../engines/recon/index.js';
import { openCore } from '../../main/core/core.js';
import { renderRoom, renderRoomDepth, roomWalkCameras } from '../fixtures/poseScenes.js';
import type { CamFromWorld } from '../fixtures/scenes.js';
import { readPnm, SHARED_DATA } from '../helpers/rgbd.js';
import { readMiddleburyPar, poseAccuracy } from './pose/groundTruth.js';

const CASES = (process.env.BENCH_CASES ?? 'presets,1080p,temple,kinect').split(',');
const PYDNET = path.join(SHARED_DATA, 'depth-model-pydnet', 'pydnet_pp_448x640.onnx');
if (!fs.existsSync(PYDNET)) {
  console.log(`needs the real depth model (${PYDNET}); nothing to measure`);
  process.exit(0);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-recon-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

interface Outcome {
  status: string;
  wallS: number;
  peakMiB: number;
  result: {
    frames: { total: number; keyframes: number; posed: number; fused: number };
    points: number;
    mesh: { faces: number };
    voxel_size_m: number;
    scale: { kind: string };
    cameras: { index: number; keyframe: boolean; cam_from_world: { R: number[]; t: number[] } | null }[];
    artifacts: Record<string, { url: string }>;
    timings_ms: Record<string, number>;
  };
  points: Float32Array;
  error: unknown;
}

/** One job on a fresh server process: submit, wait, read the server's peak RSS, fetch the points. */
async function reconstruct(files: { field: string; file: string }[], fields: Record<string, string>): Promise<Outcome> {
  const dataDir = fs.mkdtempSync(path.join(work, 'data-'));
  const core = openCore({ dataDir, researchMode: true });
  await core.models.import(PYDNET, 'pydnet-pp-448x640-local');
  const key = core.keys.create('bench', 'admin').key;
  core.close();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'main/cli-entry.ts', '--data-dir', dataDir, 'serve', '--port', '0', '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SPATIALFORGE_RESEARCH_MODE: '1' } },
  );
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  try {
    const form = new FormData();
    for (const f of files) form.append(f.field, new Blob([fs.readFileSync(f.file)]), path.basename(f.file));
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/reconstruct`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
    const job = (await res.json()) as { id: string };
    let row: { status: string; result: Outcome['result']; error: unknown };
    do {
      await sleep(500);
      row = (await (await fetch(`${url}/v1/jobs/${job.id}`, { headers: { 'x-api-key': key } })).json()) as typeof row;
    } while (row.status === 'queued' || row.status === 'running');
    const wallS = (performance.now() - t0) / 1000;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    const peakMiB = hwm ? Number(hwm[1]) / 1024 : NaN;
    let points: Float32Array = new Float32Array(0);
    if (row.status === 'succeeded') {
      const ply = decodePly(
        new Uint8Array(await (await fetch(url + row.result.artifacts.points_ply!.url)).arrayBuffer()),
      );
      points = ply.positions.subarray(0, 3 * ply.count);
    }
    return { status: row.status, wallS, peakMiB, result: row.result, points, error: row.error };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const centre = (R: ArrayLike<number>, t: ArrayLike<number>) =>
  [0, 1, 2].map((i) => -(R[i]! * t[0]! + R[3 + i]! * t[1]! + R[6 + i]! * t[2]!));

/** Aligns the result's camera centres to the true ones (similarity) and moves its points along. */
function alignToTruth(
  o: Outcome,
  truthCentre: (index: number) => number[] | null,
): { points: Float32Array; scale: number } | null {
  const src: number[] = [];
  const dst: number[] = [];
  for (const c of o.result.cameras) {
    const t = truthCentre(c.index);
    if (!c.cam_from_world || !t) continue;
    src.push(...centre(c.cam_from_world.R, c.cam_from_world.t));
    dst.push(...t);
  }
  const sim = createSimilarity();
  if (src.length < 9 || !umeyamaAlignment(sim, src, dst, true)) return null;
  return {
    points: Float32Array.from(applySimilarity(new Float64Array(o.points.length), sim, o.points)),
    scale: sim.scale,
  };
}

/**
 * Refines an alignment by rigid ICP (the evaluation practice of Tanks and Temples): up
 * to 20k of the points paired with their nearest truth points within a shrinking radius, a
 * Umeyama fit, repeated. Optimistic by construction — it also fits away some of the shape's error —
 * so it is reported beside, not instead of, the camera-based alignment.
 */
function refineIcp(points: Float32Array, truth: Float32Array, iterations = 20): { points: Float32Array } {
  const grid = new PointGrid(truth);
  const n = points.length / 3;
  const step = Math.max(1, Math.floor(n / 20000));
  let cur = points;
  let radius = 0.5;
  for (let it = 0; it < iterations; it++) {
    const src: number[] = [];
    const dst: number[] = [];
    const dists: number[] = [];
    for (let i = 0; i < n; i += step) {
      const d = grid.nearestDistance(cur[3 * i]!, cur[3 * i + 1]!, cur[3 * i + 2]!, radius);
      if (!(d < radius)) continue;
      src.push(cur[3 * i]!, cur[3 * i + 1]!, cur[3 * i + 2]!);
      dst.push(grid.nearest[0]!, grid.nearest[1]!, grid.nearest[2]!);
      dists.push(d);
    }
    const sim = createSimilarity();
    // Rigid: with a free scale, ICP shrinks a cloud into the truth's densest part.
    if (src.length < 30 || !umeyamaAlignment(sim, src, dst, false)) break;
    cur = Float32Array.from(applySimilarity(new Float64Array(cur.length), sim, cur));
    dists.sort((a, b) => a - b);
    radius = Math.max(0.05, Math.min(radius, 3 * dists[dists.length >> 1]!));
  }
  return { points: cur };
}

function unprojectWorld(
  depth: Float32Array,
  W: number,
  H: number,
  K: { fx: number; fy: number; cx: number; cy: number },
  cam: CamFromWorld,
  step: number,
  out: number[],
): void {
  for (let y = 0; y < H; y += step)
    for (let x = 0; x < W; x += step) {
      const z = depth[y * W + x]!;
      if (!(z > 0)) continue;
      const c = [((x + 0.5 - K.cx) / K.fx) * z, ((y + 0.5 - K.cy) / K.fy) * z, z];
      for (let i = 0; i < 3; i++)
        out.push(
          cam.R[i]! * (c[0]! - cam.t[0]!) + cam.R[3 + i]! * (c[1]! - cam.t[1]!) + cam.R[6 + i]! * (c[2]! - cam.t[2]!),
        );
    }
}

async function roomVideo(
  name: string,
  o: { count: number; W: number; H: number; F: number; fps: number; scaleTo?: [number, number]; outFps?: number },
) {
  const K = { fx: o.F, fy: o.F, cx: o.W / 2, cy: o.H / 2 };
  const cams = roomWalkCameras(o.count, 2.0);
  const dir = fs.mkdtempSync(path.join(work, 'frames-'));
  for (const [i, cam] of cams.entries())
    await sharp(renderRoom(K, o.W, o.H, cam), { raw: { width: o.W, height: o.H, channels: 3 } })
      .png()
      .toFile(path.join(dir, `f${i}.png`));
  const file = path.join(work, `${name}.mp4`);
  const vf = o.scaleTo ? ['-vf', `scale=${o.scaleTo[0]}:${o.scaleTo[1]}:flags=bicubic`] : [];
  const r = o.outFps ? ['-r', String(o.outFps)] : [];
  const enc = spawnSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-framerate',
    String(o.fps),
    '-i',
    path.join(dir, 'f%d.png'),
    ...vf,
    ...r,
    '-c:v',
    'libx264',
    '-crf',
    '16',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  if (enc.status !== 0) throw new Error(String(enc.stderr));
  fs.rmSync(dir, { recursive: true, force: true });
  return { file, cams, K, scale: o.scaleTo ? o.scaleTo[0] / o.W : 1 };
}

if (CASES.includes('presets')) {
  // 60 rendered frames at 640×480 as a 3 fps video (20 s): every preset samples it.
  const v = await roomVideo('room', { count: 60, W: 640, H: 480, F: 520, fps: 3 });
  console.log(
    '\nrendered room walk, 60 frames 640×480 (20 s at 3 fps), PyDNet++ depth, focal given; accuracy after a similarity alignment of the cameras',
  );
  console.log(
    'preset     wall s  peak MiB  frames key/fused  points   faces    voxel      acc@2/5/10cm            compl@2/5/10cm',
  );
  for (const preset of ['draft', 'standard', 'high']) {
    const o = await reconstruct([{ field: 'video', file: v.file }], { preset, focal_px: '520' });
    if (o.status !== 'succeeded') {
      console.log(`${preset.padEnd(10)} ${o.status}: ${JSON.stringify(o.error)}`);
      continue;
    }
    const a = alignToTruth(o, (i) => {
      // Sampled frame i is at time i / fps; the video has 3 frames per second.
      const fps = preset === 'draft' ? 2 : preset === 'standard' ? 3 : 5;
      const k = Math.round((i / fps) * 3);
      return k < v.cams.length ? centre(v.cams[k]!.R, v.cams[k]!.t) : null;
    });
    const truth: number[] = [];
    for (const c of o.result.cameras.filter((c) => c.keyframe)) {
      const fps = preset === 'draft' ? 2 : preset === 'standard' ? 3 : 5;
      const cam = v.cams[Math.min(v.cams.length - 1, Math.round((c.index / fps) * 3))]!;
      unprojectWorld(renderRoomDepth(v.K, 640, 480, cam), 640, 480, v.K, cam, 4, truth);
    }
    const e = a ? evaluateSurface(a.points, Float32Array.from(truth), [0.02, 0.05, 0.1]) : null;
    const f = o.result.frames;
    console.log(
      `${preset.padEnd(10)} ${o.wallS.toFixed(1).padStart(6)}  ${o.peakMiB.toFixed(0).padStart(8)}  ${String(f.total).padStart(6)} ${String(f.keyframes).padStart(3)}/${String(f.fused).padEnd(5)} ${String(o.result.points).padStart(7)}  ${String(o.result.mesh.faces).padStart(7)}  ${o.result.voxel_size_m.toPrecision(3).padEnd(9)} ${e ? e.accuracy.map(pct).join(' / ').padEnd(23) : 'n/a'} ${e ? e.completeness.map(pct).join(' / ') : ''}`,
    );
  }
}

if (CASES.includes('1080p')) {
  // 60 rendered frames at 960×540, shown 2 per second and written as 1920×1080 at 30 fps: a 30 s 1080p video.
  const v = await roomVideo('room1080', {
    count: 60,
    W: 960,
    H: 540,
    F: 780,
    fps: 2,
    scaleTo: [1920, 1080],
    outFps: 30,
  });
  const o = await reconstruct([{ field: 'video', file: v.file }], { preset: 'draft' });
  const mb = (fs.statSync(v.file).size / 2 ** 20).toFixed(1);
  console.log(
    `\n30 s 1920×1080 30 fps video (${mb} MiB), draft, focal estimated: ${o.status} in ${o.wallS.toFixed(1)} s, server peak memory ${o.peakMiB.toFixed(0)} MiB` +
      (o.status === 'succeeded'
        ? `; ${o.result.frames.total} frames, ${o.result.frames.posed} posed, ${o.result.frames.fused} fused, ${o.result.points} points; stages ${JSON.stringify(o.result.timings_ms)}`
        : ` ${JSON.stringify(o.error)}`),
  );
}

if (CASES.includes('temple')) {
  const dir = path.join(SHARED_DATA, 'middlebury-mview-templeRing');
  // The parameter file lists the whole ring; the data folder ships 19 of its photos.
  const gt = readMiddleburyPar(path.join(dir, 'templeR_par.txt')).filter((g) => fs.existsSync(path.join(dir, g.name)));
  const files = gt.map((g) => ({ field: 'images', file: path.join(dir, g.name) }));
  const o = await reconstruct(files, { preset: 'standard', focal_px: String(gt[0]!.K[0]) });
  if (o.status !== 'succeeded') console.log(`\ntempleRing: ${o.status} ${JSON.stringify(o.error)}`);
  else {
    const est = o.result.cameras
      .filter((c) => c.cam_from_world)
      .map((c) => ({ name: gt[c.index]!.name, R: c.cam_from_world!.R, t: c.cam_from_world!.t }));
    const acc = poseAccuracy(gt, est, (src, dst) => {
      const sim = createSimilarity();
      umeyamaAlignment(sim, src.flat(), dst.flat(), true);
      const out = applySimilarity(new Float64Array(3 * src.length), sim, src.flat());
      return src.map((_, i) => [out[3 * i]!, out[3 * i + 1]!, out[3 * i + 2]!]);
    });
    console.log(
      `\ntempleRing (${gt.length} photos 640×480, standard): ${o.wallS.toFixed(1)} s, peak ${o.peakMiB.toFixed(0)} MiB; cameras ${acc.registered}/${acc.total}, median rotation error ${acc.medianRotErrDeg.toFixed(2)}°, centre error ${((100 * acc.medianCentreErr) / acc.sceneSize).toFixed(1)} % of the ring radius; ${o.result.points} points, ${o.result.mesh.faces} faces (no geometry ground truth ships with the data)`,
    );
  }
}

if (CASES.includes('kinect')) {
  const dir = path.join(SHARED_DATA, 'slambook2-rgbd-room');
  const K = { fx: 518, fy: 519, cx: 325.5, cy: 253.5 };
  const poses = fs
    .readFileSync(path.join(dir, 'pose.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  // Reference: the sensor depth fused with the reference poses (T_wc → camFromWorld), 2 cm voxels.
  const cams: CamFromWorld[] = poses.map((p) => {
    const Rwc = rotationFromQuaternion(p[6]!, p[3]!, p[4]!, p[5]!);
    const R = [Rwc[0]!, Rwc[3]!, Rwc[6]!, Rwc[1]!, Rwc[4]!, Rwc[7]!, Rwc[2]!, Rwc[5]!, Rwc[8]!];
    const t = [0, 1, 2].map((i) => -(R[3 * i]! * p[0]! + R[3 * i + 1]! * p[1]! + R[3 * i + 2]! * p[2]!));
    return { R, t } as unknown as CamFromWorld;
  });
  const ref = new TsdfVolume({ voxelSizeM: 0.02 });
  for (let i = 0; i < 5; i++) {
    const pgm = readPnm(path.join(dir, 'depth', `${i + 1}.pgm`));
    const d = new Float32Array(pgm.width * pgm.height);
    for (let k = 0; k < d.length; k++) d[k] = pgm.data.readUInt16BE(2 * k) / 1000;
    ref.integrate(d, pgm.width, pgm.height, K, cams[i]!, null, { maxDepthM: 6 });
  }
  const truth = extractPointCloud(ref);
  const files = [1, 2, 3, 4, 5].map((i) => ({ field: 'images', file: path.join(dir, 'color', `${i}.png`) }));
  const o = await reconstruct(files, { preset: 'standard', fx: '518', fy: '519', cx: '325.5', cy: '253.5' });
  if (o.status !== 'succeeded') console.log(`\nKinect room: ${o.status} ${JSON.stringify(o.error)}`);
  else {
    const a = alignToTruth(o, (i) => centre(cams[i]!.R, cams[i]!.t));
    const truthPts = truth.positions.subarray(0, 3 * truth.count);
    const e = a ? evaluateSurface(a.points, truthPts, [0.05, 0.1, 0.2]) : null;
    const icp = a ? refineIcp(a.points, truthPts) : null;
    const ei = icp ? evaluateSurface(icp.points, truthPts, [0.05, 0.1, 0.2]) : null;
    console.log(
      `\nKinect room (5 RGB frames 640×480, standard, PyDNet++ depth): ${o.wallS.toFixed(1)} s; ${o.result.frames.posed}/5 posed, ${o.result.frames.fused} fused, ${o.result.points} points` +
        (e && a
          ? `; against the sensor depth fused with the reference poses (${truth.count} points): accuracy ${e.accuracy.map(pct).join(' / ')}, completeness ${e.completeness.map(pct).join(' / ')} at 5 / 10 / 20 cm (aligned by the camera centres, similarity scale ${a.scale.toFixed(3)})`
          : ' (too few cameras to align)') +
        (ei && icp
          ? `; after ICP refinement: accuracy ${ei.accuracy.map(pct).join(' / ')}, completeness ${ei.completeness.map(pct).join(' / ')}, median error ${(100 * ei.accuracyMedianM).toFixed(1)} cm`
          : ''),
    );
  }
}
