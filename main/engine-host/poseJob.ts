// The pose pipeline, run inside a worker thread (inferenceWorker.ts dispatches `pose` jobs here):
// frames (a video through ffmpeg, or photos through sharp) → grey → Lucas–Kanade tracks →
// incremental SfM → COLMAP text model and a coloured PLY, written into the artifact temp folder.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { encodePly } from '../../engines/core/ply.js';
import {
  resolveIntrinsics,
  type ExifFocalFacts,
  type Intrinsics,
  type IntrinsicsSource,
} from '../../engines/core/index.js';
import {
  createGray,
  detectAndDescribe,
  rgbToGray,
  Tracker,
  type GrayImage,
  type Keypoints,
} from '../../engines/features/index.js';
import { incrementalSfm, matchTracks, reprojectionErrorPx, type MatchTracksReport } from '../../engines/pose/index.js';
import { writeColmapText, type ColmapImage, type ColmapPoint } from '../../engines/pose/colmapText.js';
import { outputSize, probeVideo, readFrames, VideoError, type VideoInfo } from '../../engines/video/index.js';
import { AppError } from '../common/errors.js';
import { writeArtifactFile } from './artifactFile.js';
import { decodeImage } from './image.js';
import type { PoseJob, PoseJobResult, WrittenArtifact } from './protocol.js';

/** Tracker settings: wide windows and deep pyramids, because sampled video frames move a lot. */
const TRACKER = { maxCorners: 1000, lk: { winSize: 31, maxLevel: 4 } } as const;

/** Packed tracks as runPose reads them (the Tracker's shape). */
interface TrackSet {
  count: number;
  frameIndex: Int32Array;
  trackId: Int32Array;
  xy: ArrayLike<number>;
  trackCount: number;
}

/**
 * Frames → tracks, with the colour of every track where it was first seen. Two front ends:
 * `track` (video: Lucas–Kanade from frame to frame) and `describe` (photo sets: oriented binary
 * descriptors matched across every pair and verified geometrically — photos are too far apart to
 * track, and matching all pairs gives the long tracks a narrow field of view needs).
 */
class FrameSink {
  readonly tracker = new Tracker({ maxCorners: TRACKER.maxCorners, lk: { ...TRACKER.lk } });
  private gray: GrayImage | null = null;
  private readonly keypoints: Keypoints[] = [];
  private readonly keypointColours: Uint8Array[] = [];
  colours = new Uint8Array(3 * 4096);
  names: string[] = [];
  times: (number | null)[] = [];
  trackingMs = 0;
  matchReport: MatchTracksReport | null = null;

  constructor(readonly mode: 'track' | 'describe') {}

  /** The tracks of everything pushed; `K` (at processing size) verifies descriptor matches. */
  finish(K: Intrinsics): TrackSet {
    if (this.mode === 'track') return this.tracker.tracks();
    const t0 = performance.now();
    const { tracks, obsKeypoint, report } = matchTracks(this.keypoints, K, { exhaustive: true, seed: 1 });
    this.matchReport = report;
    let trackCount = 0;
    for (let o = 0; o < tracks.obsTrack.length; o++) trackCount = Math.max(trackCount, tracks.obsTrack[o]! + 1);
    this.colours = new Uint8Array(3 * Math.max(1, trackCount));
    const seen = new Uint8Array(trackCount);
    for (let o = 0; o < tracks.obsTrack.length; o++) {
      const id = tracks.obsTrack[o]!;
      if (seen[id]) continue;
      seen[id] = 1;
      const c = this.keypointColours[tracks.obsFrame[o]!]!;
      this.colours.set(c.subarray(3 * obsKeypoint[o]!, 3 * obsKeypoint[o]! + 3), 3 * id);
    }
    this.trackingMs += performance.now() - t0;
    return {
      count: tracks.obsTrack.length,
      frameIndex: tracks.obsFrame,
      trackId: tracks.obsTrack,
      xy: tracks.obsXY,
      trackCount,
    };
  }

  push(rgb: Uint8Array, width: number, height: number, name: string, timeS: number | null): void {
    const t0 = performance.now();
    const gray = (this.gray ??= createGray(width, height));
    rgbToGray(gray.data, rgb, width, height, 3);
    if (this.mode === 'describe') {
      const kp = detectAndDescribe(gray, { corners: { maxCorners: 2000 } });
      const colours = new Uint8Array(3 * kp.count);
      for (let i = 0; i < kp.count; i++) {
        const px = Math.min(width - 1, Math.max(0, Math.floor(kp.xy[2 * i]!)));
        const py = Math.min(height - 1, Math.max(0, Math.floor(kp.xy[2 * i + 1]!)));
        colours.set(rgb.subarray(3 * (py * width + px), 3 * (py * width + px) + 3), 3 * i);
      }
      this.keypoints.push(kp);
      this.keypointColours.push(colours);
      this.names.push(name);
      this.times.push(timeS);
      this.trackingMs += performance.now() - t0;
      return;
    }
    const before = this.tracker.tracks().trackCount;
    this.tracker.push(gray);
    // New tracks take their colour from this frame (nearest pixel; centres at +0.5).
    const ids = this.tracker.liveIds;
    const xy = this.tracker.liveXY;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id < before) continue;
      if (3 * id + 3 > this.colours.length) {
        const grown = new Uint8Array(Math.max(2 * this.colours.length, 3 * id + 3));
        grown.set(this.colours);
        this.colours = grown;
      }
      const px = Math.min(width - 1, Math.max(0, Math.floor(xy[2 * i]!)));
      const py = Math.min(height - 1, Math.max(0, Math.floor(xy[2 * i + 1]!)));
      const k = 3 * (py * width + px);
      this.colours[3 * id] = rgb[k]!;
      this.colours[3 * id + 1] = rgb[k + 1]!;
      this.colours[3 * id + 2] = rgb[k + 2]!;
    }
    this.names.push(name);
    this.times.push(timeS);
    this.trackingMs += performance.now() - t0;
  }
}

const tooManyFrames = (what: string, maxFrames: number) =>
  new AppError(
    'payload_too_large',
    `${what}; at most ${maxFrames} frames per request (poses are computed while the request waits, until the job system lands)`,
    { details: { reason: 'too_many_frames', max_frames: maxFrames } },
  );

/** A video's failure → the API's vocabulary; never the temp file's path. */
function videoError(err: unknown): unknown {
  if (!(err instanceof VideoError)) return err;
  switch (err.code) {
    case 'ffmpeg_missing':
      return new AppError('unavailable', 'ffmpeg is not installed on this computer; install it to read videos', {
        details: { reason: 'ffmpeg_missing' },
      });
    case 'unreadable':
      return new AppError('unsupported_media_type', 'the upload is not a video that ffmpeg can read', {
        details: { reason: 'video_unreadable' },
      });
    case 'no_video_stream':
      return new AppError('unsupported_media_type', 'the file has no video stream', {
        details: { reason: 'no_video_stream' },
      });
    case 'no_frames':
      return new AppError('bad_request', 'the video has no frames', { details: { reason: 'video_no_frames' } });
    case 'aborted':
      return new AppError('timeout', 'the request was cancelled');
  }
}

/** A name COLMAP reads as one token: `[A-Za-z0-9._-]`, unique in the request. */
function colmapName(raw: string, index: number, taken: Set<string>): string {
  let name = raw.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  if (!name) name = `image_${String(index).padStart(3, '0')}`;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 2; taken.has(name); n++) name = `${stem}_${n}${ext}`;
  taken.add(name);
  return name;
}

const processingSize = (w: number, h: number, maxSide: number) => {
  const s = Math.min(1, maxSide / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
};

interface Frames {
  sink: FrameSink;
  full: { width: number; height: number };
  processing: { width: number; height: number };
  exif: ExifFocalFacts | null;
  video: PoseJobResult['input']['video'];
}

async function readVideo(job: PoseJob, signal: AbortSignal, hooks: PoseHooks): Promise<Frames> {
  let file: string;
  let temp: string | null = null;
  if (job.input.kind === 'video_file') file = job.input.path;
  else if (job.input.kind === 'video') {
    // ffmpeg reads a file (it seeks in MP4s); the upload goes into the artifact temp folder and
    // is removed whatever happens.
    temp = file = path.join(job.tmpDir, `pose-upload-${crypto.randomBytes(8).toString('hex')}`);
    await fs.promises.writeFile(temp, job.input.data, { mode: 0o600, flag: 'wx' });
  } else throw new Error('readVideo: not a video job');
  try {
    if (job.input.kind === 'video' && job.input.data.byteLength === 0)
      throw new AppError('bad_request', 'the video is empty (0 bytes)', { details: { reason: 'video_empty' } });
    let info: VideoInfo;
    try {
      info = await probeVideo(file, { signal });
    } catch (err) {
      throw videoError(err);
    }
    let fps = job.fps;
    if (job.fitFps && Number.isFinite(info.durationS) && info.durationS * fps > job.maxFrames)
      fps = Math.floor((job.maxFrames / info.durationS) * 0.98 * 1000) / 1000;
    const expected = Number.isFinite(info.durationS) ? Math.round(info.durationS * fps) : NaN;
    // Refuse early when the container says so; the count while reading is the exact check.
    if (expected > job.maxFrames + 1) {
      const fit = Math.floor((job.maxFrames / info.durationS) * 100) / 100;
      throw tooManyFrames(
        `the video (${info.durationS.toFixed(1)} s) gives about ${expected} frames at fps=${fps}: lower fps to ${fit} or less, or trim it`,
        job.maxFrames,
      );
    }
    const processing = outputSize(info, job.maxSide);
    const sink = new FrameSink('track');
    let delivered = 0;
    try {
      await readFrames(file, {
        fps,
        maxFrames: job.maxFrames + 1,
        maxSide: job.maxSide,
        info,
        signal,
        onFrame: (f) => {
          delivered = f.index + 1;
          if (f.index >= job.maxFrames) return;
          hooks.onFrame?.(f.data, f.width, f.height, f.index);
          sink.push(f.data, f.width, f.height, `frame_${String(f.index).padStart(6, '0')}.png`, f.timestampS);
          if (Number.isFinite(expected) && expected > 0)
            hooks.progress?.(
              (0.6 * Math.min(f.index + 1, expected)) / expected,
              `frame ${f.index + 1} of ~${expected}`,
            );
        },
      });
    } catch (err) {
      throw videoError(err);
    }
    if (delivered > job.maxFrames && !job.fitFps)
      throw tooManyFrames(`the video gives more than ${job.maxFrames} frames at fps=${fps}`, job.maxFrames);
    return {
      sink,
      full: { width: info.width, height: info.height },
      processing,
      exif: null,
      video: {
        fpsSampled: fps,
        durationS: info.durationS,
        codec: info.codec,
        rotationDeg: info.rotationDeg,
      },
    };
  } finally {
    if (temp) await fs.promises.rm(temp, { force: true });
  }
}

async function readImages(job: PoseJob, signal: AbortSignal, hooks: PoseHooks): Promise<Frames> {
  if (job.input.kind !== 'images') throw new Error('readImages: not an images job');
  const sink = new FrameSink('describe');
  const taken = new Set<string>();
  let full: Frames['full'] | null = null;
  let processing: Frames['processing'] | null = null;
  let exif: ExifFocalFacts | null = null;
  for (const [i, image] of job.input.images.entries()) {
    if (signal.aborted) throw new AppError('timeout', 'the request was cancelled');
    let decoded;
    try {
      decoded = await decodeImage(image.data, job.limits, {
        size: (w, h) => (processing ??= processingSize(w, h, job.maxSide)),
        kernel: 'linear',
      });
    } catch (err) {
      if (err instanceof AppError)
        throw new AppError(err.code, `image ${i + 1} (${image.name || 'unnamed'}): ${err.message}`, {
          details: err.details,
        });
      throw err;
    }
    const { width, height } = decoded.oriented;
    if (!full) {
      full = { width, height };
      exif = decoded.exif;
    } else if (Math.abs(width / height / (full.width / full.height) - 1) > 0.01) {
      throw new AppError(
        'validation_failed',
        `image ${i + 1} (${image.name || 'unnamed'}) is ${width}×${height}, the first is ${full.width}×${full.height}: one camera per request, so every image needs the same aspect ratio and orientation`,
        { details: { reason: 'mixed_image_sizes', index: i } },
      );
    }
    const { data, width: w, height: h } = decoded.rgb;
    hooks.onFrame?.(data, w, h, i);
    sink.push(data, w, h, colmapName(image.name, i, taken), null);
    hooks.progress?.((0.3 * (i + 1)) / job.input.images.length, `image ${i + 1} of ${job.input.images.length}`);
  }
  return { sink, full: full!, processing: processing!, exif, video: null };
}

const quantile = (sorted: Float64Array, q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : Number.NaN;

/** Per-frame hooks for callers that need more than poses (the reconstruction keeps the pixels). */
export interface PoseHooks {
  /** Every frame at processing size, in order (`rgb` may be reused after the call: copy it). */
  onFrame?: (rgb: Uint8Array, width: number, height: number, index: number) => void;
  /** Progress within the pose stage: frames read so far, then the SfM. */
  progress?: (fraction: number, message: string) => void;
}

/** What {@link solvePoses} found, in processing-size pixels (`toFull` scales to the input's). */
export interface SolvedPoses {
  frames: Frames;
  tracks: TrackSet;
  sfm: ReturnType<typeof incrementalSfm>;
  /** Intrinsics the SfM started from, full size, and their source. */
  initialK: Intrinsics;
  source: IntrinsicsSource;
  refine: boolean;
  /** Intrinsics after the SfM, processing size. */
  Kproc: Intrinsics;
  timingsMs: { read: number; sfm: number };
}

/**
 * Frames → tracks → incremental SfM. Pixel work and the SfM run on this (worker) thread; the SfM
 * itself cannot be interrupted, so a cancel through `signal` takes effect before it (a job that
 * must stop at once terminates the worker).
 */
export async function solvePoses(job: PoseJob, signal: AbortSignal, hooks: PoseHooks = {}): Promise<SolvedPoses> {
  const t0 = performance.now();
  const frames =
    job.input.kind === 'images' ? await readImages(job, signal, hooks) : await readVideo(job, signal, hooks);
  const { sink, full, processing } = frames;
  const F = sink.names.length;
  if (F < 2)
    throw new AppError('bad_request', `poses need at least two frames; the input gave ${F}`, {
      details: { reason: 'too_few_frames', frames: F },
    });
  if (signal.aborted) throw new AppError('timeout', 'the request was cancelled');
  const t1 = performance.now();
  hooks.progress?.(0.6, `${F} frames read; solving poses`);

  let resolved;
  try {
    resolved = resolveIntrinsics({ explicit: job.intrinsics, exif: frames.exif, ...full });
  } catch (err) {
    throw new AppError('validation_failed', (err as Error).message);
  }
  const sx = processing.width / full.width;
  const sy = processing.height / full.height;
  const K0 = resolved.K;
  const Kproc: Intrinsics = { fx: K0.fx * sx, fy: K0.fy * sy, cx: K0.cx * sx, cy: K0.cy * sy };
  // A focal length the caller or the camera gave is kept; only the guess is refined.
  const refine = resolved.source === 'heuristic';
  const tr = sink.finish(Kproc);
  const sfm = incrementalSfm(
    {
      frameCount: F,
      obsFrame: tr.frameIndex.slice(0, tr.count),
      obsTrack: tr.trackId.slice(0, tr.count),
      obsXY: Float64Array.from({ length: 2 * tr.count }, (_, i) => tr.xy[i]!),
    },
    { K: Kproc, refineFocal: refine, seed: 1 },
  );
  const t2 = performance.now();
  return {
    frames,
    tracks: tr,
    sfm,
    initialK: K0,
    source: resolved.source,
    refine,
    Kproc: sfm.K,
    timingsMs: { read: t1 - t0, sfm: t2 - t1 },
  };
}

/** Frames → poses, intrinsics, sparse points and the artifact files. */
export async function runPose(
  job: PoseJob,
  signal: AbortSignal,
  written: string[],
  hooks: PoseHooks = {},
): Promise<PoseJobResult> {
  return writePoseResult(job, await solvePoses(job, signal, hooks), written);
}

/** The artifact files (job.outputs) and the result of solved poses, in full-size pixels. */
export async function writePoseResult(job: PoseJob, solved: SolvedPoses, written: string[]): Promise<PoseJobResult> {
  const { frames, sfm, refine } = solved;
  const tr = solved.tracks;
  const { sink, full, processing } = frames;
  const F = sink.names.length;
  const K0 = solved.initialK;
  const sx = processing.width / full.width;
  const sy = processing.height / full.height;

  // Back to full-size pixels: poses do not change, pixel coordinates and K scale.
  const ux = 1 / sx;
  const uy = 1 / sy;
  const Kp = sfm.K;
  const K: Intrinsics = { fx: Kp.fx * ux, fy: Kp.fy * uy, cx: Kp.cx * ux, cy: Kp.cy * uy };
  const errScale = 0.5 * (ux + uy);
  const pointOf = new Int32Array(tr.trackCount).fill(-1);
  const P = sfm.pointTrack.length;
  for (let i = 0; i < P; i++) pointOf[sfm.pointTrack[i]!] = i;

  // COLMAP model: registered frames only (ids 1… in frame order), observations of triangulated points.
  const imageId = new Int32Array(F).fill(-1);
  const images: (ColmapImage & { points2d: { xy: number[]; point3dIds: number[] } })[] = [];
  for (let f = 0; f < F; f++) {
    const cam = sfm.cameras[f];
    if (!cam) continue;
    imageId[f] = images.length + 1;
    images.push({
      id: images.length + 1,
      cameraId: 1,
      name: sink.names[f]!,
      R: cam.R,
      t: cam.t,
      points2d: { xy: [], point3dIds: [] },
    });
  }
  const pointTracks: number[][] = Array.from({ length: P }, () => []);
  const pointErrSum = new Float64Array(P);
  const errors: number[] = [];
  const X = new Float64Array(3);
  for (let o = 0; o < tr.count; o++) {
    const f = tr.frameIndex[o]!;
    const p = pointOf[tr.trackId[o]!]!;
    const cam = sfm.cameras[f];
    if (p < 0 || !cam) continue;
    const u = tr.xy[2 * o]!;
    const v = tr.xy[2 * o + 1]!;
    X.set(sfm.points.subarray(3 * p, 3 * p + 3));
    const e = reprojectionErrorPx(X, u, v, cam, Kp) * errScale;
    errors.push(e);
    pointErrSum[p] = pointErrSum[p]! + e;
    const im = images[imageId[f]! - 1]!;
    pointTracks[p]!.push(im.id, im.points2d.point3dIds.length);
    im.points2d.xy.push(u * ux, v * uy);
    im.points2d.point3dIds.push(p + 1);
  }
  const sortedErr = Float64Array.from(errors).sort();

  const tw = performance.now();
  const want = new Set(job.outputs);
  const artifacts: PoseJobResult['artifacts'] = {};
  const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
  const put = async (name: keyof PoseJobResult['artifacts'], data: Uint8Array, type: string) => {
    artifacts[name] = (await writeArtifactFile(job.tmpDir, 'pose', written, data, type)) as WrittenArtifact;
  };
  const colours = new Uint8Array(3 * P);
  for (let i = 0; i < P; i++)
    colours.set(sink.colours.subarray(3 * sfm.pointTrack[i]!, 3 * sfm.pointTrack[i]! + 3), 3 * i);
  if (want.has('colmap')) {
    const points: ColmapPoint[] = [];
    for (let i = 0; i < P; i++) {
      const n = pointTracks[i]!.length / 2;
      points.push({
        id: i + 1,
        xyz: sfm.points.subarray(3 * i, 3 * i + 3),
        rgb: colours.subarray(3 * i, 3 * i + 3),
        error: n ? pointErrSum[i]! / n : 0,
        track: pointTracks[i]!,
      });
    }
    const model = writeColmapText({
      cameras: [{ id: 1, width: full.width, height: full.height, model: 'PINHOLE', params: [K.fx, K.fy, K.cx, K.cy] }],
      images,
      points,
    });
    const type = 'text/plain; charset=utf-8';
    await put('cameras.txt', text(model['cameras.txt']), type);
    await put('images.txt', text(model['images.txt']), type);
    await put('points3D.txt', text(model['points3D.txt']), type);
  }
  if (want.has('ply')) {
    const first = sfm.initialPair ? sink.names[sfm.initialPair[0]] : 'none';
    await put(
      'points.ply',
      encodePly({
        positions: Float32Array.from(sfm.points),
        colors: colours,
        count: P,
        comments: [
          `SpatialForge pose: sparse structure-from-motion points; world frame = camera of ${first} (OpenCV axes), unknown scale`,
        ],
      }),
      'application/octet-stream',
    );
  }
  const t3 = performance.now();

  return {
    input: { kind: frames.video ? 'video' : 'images', ...full, processing, video: frames.video },
    frames: sink.names.map((name, f) => {
      const cam = sfm.cameras[f];
      return {
        name,
        timeS: sink.times[f] ?? null,
        status: sfm.status[f]!,
        reason: sfm.reasons[f] ?? '',
        R: cam ? Array.from(cam.R) : null,
        t: cam ? Array.from(cam.t) : null,
      };
    }),
    initialPair: sfm.initialPair,
    registered: sfm.registeredCount,
    intrinsics: {
      K,
      initial: K0,
      source: solved.source,
      refined: refine && sfm.registeredCount >= 2 && Number.isFinite(sfm.rmsReprojectionPx),
    },
    points: P,
    rmsReprojectionPx: sfm.rmsReprojectionPx * errScale,
    reprojection: {
      observations: sortedErr.length,
      median: quantile(sortedErr, 0.5),
      p90: quantile(sortedErr, 0.9),
      max: sortedErr.length ? sortedErr[sortedErr.length - 1]! : Number.NaN,
    },
    artifacts,
    timingsMs: {
      decode: solved.timingsMs.read - sink.trackingMs,
      tracking: sink.trackingMs,
      sfm: solved.timingsMs.sfm,
      write: t3 - tw,
    },
  };
}
