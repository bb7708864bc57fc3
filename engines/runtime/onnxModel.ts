import { InferenceSession, Tensor, listSupportedBackends } from 'onnxruntime-node';

/** One named tensor a model takes or gives; a string dimension is symbolic (dynamic). */
export interface TensorSignature {
  name: string;
  dtype: string;
  shape: ReadonlyArray<number | string>;
}

export interface ModelSignature {
  inputs: readonly TensorSignature[];
  outputs: readonly TensorSignature[];
}

/** Execution providers in onnxruntime's own names. */
export const PROVIDERS = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type Provider = (typeof PROVIDERS)[number];

export type RuntimeErrorCode = 'signature_mismatch' | 'load_failed' | 'queue_full' | 'aborted' | 'disposed';

/** Errors the runtime raises on purpose; the host maps `code` to an API error. */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface RuntimeLog {
  (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>): void;
}

export interface OnnxModelOptions {
  /** Providers to try, best first; CPU is always tried last. Default: CPU only. */
  providers?: readonly Provider[];
  /** Threads for one inference (onnxruntime intra-op); 0 = onnxruntime's default. */
  intraOpThreads?: number;
  /** Inferences allowed at once; the rest wait in order. Default 1 (a CPU or GPU is saturated by one). */
  maxConcurrent?: number;
  /** Waiting inferences beyond this are refused with `queue_full`. */
  maxQueue?: number;
  /**
   * Let onnxruntime's threads spin-wait between the operators of one run (default on: measured
   * ~3 % faster inference on 2 cores). They stop spinning the moment the last run returns either
   * way, so they never take the cores the pre/post-processing after a run needs.
   */
  spinning?: boolean;
  log?: RuntimeLog;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Only these outputs are copied out (default: all); unfetched outputs cost no copy or memory. */
  outputs?: readonly string[];
}

export type Feeds = Record<string, Tensor>;
export interface Output {
  data: Float32Array;
  dims: readonly number[];
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * An onnxruntime session checked against the model's manifest signature at load, on the best
 * provider that works here, with a bounded FIFO so no more than `maxConcurrent` inferences run.
 * `run` blocks the calling thread while onnxruntime computes: call it from a worker thread.
 */
export class OnnxModel {
  private active = 0;
  private readonly queue: Waiter[] = [];
  private disposed = false;
  lastUsedMs = Date.now();

  private constructor(
    private readonly session: InferenceSession,
    readonly provider: Provider,
    readonly signature: ModelSignature,
    private readonly maxConcurrent: number,
    private readonly maxQueue: number,
  ) {}

  /**
   * Loads `model` (a path or the file's bytes), trying each preferred provider that this build of
   * onnxruntime offers and falling back to CPU — logged, never silent — then checks the graph's
   * inputs and outputs against `signature`. Throws `RuntimeError` (`load_failed`,
   * `signature_mismatch`).
   */
  static async load(model: string | Uint8Array, signature: ModelSignature, options: OnnxModelOptions = {}) {
    const log = options.log ?? (() => {});
    const available = new Set(listSupportedBackends().map((b) => b.name));
    const wanted = [...(options.providers ?? []), 'cpu' as const].filter((p, i, all) => all.indexOf(p) === i);
    let lastError: unknown = null;
    for (const provider of wanted) {
      if (!available.has(provider)) {
        if (provider !== 'cpu') log('warn', `execution provider ${provider} is not available in this build; skipping`);
        continue;
      }
      let session: InferenceSession;
      try {
        const sessionOptions: InferenceSession.SessionOptions = {
          executionProviders: [provider],
          graphOptimizationLevel: 'all',
          extra: sessionConfig(options.spinning !== false),
        };
        if (options.intraOpThreads) sessionOptions.intraOpNumThreads = options.intraOpThreads;
        session =
          typeof model === 'string'
            ? await InferenceSession.create(model, sessionOptions)
            : await InferenceSession.create(model, sessionOptions);
      } catch (err) {
        lastError = err;
        log('warn', `execution provider ${provider} failed to load the model; trying the next one`, {
          error: (err as Error).message,
        });
        continue;
      }
      const mismatch = checkSignature(session, signature);
      if (mismatch.length) {
        await session.release();
        throw new RuntimeError('signature_mismatch', `the model does not match its manifest: ${mismatch.join('; ')}`, {
          mismatches: mismatch,
        });
      }
      if (provider !== wanted[0]) log('warn', `running on ${provider} instead of ${wanted[0]}`, { provider });
      else log('info', `model loaded on ${provider}`, { provider });
      return new OnnxModel(session, provider, signature, options.maxConcurrent ?? 1, options.maxQueue ?? 64);
    }
    throw new RuntimeError('load_failed', `no execution provider could load the model: ${describe(lastError)}`);
  }

  /** Inferences running plus waiting. */
  get pending(): number {
    return this.active + this.queue.length;
  }

  /**
   * Runs one inference when a slot is free. Returns the float32 outputs by name (other dtypes are
   * converted). Aborting while queued removes the request; a running inference cannot be stopped
   * and its result is dropped.
   */
  async run(feeds: Feeds, options: RunOptions = {}): Promise<Record<string, Output>> {
    await this.acquire(options.signal);
    try {
      this.lastUsedMs = Date.now();
      const results = options.outputs
        ? await this.session.run(feeds, [...options.outputs])
        : await this.session.run(feeds);
      if (options.signal?.aborted) throw new RuntimeError('aborted', 'the inference was cancelled');
      const out: Record<string, Output> = {};
      for (const [name, tensor] of Object.entries(results)) {
        const data = tensor.data;
        out[name] = {
          data: data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>, Number),
          dims: tensor.dims,
        };
      }
      return out;
    } finally {
      this.lastUsedMs = Date.now();
      this.release();
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.queue.splice(0)) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(new RuntimeError('disposed', 'the model was unloaded'));
    }
    await this.session.release();
  }

  private acquire(signal: AbortSignal | undefined): Promise<void> {
    if (this.disposed) return Promise.reject(new RuntimeError('disposed', 'the model was unloaded'));
    if (signal?.aborted) return Promise.reject(new RuntimeError('aborted', 'the inference was cancelled'));
    if (this.active < this.maxConcurrent) {
      this.active++;
      return Promise.resolve();
    }
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new RuntimeError('queue_full', `${this.queue.length} inferences are already waiting for this model`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new RuntimeError('aborted', 'the inference was cancelled while waiting'));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (!next) {
      this.active--;
      return;
    }
    next.signal?.removeEventListener('abort', next.onAbort);
    next.resolve(); // the slot passes straight to the next waiter
  }
}

/** Differences between a session's graph and the expected signature, in words; empty when they agree. */
export function checkSignature(
  session: Pick<InferenceSession, 'inputMetadata' | 'outputMetadata'>,
  expected: ModelSignature,
): string[] {
  const problems: string[] = [];
  const compare = (
    kind: 'input' | 'output',
    actual: readonly InferenceSession.ValueMetadata[],
    want: readonly TensorSignature[],
  ) => {
    const byName = new Map(actual.map((m) => [m.name, m]));
    for (const spec of want) {
      const meta = byName.get(spec.name);
      if (!meta) {
        problems.push(
          `${kind} "${spec.name}" is missing (the model has ${[...byName.keys()].map((n) => `"${n}"`).join(', ') || 'none'})`,
        );
        continue;
      }
      if (!meta.isTensor) {
        problems.push(`${kind} "${spec.name}" is not a tensor`);
        continue;
      }
      if (meta.type !== spec.dtype) problems.push(`${kind} "${spec.name}" is ${meta.type}, expected ${spec.dtype}`);
      const shape = meta.shape;
      if (shape.length !== spec.shape.length) {
        problems.push(
          `${kind} "${spec.name}" has rank ${shape.length} [${shape.join(',')}], expected rank ${spec.shape.length} [${spec.shape.join(',')}]`,
        );
        continue;
      }
      spec.shape.forEach((dim, i) => {
        const got = shape[i];
        // A fixed size in the manifest accepts a dynamic graph axis; a dynamic one needs a dynamic axis.
        if (typeof dim === 'number' ? typeof got === 'number' && got !== dim : typeof got === 'number') {
          problems.push(`${kind} "${spec.name}" axis ${i} is ${String(got)}, expected ${String(dim)}`);
        }
      });
    }
    if (kind === 'input') {
      const known = new Set(want.map((s) => s.name));
      for (const name of byName.keys()) if (!known.has(name)) problems.push(`unexpected input "${name}"`);
    }
  };
  compare('input', session.inputMetadata, expected.inputs);
  compare('output', session.outputMetadata, expected.outputs);
  return problems;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : 'no provider was available';
}

export { Tensor };

/**
 * onnxruntime's session config entries (`extra`, flattened to dotted keys by onnxruntime-node).
 * Spinning between operators shortens a run; `force_spinning_stop` ends it when the run returns, so
 * idle threads do not spin on into the work that follows (on a 2-core machine they would take the
 * cores the post-processing and the event loop need). The benchmark's raw session uses the same.
 */
export function sessionConfig(spinning = true): Record<string, unknown> {
  return { session: { intra_op: { allow_spinning: spinning ? '1' : '0' }, force_spinning_stop: '1' } };
}
