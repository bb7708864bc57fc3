import crypto from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../common/errors.js';

export interface DownloadOptions {
  url: string;
  /** The `.part` file: appended to when it exists (HTTP Range), created otherwise. */
  partFile: string;
  /** The size the manifest promises, or null when unknown. */
  expectedBytes: number | null;
  signal: AbortSignal;
  onProgress: (receivedBytes: number, totalBytes: number | null) => void;
  /** Further attempts after a dropped connection or a 5xx, each resuming where the last stopped. */
  retries: number;
  retryDelayMs: number;
  /** Names the download in messages (the model id). */
  label: string;
}

export interface DownloadResult {
  sha256: string;
  bytes: number;
}

const MB = 1024 * 1024;
export const formatMB = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** A failed attempt that another attempt may fix (dropped connection, 5xx). */
class Retryable extends Error {}

/**
 * Downloads `url` into `partFile`, resuming a partial file with `Range: bytes=N-`, and returns the
 * SHA-256 and size of the whole file (the resumed prefix is hashed from disk first). Never renames
 * anything: the caller verifies the hash and moves the file into place.
 *
 * - 206 with a `Content-Range` starting elsewhere than N, or a total other than the manifest's:
 *   the partial file is discarded and the download restarts from zero.
 * - 200 to a Range request (the server ignores Range): restarts from zero.
 * - 416 whose `Content-Range: bytes *\/T` equals the partial size: the file is already complete.
 * - A dropped connection or 5xx: up to `retries` more attempts, each resuming. The `.part` stays
 *   on disk when all fail or the signal aborts, so a later call resumes.
 * - Any other status (404, 403, …) fails at once with the status in the message.
 */
export async function downloadResumable(o: DownloadOptions): Promise<DownloadResult> {
  let lastError: Error | null = null;
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) {
      try {
        await sleep(o.retryDelayMs * attempt, undefined, { signal: o.signal });
      } catch {
        throw interrupted(o, lastError);
      }
    }
    try {
      return await attempt1(o);
    } catch (err) {
      if (o.signal.aborted) throw interrupted(o, err as Error);
      if (!(err instanceof Retryable)) throw err;
      lastError = err;
    }
  }
  throw interrupted(o, lastError);
}

function partSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function interrupted(o: DownloadOptions, cause: Error | null): AppError {
  const kept = partSize(o.partFile);
  const of = o.expectedBytes ? ` of ${formatMB(o.expectedBytes)}` : '';
  const why = o.signal.aborted ? 'was cancelled' : `was interrupted (${cause?.message ?? 'unknown error'})`;
  return new AppError(
    'unavailable',
    `the download of ${o.label} ${why}; ${formatMB(kept)}${of} kept, pull it again to resume`,
    { details: { resumable_bytes: kept }, cause },
  );
}

async function attempt1(o: DownloadOptions): Promise<DownloadResult> {
  let offset = partSize(o.partFile);
  let res = await request(o, offset);

  if (offset > 0 && res.status === 416) {
    const total = parseUnsatisfiedRange(res.headers.get('content-range'));
    await res.body?.cancel();
    if (total === offset && (o.expectedBytes === null || total === o.expectedBytes)) {
      return { sha256: await hashFile(o.partFile, offset), bytes: offset };
    }
    offset = restart(o);
    res = await request(o, 0);
  } else if (offset > 0 && res.status === 206) {
    const range = parseContentRange(res.headers.get('content-range'));
    const totalOk = range && (o.expectedBytes === null || range.total === null || range.total === o.expectedBytes);
    if (!range || range.start !== offset || !totalOk) {
      await res.body?.cancel();
      offset = restart(o);
      res = await request(o, 0);
    }
  } else if (offset > 0 && res.status === 200) {
    offset = restart(o); // the server ignored Range: the body is the whole file
  }

  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    const msg = `the download of ${o.label} failed: ${o.url} answered ${res.status} ${res.statusText}`.trimEnd();
    if (res.status >= 500) throw new Retryable(msg);
    throw new AppError('unavailable', msg, { details: { status: res.status } });
  }
  if (!res.body) throw new Retryable('empty response');

  const total = totalOf(res) ?? o.expectedBytes;
  if (o.expectedBytes !== null && total !== o.expectedBytes) {
    await res.body.cancel();
    fs.rmSync(o.partFile, { force: true });
    throw new AppError(
      'unavailable',
      `the server offers ${total} bytes for ${o.label} but the manifest expects ${o.expectedBytes}; nothing was installed`,
    );
  }

  const hash = crypto.createHash('sha256');
  if (offset > 0) await hashInto(hash, o.partFile, offset);
  const fh = await fs.promises.open(o.partFile, offset > 0 ? 'r+' : 'w', 0o600);
  let received = offset;
  o.onProgress(received, total);
  try {
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        if (total !== null && received + chunk.byteLength > total) {
          throw new AppError('unavailable', `the server sent more than ${total} bytes for ${o.label}`);
        }
        hash.update(chunk);
        await fh.write(chunk, 0, chunk.byteLength, received);
        received += chunk.byteLength;
        o.onProgress(received, total);
      }
    } catch (err) {
      if (err instanceof AppError) {
        fs.rmSync(o.partFile, { force: true });
        throw err;
      }
      throw new Retryable(describeNetworkError(err));
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (total !== null && received < total)
    throw new Retryable(`the connection closed after ${received} of ${total} bytes`);
  return { sha256: hash.digest('hex'), bytes: received };
}

function restart(o: DownloadOptions): 0 {
  fs.rmSync(o.partFile, { force: true });
  return 0;
}

async function request(o: DownloadOptions, offset: number): Promise<Response> {
  // identity: a compressed body would make byte counts and ranges meaningless.
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'SpatialForge' };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  try {
    return await fetch(o.url, { headers, signal: o.signal, redirect: 'follow' });
  } catch (err) {
    if (o.signal.aborted) throw err;
    throw new Retryable(`cannot reach ${hostOf(o.url)}: ${describeNetworkError(err)}`);
  }
}

function totalOf(res: Response): number | null {
  if (res.status === 206) return parseContentRange(res.headers.get('content-range'))?.total ?? null;
  const len = res.headers.get('content-length');
  return len !== null && /^\d+$/.test(len) ? Number(len) : null;
}

/** `bytes 100-199/1000` → {start 100, end 199, total 1000}; `*` total → null. */
export function parseContentRange(value: string | null): { start: number; end: number; total: number | null } | null {
  const m = value && /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === '*' ? null : Number(m[3]);
  if (end < start || (total !== null && end >= total)) return null;
  return { start, end, total };
}

function parseUnsatisfiedRange(value: string | null): number | null {
  const m = value && /^bytes \*\/(\d+)$/.exec(value.trim());
  return m ? Number(m[1]) : null;
}

async function hashInto(hash: crypto.Hash, file: string, bytes: number): Promise<void> {
  if (bytes === 0) return;
  for await (const chunk of fs.createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 }))
    hash.update(chunk as Buffer);
}

/** SHA-256 of the first `bytes` bytes of `file` (all of it when omitted), streamed. */
export async function hashFile(file: string, bytes?: number): Promise<string> {
  const hash = crypto.createHash('sha256');
  if (bytes === undefined) {
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } else await hashInto(hash, file, bytes);
  return hash.digest('hex');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function describeNetworkError(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  const cause = e.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ': ' + cause.message : ''}`;
  if (cause?.message) return cause.message;
  return e.message;
}
