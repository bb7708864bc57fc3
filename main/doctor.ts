import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Sqlite from 'better-sqlite3';
import { listExecutionProviders, onnxRuntimeVersion } from '../engines/runtime/index.js';
import { VERSION } from './common/version.js';
import { DB_FILE, openDatabase, schemaVersion } from './db/database.js';
import { MIGRATIONS } from './db/migrations/index.js';
import { ensureDataDir } from './storage/dataDir.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** A failed required check makes `doctor` exit non-zero. */
  required: boolean;
  detail: string;
}

export interface DoctorReport {
  version: string;
  node: string;
  platform: string;
  dataDir: string;
  checks: DoctorCheck[];
}

const run = promisify(execFile);

/** Everything a user or a support request needs to know about this installation. */
export async function runDoctor(
  dataDir: string,
  ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg',
): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const check = async (name: string, required: boolean, fn: () => Promise<string> | string) => {
    try {
      checks.push({ name, ok: true, required, detail: await fn() });
    } catch (err) {
      checks.push({ name, ok: false, required, detail: (err as Error).message.split('\n')[0] ?? String(err) });
    }
  };

  await check('data folder', true, () => {
    ensureDataDir(dataDir);
    return `${dataDir} (writable)`;
  });
  await check('database', true, () => {
    const db = openDatabase(path.join(dataDir, DB_FILE));
    try {
      const integrity = db.pragma('quick_check', { simple: true });
      if (integrity !== 'ok') throw new Error(`integrity check failed: ${String(integrity)}`);
      const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      return `schema ${schemaVersion(db)}/${MIGRATIONS.at(-1)?.version}, SQLite ${sqlite}, journal ${String(db.pragma('journal_mode', { simple: true }))}`;
    } finally {
      db.close();
    }
  });
  await check('free disk', false, () => {
    const s = fs.statfsSync(dataDir);
    const freeGiB = (s.bavail * s.bsize) / 2 ** 30;
    if (freeGiB < 2)
      throw new Error(`only ${freeGiB.toFixed(2)} GiB free in ${dataDir}; models and reconstructions need several GiB`);
    return `${freeGiB.toFixed(1)} GiB free`;
  });
  await check('onnxruntime', true, () => {
    const eps = listExecutionProviders()
      .map((e) => `${e.name}${e.bundled ? '' : ' (needs separate install)'}`)
      .join(', ');
    return `onnxruntime-node ${onnxRuntimeVersion()}; execution providers: ${eps}`;
  });
  await check('ffmpeg', false, async () => {
    try {
      const { stdout } = await run(ffmpegPath, ['-hide_banner', '-version'], { timeout: 10_000 });
      return stdout.split('\n')[0] ?? 'found';
    } catch {
      throw new Error(
        `ffmpeg not found (looked for "${ffmpegPath}"); video input needs it — install ffmpeg or set FFMPEG_PATH`,
      );
    }
  });
  await check('better-sqlite3', true, () => {
    const mem = new Sqlite(':memory:');
    mem.close();
    return 'native module loads';
  });

  return { version: VERSION, node: process.version, platform: `${process.platform}-${process.arch}`, dataDir, checks };
}
