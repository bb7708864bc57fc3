import fs from 'node:fs';
import path from 'node:path';
import type { JobQueue } from './queue.js';

/** A job's stored upload, as its input JSON records it. */
export interface StoredInput {
  /** Folder name under `<dataDir>/job-inputs/`. */
  dir: string;
  /** The files in upload order: stored name and the name the client gave. */
  files: { file: string; name: string }[];
}

const DIR_RE = /^in-[A-Za-z0-9]+$/;
const FILE_RE = /^\d{4}\.(video|image)$/;
/** An input folder with no live job is removed once it is older than this (a crash between write and enqueue). */
const ORPHAN_AGE_MS = 10 * 60_000;

/**
 * Uploads of jobs that outlive their request: written under the data folder before the job is
 * enqueued, so a restarted server can run the job again; removed when the job ends (its handler
 * does it, and `sweep` catches the rest: canceled while queued, failed, or orphaned by a crash).
 */
export class JobInputStore {
  readonly root: string;

  constructor(
    dataDir: string,
    private readonly jobs: JobQueue,
  ) {
    this.root = path.join(dataDir, 'job-inputs');
  }

  /** Writes the files into a fresh folder; `then` enqueues — on its failure the folder is removed. */
  async save<T>(
    files: readonly { data: Uint8Array; name: string }[],
    kind: 'video' | 'image',
    then: (stored: StoredInput) => T,
  ): Promise<T> {
    await fs.promises.mkdir(this.root, { recursive: true, mode: 0o700 });
    const dir = await fs.promises.mkdtemp(path.join(this.root, 'in-'));
    try {
      const stored: StoredInput = { dir: path.basename(dir), files: [] };
      for (const [i, f] of files.entries()) {
        const file = `${String(i).padStart(4, '0')}.${kind}`;
        await fs.promises.writeFile(path.join(dir, file), f.data, { mode: 0o600, flag: 'wx' });
        stored.files.push({ file, name: f.name || file });
      }
      return then(stored);
    } catch (err) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Whether a job input's `dir`/`files` are well-formed names (never paths). */
  static valid<T extends Partial<StoredInput>>(
    input: T | null | undefined,
    maxFiles: number,
  ): input is T & StoredInput {
    return (
      !!input &&
      typeof input.dir === 'string' &&
      DIR_RE.test(input.dir) &&
      Array.isArray(input.files) &&
      input.files.length > 0 &&
      input.files.length <= maxFiles &&
      input.files.every((f) => typeof f?.file === 'string' && FILE_RE.test(f.file) && typeof f.name === 'string')
    );
  }

  dirOf(input: StoredInput): string {
    return path.join(this.root, input.dir);
  }

  pathOf(input: StoredInput, index: number): string {
    return path.join(this.root, input.dir, input.files[index]!.file);
  }

  exists(input: StoredInput): boolean {
    return fs.existsSync(this.dirOf(input));
  }

  async remove(input: StoredInput): Promise<void> {
    await fs.promises.rm(this.dirOf(input), { recursive: true, force: true });
  }

  /** Removes folders no queued or running job refers to (orphans only after 10 minutes). */
  sweep(now = Date.now()): number {
    if (!fs.existsSync(this.root)) return 0;
    const live = new Set<string>();
    for (const status of ['queued', 'running'] as const)
      for (const job of this.jobs.list({ status, limit: 100_000 })) {
        const dir = (job.input as Partial<StoredInput> | null)?.dir;
        if (typeof dir === 'string') live.add(dir);
      }
    let removed = 0;
    for (const name of fs.readdirSync(this.root)) {
      if (live.has(name)) continue;
      const full = path.join(this.root, name);
      try {
        if (now - fs.statSync(full).mtimeMs < ORPHAN_AGE_MS) continue;
        fs.rmSync(full, { recursive: true, force: true });
        removed++;
      } catch {
        // raced with another clean-up
      }
    }
    return removed;
  }
}
