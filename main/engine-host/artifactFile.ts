import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WrittenArtifact } from './protocol.js';

/**
 * Hashes and writes one artifact, given in parts to spare copies, into the artifact store's temp
 * folder (`tmpDir`) as `<prefix>-<random>`; the main thread adopts the file. The path is pushed to
 * `written` before the file exists, so a failed job can remove everything it started.
 */
export async function writeArtifactFile(
  tmpDir: string,
  prefix: string,
  written: string[],
  data: Uint8Array | Uint8Array[],
  contentType: string,
): Promise<WrittenArtifact> {
  const parts = Array.isArray(data) ? data : [data];
  const file = path.join(tmpDir, `${prefix}-${crypto.randomBytes(8).toString('hex')}`);
  written.push(file);
  const handle = await fs.promises.open(file, 'wx', 0o600);
  try {
    // The write runs on libuv's pool while this thread hashes the same (unchanging) bytes.
    const writing = handle.writev(parts);
    const hash = crypto.createHash('sha256');
    for (const p of parts) hash.update(p);
    const sha256 = hash.digest('hex');
    await writing;
    return { file, sha256, bytes: parts.reduce((n, p) => n + p.byteLength, 0), contentType };
  } finally {
    await handle.close();
  }
}
