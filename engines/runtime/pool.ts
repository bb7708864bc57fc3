import { OnnxModel, type ModelSignature, type OnnxModelOptions } from './onnxModel.js';

export interface PoolOptions extends OnnxModelOptions {
  /** A model not used for this long is unloaded (its memory freed); the next use reloads it. */
  idleUnloadMs?: number;
  /** How often idle models are looked for. */
  sweepMs?: number;
}

export interface LoadedModelInfo {
  id: string;
  provider: string;
  pending: number;
  idleMs: number;
}

/**
 * Keeps sessions warm by model id: the first `get` loads (concurrent first calls share one load),
 * later calls reuse it; a model idle past `idleUnloadMs` with nothing pending is released.
 */
export class ModelPool {
  private readonly loaded = new Map<string, Promise<OnnxModel>>();
  private readonly timer: ReturnType<typeof setInterval> | null;

  constructor(private readonly options: PoolOptions = {}) {
    const idle = options.idleUnloadMs ?? 10 * 60_000;
    this.timer = idle > 0 ? setInterval(() => void this.sweep(idle), options.sweepMs ?? Math.min(idle, 30_000)) : null;
    this.timer?.unref();
  }

  get(id: string, file: string | Uint8Array, signature: ModelSignature): Promise<OnnxModel> {
    let model = this.loaded.get(id);
    if (!model) {
      model = OnnxModel.load(file, signature, this.options);
      this.loaded.set(id, model);
      // A failed load is not cached: the next call tries again (the file may have been fixed).
      model.catch(() => {
        if (this.loaded.get(id) === model) this.loaded.delete(id);
      });
    }
    return model;
  }

  async unload(id: string): Promise<boolean> {
    const model = this.loaded.get(id);
    if (!model) return false;
    this.loaded.delete(id);
    await (await model).dispose();
    return true;
  }

  async list(): Promise<LoadedModelInfo[]> {
    const now = Date.now();
    const out: LoadedModelInfo[] = [];
    for (const [id, p] of this.loaded) {
      const m = await p.catch(() => null);
      if (m) out.push({ id, provider: m.provider, pending: m.pending, idleMs: now - m.lastUsedMs });
    }
    return out;
  }

  /** Unloads models idle for at least `idleMs`; returns their ids. */
  async sweep(idleMs: number): Promise<string[]> {
    const now = Date.now();
    const gone: string[] = [];
    for (const [id, p] of [...this.loaded]) {
      const m = await p.catch(() => null);
      if (m && m.pending === 0 && now - m.lastUsedMs >= idleMs && this.loaded.get(id) === p) {
        this.loaded.delete(id);
        await m.dispose();
        gone.push(id);
        this.options.log?.('info', `unloaded idle model ${id}`, { idle_ms: now - m.lastUsedMs });
      }
    }
    return gone;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const id of [...this.loaded.keys()]) await this.unload(id).catch(() => {});
  }
}
