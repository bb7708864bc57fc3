import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { AppError, ERROR_STATUS, type ErrorCode } from '../common/errors.js';
import type {
  DepthJob,
  DepthJobResult,
  FromWorker,
  MeasureJob,
  MeasureJobResult,
  PoseJob,
  PoseJobResult,
  ReconJob,
  ReconJobResult,
  ToWorker,
  WireError,
  WorkerConfig,
} from './protocol.js';

interface Pending {
  resolve: (r: DepthJobResult | MeasureJobResult | PoseJobResult | ReconJobResult) => void;
  reject: (e: Error) => void;
  progress?: ((stage: string, fraction: number, message: string) => void) | undefined;
}

/**
 * Starts the worker's code: the bundle next to this one in dist/, or — when running from source
 * under tsx (tests, `npm run dev:serve`) — the TypeScript file, through tsx's loader registered
 * inside the worker (Node 20 does not pass `--import` hooks on to workers reliably).
 */
function spawnWorker(config: WorkerConfig): Worker {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts'))
    return new Worker(path.join(path.dirname(here), 'inference-worker.js'), { workerData: config });
  const source = pathToFileURL(path.join(path.dirname(here), 'inferenceWorker.ts')).href;
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, workerData: config });
}

/**
 * The core's side of the inference worker: started on first use, restarted after a crash (the
 * jobs it held fail with a 500, later ones get a fresh worker), stopped by `close`.
 */
export class InferenceHost {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly config: WorkerConfig,
    private readonly logger: Logger,
  ) {}

  /** `transfer`: move the image's buffer to the worker instead of copying it (the caller gives it up). */
  runDepth(job: Omit<DepthJob, 'type' | 'jobId'>, transfer: boolean, signal?: AbortSignal): Promise<DepthJobResult> {
    return this.run<DepthJobResult>((jobId) => ({ type: 'depth', jobId, ...job }), [job.image], transfer, signal);
  }

  runMeasure(
    job: Omit<MeasureJob, 'type' | 'jobId'>,
    transfer: boolean,
    signal?: AbortSignal,
  ): Promise<MeasureJobResult> {
    return this.run<MeasureJobResult>((jobId) => ({ type: 'measure', jobId, ...job }), [job.image], transfer, signal);
  }

  /** `transfer`: move the uploaded video's or images' buffers to the worker (the caller gives them up). */
  runPose(
    job: Omit<PoseJob, 'type' | 'jobId'>,
    transfer: boolean,
    signal?: AbortSignal,
    progress?: Pending['progress'],
  ): Promise<PoseJobResult> {
    const input = job.input;
    const buffers =
      input.kind === 'video' ? [input.data] : input.kind === 'images' ? input.images.map((i) => i.data) : [];
    return this.run<PoseJobResult>((jobId) => ({ type: 'pose', jobId, ...job }), buffers, transfer, signal, progress);
  }

  /** A reconstruction, reporting progress as it goes. */
  runReconstruct(
    job: Omit<ReconJob, 'type' | 'jobId'>,
    progress: (stage: string, fraction: number, message: string) => void,
    signal?: AbortSignal,
  ): Promise<ReconJobResult> {
    return this.run<ReconJobResult>((jobId) => ({ type: 'reconstruct', jobId, ...job }), [], false, signal, progress);
  }

  private run<R>(
    make: (jobId: number) => ToWorker,
    buffers: Uint8Array[],
    transfer: boolean,
    signal?: AbortSignal,
    progress?: Pending['progress'],
  ): Promise<R> {
    if (signal?.aborted) return Promise.reject(new AppError('timeout', 'the request was cancelled'));
    const worker = this.ensure();
    const jobId = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const onAbort = () => this.send({ type: 'cancel', jobId });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(jobId, {
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r as R);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        progress,
      });
      worker.ref(); // keep the process alive while work is outstanding (a CLI run has nothing else)
      // Moved without a copy only when asked and when the view owns its whole buffer (never a pooled slice).
      const moved = new Set<ArrayBuffer>();
      for (const b of buffers)
        if (transfer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) moved.add(b.buffer as ArrayBuffer);
      worker.postMessage(make(jobId), [...moved]);
    });
  }

  unload(modelId: string): void {
    this.send({ type: 'unload', modelId });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private send(msg: ToWorker): void {
    this.worker?.postMessage(msg);
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnWorker(this.config);
    worker.unref();
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(err);
      }
    };
    worker.on('error', (err) => {
      this.logger.error({ err }, 'inference worker crashed');
      fail(new Error(`inference worker crashed: ${err.message}`));
    });
    worker.on('exit', (code) => fail(new Error(`inference worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'log') {
      this.logger[msg.level](msg.fields ?? {}, msg.message);
      return;
    }
    const p = this.pending.get(msg.jobId);
    if (!p) return;
    if (msg.type === 'progress') {
      p.progress?.(msg.stage, msg.fraction, msg.message);
      return;
    }
    this.pending.delete(msg.jobId);
    if (this.pending.size === 0) this.worker?.unref();
    if (msg.type === 'result') p.resolve(msg.result);
    else p.reject(toAppError(msg.error));
  }
}

function toAppError(e: WireError): Error {
  if (e.app && e.app.code in ERROR_STATUS) {
    return new AppError(e.app.code as ErrorCode, e.message, { details: e.app.details, headers: e.app.headers });
  }
  switch (e.runtime) {
    case 'signature_mismatch':
    case 'load_failed':
      return new AppError('model_invalid', e.message);
    case 'queue_full':
      return new AppError('unavailable', `the model is busy: ${e.message}`, { headers: { 'Retry-After': '5' } });
    case 'aborted':
    case 'disposed':
      return new AppError('timeout', e.message);
    default: {
      const err = new Error(e.message);
      err.name = e.name;
      return err;
    }
  }
}
