// The inference worker: owns the onnxruntime sessions and does all of the depth pipeline that
// touches pixels — decode, resize, inference, post-processing, encoding, hashing and writing the
// artifact files — so the core's event loop never waits on a model (onnxruntime's run blocks the
// thread that calls it), never runs a 12 MP loop, and never holds the big buffers (no GC pauses).
// A second instance of this worker runs pose jobs (poseJob.ts), so poses never queue behind a model.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import {
  resolveIntrinsics,
  scaleIntrinsics,
  type Intrinsics,
  type IntrinsicsSource,
} from '../../engines/core/camera.js';
import { undistortPixel } from '../../engines/core/distortion.js';
import { encodeNpyHeader } from '../../engines/core/npy.js';
import { encodePly } from '../../engines/core/ply.js';
import { gatherPointColors, unprojectDepth } from '../../engines/core/unproject.js';
import {
  extraInputs,
  imageInputName,
  interpretDepth,
  modelInputSize,
  neededOutputs,
  resampleDepth,
  rgbToPlanar,
} from '../../engines/depth/index.js';
import { colorizeDepth } from '../../engines/image/colormap.js';
import { MeasureError, measureDistance, type DepthMapInput, type Reference } from '../../engines/measure/index.js';
import { ModelPool, RuntimeError, Tensor, type Feeds } from '../../engines/runtime/index.js';
import type { DepthOutput } from '../common/api/depthContract.js';
import { AppError } from '../common/errors.js';
import { writeArtifactFile } from './artifactFile.js';
import { BufferPool } from './bufferPool.js';
import { encodeDepthPng16, encodeMaskPng, encodePreviewPng } from './encode.js';
import { decodeImage, resizeRgb, type RgbImage } from './image.js';
import { runPose } from './poseJob.js';
import { runReconstruct, type KeyframeDepth } from './reconJob.js';
import type {
  MeasureJob,
  PoseJob,
  MeasureJobResult,
  ReconJob,
  DepthJob,
  DepthJobResult,
  FromWorker,
  ToWorker,
  WireError,
  WorkerConfig,
  WrittenArtifact,
} from './protocol.js';

const port = parentPort;
if (!port) throw new Error('inferenceWorker must run in a worker thread');
const config = workerData as WorkerConfig;
const post = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

const pool = new ModelPool({
  providers: config.providers,
  intraOpThreads: config.intraOpThreads,
  idleUnloadMs: config.idleUnloadMs,
  maxQueue: config.maxQueue,
  log: (level, message, fields) => post({ type: 'log', level, message, ...(fields ? { fields } : {}) }),
});
const running = new Map<number, AbortController>();
// The depth path's large arrays (model input, depth map, mask), reused from one request to the next.
const buffers = new BufferPool();

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'cancel') running.get(msg.jobId)?.abort();
  else if (msg.type === 'unload') void pool.unload(msg.modelId).catch(() => {});
  else void handle(msg);
});

async function handle(job: DepthJob | MeasureJob | PoseJob | ReconJob): Promise<void> {
  const ctl = new AbortController();
  running.set(job.jobId, ctl);
  const written: string[] = [];
  try {
    const result =
      job.type === 'depth'
        ? await runDepth(job, ctl.signal, written)
        : job.type === 'measure'
          ? await runMeasure(job, ctl.signal)
          : job.type === 'pose'
            ? await runPose(job, ctl.signal, written, {
                progress: (fraction, message) =>
                  post({
                    type: 'progress',
                    jobId: job.jobId,
                    stage: fraction < 0.6 ? 'frames' : 'poses',
                    fraction,
                    message,
                  }),
              })
            : await runReconstruct(
                job,
                ctl.signal,
                written,
                (stage, fraction, message) => post({ type: 'progress', jobId: job.jobId, stage, fraction, message }),
                (rgb, K, trusted, signal) => depthOfRgb(job.model, rgb, K, trusted, signal),
              );
    post({ type: 'result', jobId: job.jobId, result });
  } catch (err) {
    await Promise.all(written.map((f) => fs.promises.rm(f, { force: true })));
    post({ type: 'error', jobId: job.jobId, error: toWire(err) });
  } finally {
    running.delete(job.jobId);
  }
}

function toWire(err: unknown): WireError {
  const e = err instanceof Error ? err : new Error(String(err));
  if (e instanceof MeasureError)
    return { name: e.name, message: e.message, app: { code: e.code, details: e.details ?? null, headers: {} } };
  if (e instanceof AppError)
    return { name: e.name, message: e.message, app: { code: e.code, details: e.details, headers: { ...e.headers } } };
  if (e instanceof RuntimeError) return { name: e.name, message: e.message, runtime: e.code };
  return { name: e.name, message: e.message };
}

/** Writes one depth artifact into the temp folder; the main thread adopts the file. */
function write(
  job: DepthJob,
  written: string[],
  data: Uint8Array | Uint8Array[],
  contentType: string,
): Promise<WrittenArtifact> {
  return writeArtifactFile(job.tmpDir, 'depth', written, data, contentType);
}

interface DepthSource {
  model: DepthJob['model'];
  image: Uint8Array;
  limits: DepthJob['limits'];
  intrinsics: DepthJob['intrinsics'];
}

/**
 * The shared front of every depth-based job: decode (straight to the model's input size: libvips
 * shrinks while decoding, so a 12 MP photo never exists at full size in memory), resolve
 * intrinsics on the upright full-size image, run the model, interpret its outputs, and resample
 * the depth to full size — the size the caller's pixel coordinates live in.
 */
async function inferDepth(src: DepthSource, signal: AbortSignal) {
  const t0 = performance.now();
  const { spec } = src.model;
  const decoded = await decodeImage(src.image, src.limits, {
    size: (w, h) => modelInputSize(spec.preprocess.resize, w, h),
    kernel: 'cubic',
  });
  const { width: fw, height: fh } = decoded.oriented;
  let resolved;
  try {
    resolved = resolveIntrinsics({ explicit: src.intrinsics, exif: decoded.exif, width: fw, height: fh });
  } catch (err) {
    throw new AppError('validation_failed', (err as Error).message);
  }
  const input = decoded.rgb;
  const { width: mw, height: mh } = input;
  const t1 = performance.now();

  const planar = rgbToPlanar(buffers.float32(3 * mw * mh), input.data, mw, mh, spec.preprocess);
  const feeds: Feeds = { [imageInputName(spec)]: new Tensor('float32', planar, [1, 3, mh, mw]) };
  for (const [name, v] of Object.entries(extraInputs(spec)))
    feeds[name] = new Tensor('int64', BigInt64Array.of(v.value), []);
  const model = await pool.get(src.model.id, src.model.file, src.model.signature);
  const t2 = performance.now();
  const outputs = await model.run(feeds, { signal, outputs: neededOutputs(spec) });
  const t3 = performance.now();
  buffers.give(planar); // only after a run that finished: a cancelled one may still read it

  const trusted = resolved.source !== 'heuristic';
  const Km = scaleIntrinsics({ fx: 0, fy: 0, cx: 0, cy: 0 }, resolved.K, mw / fw, mh / fh);
  const r = interpretDepth(spec, outputs, {
    width: mw,
    height: mh,
    K: Km,
    trustedFocal: trusted,
    into: { depth: buffers.float32(mw * mh), valid: buffers.uint8(mw * mh) },
  });
  const K = r.estimatedK ? scaleIntrinsics({ fx: 0, fy: 0, cx: 0, cy: 0 }, r.estimatedK, fw / mw, fh / mh) : resolved.K;
  const same = mw === fw && mh === fh;
  const depth = same ? r.depth : buffers.float32(fw * fh);
  const valid = same ? r.valid : buffers.uint8(fw * fh);
  if (!same) resampleDepth(depth, valid, r.depth, r.valid, mw, mh, fw, fh);
  // NaN marks "no depth" in the map itself (interpretDepth writes it; resampling carries it to
  // invalid pixels by nearest neighbour), so the NPY needs no pass of its own.
  return {
    decoded,
    input,
    size: { width: mw, height: mh },
    full: { width: fw, height: fh },
    r,
    Km,
    K,
    source: r.estimatedK ? ('model' as const) : resolved.source,
    depth,
    valid,
    provider: model.provider,
    times: { t0, t1, t2, t3 },
  };
}

/**
 * The model's depth for an image already decoded (a reconstruction keyframe), at that image's
 * size; `K` is in its pixels. Resized to the model's input on libvips threads.
 */
async function depthOfRgb(
  model: ReconJob['model'],
  rgb: RgbImage,
  K: Intrinsics,
  trustedFocal: boolean,
  signal: AbortSignal,
): Promise<KeyframeDepth> {
  const { spec } = model;
  const size = modelInputSize(spec.preprocess.resize, rgb.width, rgb.height);
  const input =
    size.width === rgb.width && size.height === rgb.height
      ? rgb
      : await resizeRgb(rgb, size.width, size.height, 'cubic');
  const { width: mw, height: mh } = input;
  const planar = rgbToPlanar(new Float32Array(3 * mw * mh), input.data, mw, mh, spec.preprocess);
  const feeds: Feeds = { [imageInputName(spec)]: new Tensor('float32', planar, [1, 3, mh, mw]) };
  for (const [name, v] of Object.entries(extraInputs(spec)))
    feeds[name] = new Tensor('int64', BigInt64Array.of(v.value), []);
  const session = await pool.get(model.id, model.file, model.signature);
  const outputs = await session.run(feeds, { signal, outputs: neededOutputs(spec) });
  const Km = scaleIntrinsics({ fx: 0, fy: 0, cx: 0, cy: 0 }, K, mw / rgb.width, mh / rgb.height);
  const r = interpretDepth(spec, outputs, { width: mw, height: mh, K: Km, trustedFocal });
  let depth = r.depth;
  let valid = r.valid;
  if (mw !== rgb.width || mh !== rgb.height) {
    depth = new Float32Array(rgb.width * rgb.height);
    valid = new Uint8Array(rgb.width * rgb.height);
    resampleDepth(depth, valid, r.depth, r.valid, mw, mh, rgb.width, rgb.height);
  }
  return {
    depth,
    valid,
    metric: r.metric,
    inverse: spec.output.kind === 'inverse_relative',
    provider: session.provider,
  };
}

async function runDepth(job: DepthJob, signal: AbortSignal, written: string[]): Promise<DepthJobResult> {
  const d = await inferDepth(job, signal);
  const { input, size, r, Km, K, depth, valid, decoded } = d;
  const { width: mw, height: mh } = size;
  const { width: fw, height: fh } = d.full;
  const { t0, t1, t2, t3 } = d.times;
  // Statistics of the model-resolution map: the full-size one only interpolates it.
  const stats = r.stats;

  const want = new Set(job.outputs);
  const artifacts: DepthJobResult['artifacts'] = {};
  const tasks: Promise<void>[] = [];
  const emit = (
    kind: DepthOutput,
    make: () => Promise<Uint8Array> | Uint8Array | Uint8Array[],
    contentType: string,
  ) => {
    if (!want.has(kind)) return;
    tasks.push(
      Promise.resolve(make())
        .then((data) => write(job, written, data, contentType))
        .then((a) => {
          artifacts[kind] = a;
        }),
    );
  };
  emit('png16', () => encodeDepthPng16(depth, valid, fw, fh), 'image/png');
  emit('mask', () => encodeMaskPng(valid, fw, fh), 'image/png');
  emit('preview', () => preview(depth, valid, fw, fh, job.previewMaxSide), 'image/png');
  emit(
    'npy',
    () => [encodeNpyHeader(depth, [fh, fw]), new Uint8Array(depth.buffer, depth.byteOffset, depth.byteLength)],
    'application/octet-stream',
  );
  emit(
    'ply',
    () => {
      // Points from the model-resolution map (the full-size one would only interpolate), capped in count.
      const Kp = r.estimatedK ?? Km;
      const stride = Math.max(1, Math.ceil(Math.sqrt((mw * mh) / job.plyMaxPoints)));
      const cap = Math.ceil(mw / stride) * Math.ceil(mh / stride);
      const positions = new Float32Array(cap * 3);
      const colors = new Uint8Array(cap * 3);
      const count = unprojectDepth(positions, r.depth, Kp, mw, mh, r.valid, stride);
      gatherPointColors(colors, input.data, r.depth, mw, mh, r.valid, stride);
      const units = r.metric ? 'metres' : 'relative (unknown scale)';
      return encodePly({
        positions,
        colors,
        count,
        comments: [`SpatialForge depth: units ${units}; frame camera (OpenCV: x right, y down, z forward)`],
      });
    },
    'application/octet-stream',
  );
  await Promise.all(tasks);
  const t4 = performance.now();
  // Every artifact is written: the maps go back for the next request (none of them is in the result).
  buffers.give(r.depth, r.valid);
  if (depth !== r.depth) buffers.give(depth, valid);
  return {
    provider: d.provider,
    image: { width: fw, height: fh, format: decoded.original.format, orientation: decoded.original.orientation },
    modelInput: size,
    intrinsics: { K, source: d.source },
    metric: r.metric,
    scaleSource: r.scaleSource,
    meaning: r.meaning,
    stats: { min: stats.min, median: stats.median, max: stats.max, validFraction: stats.validFraction },
    artifacts,
    timingsMs: { decode: t1 - t0, preprocess: t2 - t1, inference: t3 - t2, postprocess: t4 - t3 },
  };
}

/**
 * Prior 1-sigma relative error of one depth sample per model family, for the uncertainty of points
 * measured through a depth map (after any reference fit): roughly each family's AbsRel on indoor
 * scenes after alignment — PyDNet's as measured here on 10 real RGB-D frames (0.13–0.48, mean 0.26),
 * the others from their papers' NYU/KITTI tables, rounded up.
 */
const DEPTH_RELATIVE_ERROR: Record<string, number> = {
  pydnet: 0.25,
  'da2-relative': 0.08,
  'da2-metric': 0.08,
  metric3d: 0.08,
  moge2: 0.06,
};

/**
 * Two clicked pixels → metres. The depth model runs only when the measurement needs depth (a
 * rectangle with `onPlane: true`, or with no model installed, is measured on its plane alone).
 * Lens distortion, when given, is removed from every pixel coordinate first; the depth map itself
 * stays as the model saw the photo, so it is sampled at the undistorted positions (a note says so).
 */
async function runMeasure(job: MeasureJob, signal: AbortSignal): Promise<MeasureJobResult> {
  const t0 = performance.now();
  const notes: string[] = [];
  let K: Intrinsics;
  let source: IntrinsicsSource;
  let full: { width: number; height: number };
  let image: DepthJobResult['image'];
  let depth: DepthMapInput | undefined;
  let provider: MeasureJobResult['provider'] = null;
  let inferenceMs = 0;
  const useDepth = job.model !== null && !(job.reference?.kind === 'rectangle' && job.onPlane === true);
  if (useDepth && job.model) {
    const d = await inferDepth(
      { model: job.model, image: job.image, limits: job.limits, intrinsics: job.intrinsics },
      signal,
    );
    ({ K, source, full } = d);
    image = { ...d.full, format: d.decoded.original.format, orientation: d.decoded.original.orientation };
    depth = { depthM: d.depth, valid: d.valid, metric: d.r.metric };
    provider = d.provider;
    inferenceMs = d.times.t3 - d.times.t2;
  } else {
    // No pixels needed: decode to a token size for validation, the upright size and EXIF.
    const decoded = await decodeImage(job.image, job.limits, {
      size: () => ({ width: 8, height: 8 }),
      kernel: 'linear',
    });
    full = decoded.oriented;
    try {
      ({ K, source } = resolveIntrinsics({ explicit: job.intrinsics, exif: decoded.exif, ...full }));
    } catch (err) {
      throw new AppError('validation_failed', (err as Error).message);
    }
    image = { ...full, format: decoded.original.format, orientation: decoded.original.orientation };
    if (job.model === null && job.reference?.kind === 'rectangle' && job.onPlane === 'auto')
      notes.push('no depth model is installed: both points are taken to lie on the reference rectangle’s plane');
  }

  const und = (p: readonly [number, number]): [number, number] => {
    if (!job.distortion) return [p[0], p[1]];
    const out = [0, 0];
    undistortPixel(out, p[0], p[1], K, job.distortion);
    return [out[0]!, out[1]!];
  };
  if (job.distortion) {
    notes.push('lens distortion removed from every pixel coordinate before measuring');
    if (depth) notes.push('the depth map is not undistorted: it is sampled at the undistorted positions');
  }
  const ref = job.reference;
  let reference: Reference | undefined;
  if (ref?.kind === 'rectangle') {
    const corners: number[] = [];
    for (let i = 0; i < 4; i++) corners.push(...und([ref.corners[2 * i]!, ref.corners[2 * i + 1]!]));
    reference = { kind: 'rectangle', corners, widthM: ref.widthM, heightM: ref.heightM };
  } else if (ref?.kind === 'length') reference = { kind: 'length', a: und(ref.a), b: und(ref.b), lengthM: ref.lengthM };

  const measurement = measureDistance({
    p1: und(job.p1),
    p2: und(job.p2),
    K,
    width: full.width,
    height: full.height,
    depth,
    reference,
    onPlane: job.model === null && job.onPlane === 'auto' ? true : job.onPlane,
    noise: {
      clickPx: job.clickSigmaPx,
      cornerPx: job.clickSigmaPx,
      depthRelative: job.model ? (DEPTH_RELATIVE_ERROR[job.model.spec.family] ?? 0.15) : 0,
    },
  });
  return {
    provider,
    image,
    intrinsics: { K, source },
    measurement,
    notes: [...notes, ...measurement.notes],
    timingsMs: { total: performance.now() - t0, inference: inferenceMs },
  };
}

/** A colour-mapped preview, at most `maxSide` pixels on its longer side. */
async function preview(
  depth: Float32Array,
  valid: Uint8Array,
  fw: number,
  fh: number,
  maxSide: number,
): Promise<Uint8Array> {
  const s = Math.min(1, maxSide / Math.max(fw, fh));
  const pw = Math.max(1, Math.round(fw * s));
  const ph = Math.max(1, Math.round(fh * s));
  let pd = depth;
  let pv = valid;
  if (pw !== fw || ph !== fh) {
    pd = new Float32Array(pw * ph);
    pv = new Uint8Array(pw * ph);
    resampleDepth(pd, pv, depth, valid, fw, fh, pw, ph);
  }
  const rgb = new Uint8Array(pw * ph * 3);
  colorizeDepth(rgb, pd, pv, { nearIsWarm: true });
  return encodePreviewPng(rgb, pw, ph);
}
