import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../common/errors.js';
import { needsResearchMode, type Manifest, type ModelEntry } from '../common/models.js';
import type { InstalledModelRow, ModelRepo, ModelSource } from '../db/repos/models.js';
import { downloadResumable, formatMB, hashFile } from './download.js';
import { loadManifest, RESEARCH_MODE_ENV } from './manifest.js';

/**
 * - `not_installed`: no file, no record (a resumable `.part` may exist: `partialBytes`);
 * - `downloading`: a download runs, in this process or another (`progress`);
 * - `installed`: a recorded, verified file of the recorded size;
 * - `corrupt`: the file fails its check, or exists without a record (an interrupted install);
 * - `missing`: recorded, but the file is gone.
 */
export type ModelState = 'not_installed' | 'downloading' | 'installed' | 'corrupt' | 'missing';

export interface ModelStatus {
  entry: ModelEntry;
  state: ModelState;
  /** While downloading: bytes so far and the total (null when unknown). */
  progress: { receivedBytes: number; totalBytes: number | null } | null;
  /** Size of the resumable partial download; 0 when there is none. */
  partialBytes: number;
  /** The install record, when there is one. */
  installed: InstalledModelRow | null;
  /** Why the state is `corrupt` or `missing`. */
  problem: string | null;
}

export type ModelEvent =
  | { type: 'progress'; id: string; receivedBytes: number; totalBytes: number | null; bytesPerSecond: number }
  | { type: 'done'; id: string; status: ModelStatus }
  | { type: 'error'; id: string; error: AppError };

/** Where a usable model is, or why there is none (typed: the depth engine branches on it). */
export type ModelLocation =
  | { ok: true; entry: ModelEntry; path: string; sha256: string }
  | {
      ok: false;
      reason: 'unknown' | 'not_installed' | 'downloading' | 'corrupt' | 'missing' | 'research_only';
      message: string;
    };

export interface PullOptions {
  /** Aborting stops waiting; the download itself stops when every caller waiting on it has aborted. */
  signal?: AbortSignal;
  onProgress?: (event: Extract<ModelEvent, { type: 'progress' }>) => void;
}

export interface ModelStoreOptions {
  dataDir: string;
  repo: ModelRepo;
  /** Allows research-only and unclear weights (`commercial_use !== true`). */
  researchMode: boolean;
  /** A parsed manifest, or a manifest file; default: the bundled `resources/models/manifest.json`. */
  manifest?: Manifest | string;
  now?: () => number;
  /** Further attempts, each resuming, after a dropped connection or a 5xx (default 3). */
  retries?: number;
  /** Wait before retry n is n × this (default 1000 ms). */
  retryDelayMs?: number;
}

interface ActiveDownload {
  controller: AbortController;
  /** Callers that may still cancel it; a background pull pins it with Infinity. */
  waiters: number;
  receivedBytes: number;
  totalBytes: number | null;
  bytesPerSecond: number;
  listeners: Set<(event: ModelEvent) => void>;
  promise: Promise<ModelStatus>;
}

const ID_RE = /^[a-z0-9][a-z0-9.-]{1,80}$/;
const PROGRESS_EVERY_MS = 200;

/**
 * Downloaded and imported model files, under `<dataDir>/models/`:
 * `<id>.onnx` once installed, `.partial/<id>.onnx.part` while downloading (resumable), and a row
 * per installed file in the `models` table. A file is renamed into place only after its SHA-256
 * matched the manifest, so a half file never looks installed.
 */
export class ModelStore {
  readonly root: string;
  readonly researchMode: boolean;
  private readonly partialDir: string;
  private readonly repo: ModelRepo;
  private readonly now: () => number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly manifestSource: Manifest | string | undefined;
  private manifest: Manifest | null = null;
  private readonly active = new Map<string, ActiveDownload>();
  /** The last failed download per id, for `events()` subscribers that arrive after it ended. */
  private readonly lastError = new Map<string, AppError>();

  constructor(options: ModelStoreOptions) {
    this.root = path.join(options.dataDir, 'models');
    this.partialDir = path.join(this.root, '.partial');
    this.repo = options.repo;
    this.researchMode = options.researchMode;
    this.now = options.now ?? Date.now;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.manifestSource = options.manifest;
  }

  /** Every model the manifest lists (loaded on first use, so other commands never depend on it). */
  entries(): readonly ModelEntry[] {
    if (!this.manifest) {
      const src = this.manifestSource;
      this.manifest = typeof src === 'object' ? src : loadManifest(src);
    }
    return this.manifest.models;
  }

  /** The manifest entry; `not_found` for an id the manifest does not list. */
  entry(id: string): ModelEntry {
    const entry = this.entries().find((m) => m.id === id);
    if (!entry) {
      throw new AppError('not_found', `no model "${id.slice(0, 100)}" in the manifest; see: spatialforge models list`);
    }
    return entry;
  }

  /** The installed file's path for an id (whether or not it exists). */
  filePath(id: string): string {
    if (!ID_RE.test(id)) throw new AppError('bad_request', `"${id.slice(0, 100)}" is not a model id`);
    return path.join(this.root, `${id}.onnx`);
  }

  partialPath(id: string): string {
    if (!ID_RE.test(id)) throw new AppError('bad_request', `"${id.slice(0, 100)}" is not a model id`);
    return path.join(this.partialDir, `${id}.onnx.part`);
  }

  list(): ModelStatus[] {
    return this.entries().map((e) => this.statusOf(e));
  }

  get(id: string): ModelStatus {
    return this.statusOf(this.entry(id));
  }

  /**
   * Where the installed model is, for the depth engine; a typed refusal otherwise (unknown id,
   * not installed, corrupt, or research-only weights while research mode is off). Checks the record
   * and the file size, not the hash (that is `verify`).
   */
  resolve(id: string): ModelLocation {
    const entry = this.entries().find((m) => m.id === id);
    if (!entry) return { ok: false, reason: 'unknown', message: `no model "${id.slice(0, 100)}" in the manifest` };
    if (needsResearchMode(entry) && !this.researchMode) {
      return { ok: false, reason: 'research_only', message: this.researchMessage(entry) };
    }
    const s = this.statusOf(entry);
    if (s.state === 'installed') {
      return { ok: true, entry, path: this.filePath(id), sha256: s.installed?.sha256 ?? '' };
    }
    const how = entry.url ? `spatialforge models pull ${id}` : `spatialforge models import FILE --as ${id}`;
    const message =
      s.state === 'downloading'
        ? `model ${id} is still downloading`
        : s.state === 'not_installed'
          ? `model ${id} is not installed; install it with: ${how}`
          : `model ${id} is ${s.state} (${s.problem ?? 'unknown problem'}); reinstall it with: ${how}`;
    return { ok: false, reason: s.state, message };
  }

  /** The installed file of `id`, or an `AppError` saying why it cannot be used (see `resolve`). */
  pathOf(id: string): string {
    const loc = this.resolve(id);
    if (loc.ok) return loc.path;
    const code = loc.reason === 'unknown' ? 'not_found' : loc.reason === 'research_only' ? 'forbidden' : 'conflict';
    throw new AppError(code, loc.message);
  }

  /**
   * Downloads and installs `id` (resolves at once when it is already installed). Joins a download
   * of the same id already running in this process; refuses one running in another process.
   * Throws `forbidden` for research-only weights without research mode, `bad_request` when the
   * manifest has no URL, `unavailable` for network and integrity failures.
   */
  pull(id: string, options: PullOptions = {}): Promise<ModelStatus> {
    let download: ActiveDownload;
    try {
      const ready = this.prepare(id);
      if (ready) return Promise.resolve(ready);
      download = this.join(id);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const { signal, onProgress } = options;
    if (!signal && !onProgress) return download.promise;
    return new Promise<ModelStatus>((resolve, reject) => {
      const listener = (e: ModelEvent) => {
        if (e.type === 'progress') onProgress?.(e);
      };
      download.listeners.add(listener);
      const settle = () => {
        download.listeners.delete(listener);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        settle();
        if (--download.waiters <= 0) download.controller.abort(new Error('cancelled'));
        reject(new AppError('unavailable', `stopped waiting for the download of ${id}`));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      download.promise.then(
        (s) => {
          settle();
          resolve(s);
        },
        (err: unknown) => {
          settle();
          reject(err as Error);
        },
      );
    });
  }

  /**
   * Starts (or joins) a download that runs until it ends, for the API: checks synchronously
   * (throwing the same errors as `pull`) and returns the status at once. Follow it with `subscribe`.
   */
  startPull(id: string): ModelStatus {
    const ready = this.prepare(id);
    if (ready) return ready;
    const download = this.join(id);
    download.waiters = Infinity;
    download.promise.catch(() => {}); // reported to subscribers and kept in lastError
    return this.get(id);
  }

  /**
   * Follows `id`: progress events while a download runs, then one `done` or `error`. When none
   * runs, one event at once: `done` when installed, the last download's `error` if it failed, else
   * an `error` saying nothing runs. Returns the unsubscribe function.
   */
  subscribe(id: string, listener: (event: ModelEvent) => void): () => void {
    const entry = this.entry(id);
    const download = this.active.get(id);
    if (download) {
      download.listeners.add(listener);
      listener({
        type: 'progress',
        id,
        receivedBytes: download.receivedBytes,
        totalBytes: download.totalBytes,
        bytesPerSecond: download.bytesPerSecond,
      });
      return () => download.listeners.delete(listener);
    }
    const status = this.statusOf(entry);
    if (status.state === 'installed') listener({ type: 'done', id, status });
    else
      listener({
        type: 'error',
        id,
        error:
          this.lastError.get(id) ??
          new AppError('conflict', `no download of ${id} is running (state: ${status.state}); start one with pull`),
      });
    return () => {};
  }

  /**
   * Installs a model from a local file: copies it to a temp file while hashing, checks the
   * manifest's SHA-256 and size when it has them, then renames it into place.
   */
  async import(file: string, id: string): Promise<ModelStatus> {
    const entry = this.entry(id);
    this.assertLicence(entry);
    this.assertNotDownloading(id);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch {
      throw new AppError('bad_request', `cannot read ${file}: no such file`);
    }
    if (!stat.isFile()) throw new AppError('bad_request', `${file} is not a file`);
    if (entry.bytes !== null && stat.size !== entry.bytes) {
      throw new AppError(
        'bad_request',
        `${file} is not ${id}: it has ${stat.size} bytes, the manifest expects ${entry.bytes}`,
      );
    }
    await fs.promises.mkdir(this.partialDir, { recursive: true, mode: 0o700 });
    const tmp = path.join(this.partialDir, `${id}.import-${crypto.randomBytes(6).toString('hex')}.tmp`);
    try {
      const hash = crypto.createHash('sha256');
      const out = await fs.promises.open(tmp, 'wx', 0o600);
      let bytes = 0;
      try {
        for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
          const buf = chunk as Buffer;
          hash.update(buf);
          await out.write(buf, 0, buf.byteLength, bytes);
          bytes += buf.byteLength;
        }
        await out.sync();
      } finally {
        await out.close();
      }
      const sha256 = hash.digest('hex');
      if (entry.sha256 !== null && sha256 !== entry.sha256) {
        throw new AppError(
          'bad_request',
          `${file} is not ${id}: its SHA-256 is ${sha256}, the manifest expects ${entry.sha256}`,
          { details: { expected_sha256: entry.sha256, actual_sha256: sha256 } },
        );
      }
      if (bytes === 0) throw new AppError('bad_request', `${file} is empty`);
      this.install(id, tmp, sha256, bytes, 'import');
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
    return this.get(id);
  }

  /**
   * Re-hashes the installed file. Good: records the time (and adopts a file left without a
   * record, when the manifest's hash vouches for it). Bad: marks it corrupt. Returns the status;
   * `not_found` when there is no file and no record.
   */
  async verify(id: string): Promise<ModelStatus> {
    const entry = this.entry(id);
    this.assertNotDownloading(id);
    const row = this.repo.get(id) ?? null;
    const file = this.filePath(id);
    const size = fileSize(file);
    if (size === null) {
      if (!row) throw new AppError('not_found', `model ${id} is not installed`);
      return this.get(id); // `missing`
    }
    const sha256 = await hashFile(file);
    const expected = entry.sha256 ?? row?.sha256 ?? null;
    if (expected === null) {
      return this.get(id); // a file without a record and nothing to check it against stays `corrupt`
    }
    if (sha256 === expected && (entry.bytes === null || entry.bytes === size)) {
      if (row && row.sha256 === sha256) this.repo.markVerified(id, this.now());
      else
        this.repo.put({
          id,
          sha256,
          bytes: size,
          source: row?.source ?? 'import',
          installedAt: this.now(),
          verifiedAt: this.now(),
        });
    } else if (row) {
      this.repo.markCorrupt(id, `SHA-256 is ${sha256}, expected ${expected}`);
    }
    return this.get(id);
  }

  /**
   * Removes the installed file, its record and any partial download; cancels a download of it
   * running in this process. `not_found` when there is nothing to remove. Works for ids the
   * manifest no longer lists (returns null for them).
   */
  async remove(id: string): Promise<ModelStatus | null> {
    const file = this.filePath(id);
    const part = this.partialPath(id);
    const running = this.active.get(id);
    if (running) {
      running.controller.abort(new Error('removed'));
      await running.promise.catch(() => {});
    }
    const other = readLock(this.lockPath(id));
    if (other && other.pid !== process.pid && isAlive(other.pid)) {
      throw new AppError(
        'conflict',
        `model ${id} is being downloaded by another SpatialForge process (pid ${other.pid})`,
      );
    }
    const had = Boolean(this.repo.get(id)) || fileSize(file) !== null || fileSize(part) !== null || Boolean(running);
    if (!had) throw new AppError('not_found', `model ${id} is not installed`);
    this.repo.remove(id);
    await fs.promises.rm(file, { force: true });
    await fs.promises.rm(part, { force: true });
    this.lastError.delete(id);
    const entry = this.entries().find((m) => m.id === id);
    return entry ? this.statusOf(entry) : null;
  }

  /** Cancels running downloads (their partial files stay, resumable). */
  close(): void {
    for (const d of this.active.values()) d.controller.abort(new Error('closing'));
  }

  // ---- internals ----

  private researchMessage(entry: ModelEntry): string {
    const kind = entry.commercial_use === false ? 'research-only' : 'of unclear licence';
    return (
      `${entry.id} is ${kind} (licence: ${entry.license}), so SpatialForge uses it only in research mode. ` +
      `Turn research mode on with --research-mode or ${RESEARCH_MODE_ENV}=1 if your use is non-commercial research.`
    );
  }

  private assertLicence(entry: ModelEntry): void {
    if (needsResearchMode(entry) && !this.researchMode) throw new AppError('forbidden', this.researchMessage(entry));
  }

  private assertNotDownloading(id: string): void {
    if (this.active.has(id)) throw new AppError('conflict', `model ${id} is downloading; wait for it or remove it`);
  }

  /** Checks a pull; returns the status when there is nothing to download. */
  private prepare(id: string): ModelStatus | null {
    const entry = this.entry(id);
    this.assertLicence(entry);
    if (!entry.url) {
      throw new AppError(
        'bad_request',
        `${id} has no download URL in the manifest (none is confirmed); install a copy with: spatialforge models import FILE --as ${id}`,
      );
    }
    if (this.active.has(id)) return null;
    const status = this.statusOf(entry);
    return status.state === 'installed' ? status : null;
  }

  private join(id: string): ActiveDownload {
    const existing = this.active.get(id);
    if (existing) {
      existing.waiters++;
      return existing;
    }
    const entry = this.entry(id);
    const download: ActiveDownload = {
      controller: new AbortController(),
      waiters: 1,
      receivedBytes: 0,
      totalBytes: entry.bytes,
      bytesPerSecond: 0,
      listeners: new Set(),
      promise: Promise.resolve(null as unknown as ModelStatus),
    };
    const emit = (e: ModelEvent) => {
      for (const l of download.listeners) l(e);
    };
    download.promise = this.run(entry, download, emit).then(
      () => {
        this.active.delete(id);
        const status = this.statusOf(entry);
        this.lastError.delete(id);
        emit({ type: 'done', id, status });
        return status;
      },
      (err: unknown) => {
        this.active.delete(id);
        const error =
          err instanceof AppError ? err : new AppError('unavailable', `the download of ${id} failed`, { cause: err });
        this.lastError.set(id, error);
        emit({ type: 'error', id, error });
        throw err;
      },
    );
    this.active.set(id, download);
    return download;
  }

  private async run(entry: ModelEntry, d: ActiveDownload, emit: (e: ModelEvent) => void): Promise<void> {
    const id = entry.id;
    const url = entry.url!;
    await fs.promises.mkdir(this.partialDir, { recursive: true, mode: 0o700 });
    const releaseLock = acquireLock(this.lockPath(id), id);
    try {
      const part = this.partialPath(id);
      await checkFreeSpace(this.root, entry.bytes, fileSize(part) ?? 0, id);
      const started = performance.now();
      let startBytes = -1;
      let lastEmit = 0;
      const result = await downloadResumable({
        url,
        partFile: part,
        expectedBytes: entry.bytes,
        signal: d.controller.signal,
        retries: this.retries,
        retryDelayMs: this.retryDelayMs,
        label: id,
        onProgress: (received, total) => {
          if (startBytes < 0 || received < startBytes) startBytes = received;
          d.receivedBytes = received;
          d.totalBytes = total;
          const t = performance.now();
          const done = total !== null && received === total;
          if (t - lastEmit < PROGRESS_EVERY_MS && !done && received !== startBytes) return;
          lastEmit = t;
          d.bytesPerSecond = t > started ? ((received - startBytes) * 1000) / (t - started) : 0;
          emit({ type: 'progress', id, receivedBytes: received, totalBytes: total, bytesPerSecond: d.bytesPerSecond });
        },
      });
      if (entry.sha256 !== null && result.sha256 !== entry.sha256) {
        await fs.promises.rm(part, { force: true });
        throw new AppError(
          'unavailable',
          `the downloaded ${id} is not the expected file (SHA-256 ${result.sha256}, the manifest expects ${entry.sha256}); it was deleted and nothing was installed`,
          { details: { expected_sha256: entry.sha256, actual_sha256: result.sha256 } },
        );
      }
      this.install(id, part, result.sha256, result.bytes, 'download');
    } finally {
      releaseLock();
    }
  }

  /** Renames a verified temp file into place, then records it (a crash in between leaves a file without a record: `corrupt` until `verify`). */
  private install(id: string, from: string, sha256: string, bytes: number, source: ModelSource): void {
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    fs.renameSync(from, this.filePath(id));
    const at = this.now();
    this.repo.put({ id, sha256, bytes, source, installedAt: at, verifiedAt: at });
  }

  private lockPath(id: string): string {
    return path.join(this.partialDir, `${id}.lock`);
  }

  private statusOf(entry: ModelEntry): ModelStatus {
    const id = entry.id;
    const partialBytes = fileSize(this.partialPath(id)) ?? 0;
    const installed = this.repo.get(id) ?? null;
    const base = { entry, partialBytes, installed, progress: null, problem: null };
    const running = this.active.get(id);
    if (running) {
      return {
        ...base,
        state: 'downloading',
        progress: { receivedBytes: running.receivedBytes, totalBytes: running.totalBytes },
      };
    }
    const other = readLock(this.lockPath(id));
    if (other && other.pid !== process.pid && isAlive(other.pid)) {
      return { ...base, state: 'downloading', progress: { receivedBytes: partialBytes, totalBytes: entry.bytes } };
    }
    const size = fileSize(this.filePath(id));
    if (!installed) {
      if (size === null) return { ...base, state: 'not_installed' };
      return {
        ...base,
        state: 'corrupt',
        problem: 'the file has no install record (an interrupted install?); run verify or pull it again',
      };
    }
    if (size === null) return { ...base, state: 'missing', problem: `the file ${this.filePath(id)} is gone` };
    if (installed.corruptReason) return { ...base, state: 'corrupt', problem: installed.corruptReason };
    if (size !== installed.bytes) {
      return { ...base, state: 'corrupt', problem: `the file has ${size} bytes, ${installed.bytes} were installed` };
    }
    if (entry.sha256 !== null && installed.sha256 !== entry.sha256) {
      return {
        ...base,
        state: 'corrupt',
        problem: `installed SHA-256 ${installed.sha256} is not the manifest's ${entry.sha256}`,
      };
    }
    return { ...base, state: 'installed' };
  }
}

function fileSize(file: string): number | null {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): { pid: number } | null {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown };
    return typeof value.pid === 'number' ? { pid: value.pid } : null;
  } catch {
    return null;
  }
}

/** One download per id across processes: a lock file holding the owner's pid; a dead owner's lock is taken over. */
function acquireLock(file: string, id: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() }), {
        flag: 'wx',
        mode: 0o600,
      });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readLock(file);
      if (owner && owner.pid !== process.pid && isAlive(owner.pid)) {
        throw new AppError(
          'conflict',
          `model ${id} is being downloaded by another SpatialForge process (pid ${owner.pid})`,
        );
      }
      fs.rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new AppError('conflict', `cannot take the download lock ${file}`);
}

async function checkFreeSpace(dir: string, totalBytes: number | null, haveBytes: number, id: string): Promise<void> {
  if (totalBytes === null) return;
  const st = await fs.promises.statfs(dir).catch(() => null);
  if (!st) return;
  const free = st.bavail * st.bsize;
  const need = totalBytes - haveBytes;
  if (need > free) {
    throw new AppError(
      'unavailable',
      `not enough disk space for ${id}: ${formatMB(need)} needed, ${formatMB(free)} free in ${dir}`,
    );
  }
}
