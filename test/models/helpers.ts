import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { openDatabase, DB_FILE, type Database } from '../../main/db/database.js';
import { createModelRepo } from '../../main/db/repos/models.js';
import type { ModelEntry } from '../../main/common/models.js';
import { ModelStore, type ModelStoreOptions } from '../../main/models/modelStore.js';
import { loadManifest } from '../../main/models/manifest.js';
import { tmpDataDir } from '../helpers/server.js';

export const sha256 = (data: Uint8Array) => crypto.createHash('sha256').update(data).digest('hex');

/** Deterministic bytes that look like nothing in particular. */
export function makeBlob(bytes: number, seed = 1): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * How the test server answers request number `n` (0-based):
 * - `range`: honours `Range` (206 + Content-Range), else 200 with the whole body;
 * - `ignore-range`: always 200 with the whole body;
 * - `drop`: sends headers for the whole body, `dropAfter` bytes, then destroys the socket;
 * - `slow`: like `range`, in 16 KiB chunks `delayMs` apart;
 * - a number: that status with a short text body.
 */
export type Behaviour = 'range' | 'ignore-range' | 'drop' | 'slow' | number;

export interface BlobServer {
  url: string;
  requests: { range: string | undefined; acceptEncoding: string | undefined }[];
  close(): Promise<void>;
}

export async function serveBlob(
  body: Buffer,
  behaviours: Behaviour[] | ((n: number) => Behaviour),
  options: { dropAfter?: number; delayMs?: number } = {},
): Promise<BlobServer> {
  const requests: BlobServer['requests'] = [];
  const pick = (n: number): Behaviour =>
    typeof behaviours === 'function' ? behaviours(n) : (behaviours[Math.min(n, behaviours.length - 1)] ?? 'range');
  const server = http.createServer((req, res) => {
    const n = requests.length;
    requests.push({ range: req.headers.range, acceptEncoding: req.headers['accept-encoding'] });
    const b = pick(n);
    if (typeof b === 'number') {
      res.writeHead(b, { 'content-type': 'text/plain' }).end(`status ${b}`);
      return;
    }
    if (b === 'drop') {
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
      res.write(body.subarray(0, options.dropAfter ?? body.length >> 1), () => {
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && b !== 'ignore-range') {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
    } else res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
    if (b !== 'slow') {
      res.end(body.subarray(start));
      return;
    }
    let pos = start;
    const tick = () => {
      if (res.destroyed) return;
      const end = Math.min(pos + 16384, body.length);
      res.write(body.subarray(pos, end));
      pos = end;
      if (pos >= body.length) res.end();
      else setTimeout(tick, options.delayMs ?? 10);
    };
    tick();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/model.onnx`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A manifest entry copied from the real DA2 small entry, pointed at a test URL and file. */
export function testEntry(overrides: Partial<ModelEntry> & { id: string }): ModelEntry {
  const base = loadManifest().models.find((m) => m.id === 'depth-anything-v2-small-fp32')!;
  return { ...base, name: `test ${overrides.id}`, commercial_use: true, ...overrides };
}

export interface StoreFixture {
  dir: string;
  db: Database;
  store: ModelStore;
  modelsDir: string;
  close(): void;
}

export function openStore(
  models: ModelEntry[],
  options: Partial<Omit<ModelStoreOptions, 'dataDir' | 'repo' | 'manifest'>> = {},
): StoreFixture {
  const d = tmpDataDir('sf-models-');
  const db = openDatabase(path.join(d.dir, DB_FILE));
  const store = new ModelStore({
    dataDir: d.dir,
    repo: createModelRepo(db),
    researchMode: false,
    manifest: { schema: 1, models },
    retries: 2,
    retryDelayMs: 10,
    ...options,
  });
  return {
    dir: d.dir,
    db,
    store,
    modelsDir: path.join(d.dir, 'models'),
    close() {
      store.close();
      db.close();
      d.remove();
    },
  };
}

/** Every file under `dir`, relative, sorted. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}
