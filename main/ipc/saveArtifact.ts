import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isArtifactId } from '../common/ids.js';

const ARTIFACTS = '/v1/artifacts/';

/**
 * Resolves an artifact link against the core's origin and accepts it only when it stays there and
 * names one artifact: the renderer cannot make main fetch any other URL.
 */
export function artifactUrl(raw: string, coreUrl: string): URL | null {
  let url: URL;
  try {
    url = new URL(raw, coreUrl);
  } catch {
    return null;
  }
  const id = url.pathname.startsWith(ARTIFACTS) ? url.pathname.slice(ARTIFACTS.length) : '';
  if (url.origin !== new URL(coreUrl).origin || !isArtifactId(id)) return null;
  if (url.username || url.password) return null;
  return url;
}

/**
 * A file name fit for every desktop OS: the last path segment only, without control characters,
 * characters Windows reserves, leading dots or trailing dots and spaces, and not a reserved device
 * name. Falls back to `fallback` when nothing is left.
 */
export function safeFileName(raw: string, fallback = 'spatialforge-export'): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  let name = base
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '')
    .slice(0, 200);
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i.test(name)) name = `_${name}`;
  return name || fallback;
}

export interface SaveDeps {
  token: string;
  fetch: typeof fetch;
}

/**
 * Downloads an artifact from the core into `destination`: streamed to a temporary file beside it
 * and renamed into place only when complete, so a failed or interrupted download never leaves a
 * half file under the chosen name (nor replaces a file that was there).
 */
export async function downloadArtifact(url: URL, destination: string, deps: SaveDeps): Promise<number> {
  const res = await deps.fetch(url, { headers: { authorization: `Bearer ${deps.token}` } });
  if (!res.ok || !res.body) {
    let detail = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: { message?: string } };
      if (body.error?.message) detail = body.error.message;
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(`The core did not send the file (${detail}).`);
  }
  const temp = path.join(path.dirname(destination), `.${path.basename(destination)}.${process.pid}.part`);
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), fs.createWriteStream(temp, { flags: 'wx' }));
    const { size } = await fs.promises.stat(temp);
    await fs.promises.rename(temp, destination);
    return size;
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
}
