// The inference worker: owns the onnxruntime sessions and does every pixel loop of the depth
// pipeline, so the core's event loop never waits on a model (onnxruntime's run blocks the thread
// that calls it) or on a 12 MP post-processing pass.
import crypto from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { scaleIntrinsics } from '../../engines/core/camera.js';
import { encodeNpy } from '../../engines/core/npy.js';
import { encodePly } from '../../engines/core/ply.js';
import { gatherPointColors, unprojectDepth } from '../../engines/core/unproject.js';
import {
  depthStats,
  extraInputs,
  imageInputName,
  interpretDepth,
  resampleDepth,
  rgbToPlanar,
} from '../../engines/depth/index.js';
import { colorizeDepth } from '../../engines/image/colormap.js';
import { ModelPool, RuntimeError, Tensor, type Feeds } from '../../engines/runtime/index.js';
import { encodeDepthPng16, encodeMaskPng, encodePreviewPng } from './encode.js';
import type { DepthJob, DepthJobResult, EncodedArtifact, FromWorker, ToWorker, WorkerConfig } from './protocol.js';

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

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'cancel') running.get(msg.jobId)?.abort();
  else if (msg.type === 'unload') void pool.unload(msg.modelId).catch(() => {});
  else void handle(msg);
});

async function handle(job: DepthJob): Promise<void> {
  const ctl = new AbortController();
  running.set(job.jobId, ctl);
  try {
    const result = await runDepth(job, ctl.signal);
    const transfer = Object.values(result.artifacts).map((a) => a.data.buffer as ArrayBuffer);
    post({ type: 'result', jobId: job.jobId, result }, transfer);
  } catch (err) {
    const e = err as Error & { code?: string };
    post({
      type: 'error',
      jobId: job.jobId,
      error: { name: e.name, message: e.message, ...(e instanceof RuntimeError ? { code: e.code } : {}) },
    });
  } finally {
    running.delete(job.jobId);
  }
}

const artifact = (data: Uint8Array, contentType: string, extension: string): EncodedArtifact => ({
  data,
  sha256: crypto.createHash('sha256').update(data).digest('hex'),
  contentType,
  extension,
});

async function runDepth(job: DepthJob, signal: AbortSignal): Promise<DepthJobResult> {
  const t0 = performance.now();
  const { spec } = job.model;
  const { width: mw, height: mh } = job.input;
  const planar = rgbToPlanar(new Float32Array(3 * mw * mh), job.input.rgb, mw, mh, spec.preprocess);
  const feeds: Feeds = { [imageInputName(spec)]: new Tensor('float32', planar, [1, 3, mh, mw]) };
  for (const [name, v] of Object.entries(extraInputs(spec)))
    feeds[name] = new Tensor('int64', BigInt64Array.of(v.value), []);
  const model = await pool.get(job.model.id, job.model.file, job.model.signature);
  const t1 = performance.now();
  const outputs = await model.run(feeds, { signal });
  const t2 = performance.now();

  const { width: fw, height: fh } = job.full;
  const Km = scaleIntrinsics({ fx: 0, fy: 0, cx: 0, cy: 0 }, job.K, mw / fw, mh / fh);
  const r = interpretDepth(spec, outputs, { width: mw, height: mh, K: Km, trustedFocal: job.trustedFocal });
  const Kfull = r.estimatedK ? scaleIntrinsics({ fx: 0, fy: 0, cx: 0, cy: 0 }, r.estimatedK, fw / mw, fh / mh) : null;

  // Full resolution depth: the size the caller's pixels live in.
  const depth = mw === fw && mh === fh ? r.depth : new Float32Array(fw * fh);
  const valid = mw === fw && mh === fh ? r.valid : new Uint8Array(fw * fh);
  if (depth !== r.depth) resampleDepth(depth, valid, r.depth, r.valid, mw, mh, fw, fh);
  const stats = depthStats(depth, valid);

  const want = new Set(job.outputs);
  const artifacts: DepthJobResult['artifacts'] = {};
  const encodes: Promise<void>[] = [];
  if (want.has('png16')) {
    encodes.push(
      encodeDepthPng16(depth, valid, fw, fh).then((b) => {
        artifacts.png16 = artifact(b, 'image/png', 'png');
      }),
    );
  }
  if (want.has('mask')) {
    encodes.push(
      encodeMaskPng(valid, fw, fh).then((b) => {
        artifacts.mask = artifact(b, 'image/png', 'png');
      }),
    );
  }
  if (want.has('preview')) {
    const s = Math.min(1, job.previewMaxSide / Math.max(fw, fh));
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
    encodes.push(
      encodePreviewPng(rgb, pw, ph).then((b) => {
        artifacts.preview = artifact(b, 'image/png', 'png');
      }),
    );
  }
  if (want.has('npy')) {
    // NaN marks pixels without a valid depth: a float array has no better "unknown".
    const out = new Float32Array(fw * fh);
    for (let i = 0; i < out.length; i++) out[i] = valid[i] ? depth[i]! : NaN;
    artifacts.npy = artifact(encodeNpy(out, [fh, fw]), 'application/octet-stream', 'npy');
  }
  if (want.has('ply')) {
    // Points from the model-resolution map (the full map would only interpolate), capped in count.
    const K = r.estimatedK ?? Km;
    const stride = Math.max(1, Math.ceil(Math.sqrt((mw * mh) / job.plyMaxPoints)));
    const cap = Math.ceil(mw / stride) * Math.ceil(mh / stride);
    const positions = new Float32Array(cap * 3);
    const colors = new Uint8Array(cap * 3);
    const count = unprojectDepth(positions, r.depth, K, mw, mh, r.valid, stride);
    gatherPointColors(colors, job.input.rgb, r.depth, mw, mh, r.valid, stride);
    const units = r.metric ? 'metres' : 'relative (unknown scale)';
    artifacts.ply = artifact(
      encodePly({
        positions,
        colors,
        count,
        comments: [`SpatialForge depth: units ${units}; frame camera (OpenCV: x right, y down, z forward)`],
      }),
      'application/octet-stream',
      'ply',
    );
  }
  await Promise.all(encodes);
  const t3 = performance.now();
  return {
    provider: model.provider,
    metric: r.metric,
    scaleSource: r.scaleSource,
    meaning: r.meaning,
    estimatedK: Kfull,
    stats: { min: stats.min, median: stats.median, max: stats.max, validFraction: stats.validFraction },
    artifacts,
    timingsMs: { preprocess: t1 - t0, inference: t2 - t1, postprocess: t3 - t2 },
  };
}
