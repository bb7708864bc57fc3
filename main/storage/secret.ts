import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const SECRET_FILE = 'secret.key';
const SECRET_BYTES = 32;

/**
 * Loads the data folder's secret, generating it on first run. The file is created exclusively
 * with mode 0600 and linked into place atomically, so two processes starting at once agree on one secret and no other user
 * can read it. A secret file of the wrong size is an error, never silently replaced: replacing it
 * would invalidate every stored API key.
 */
export function loadOrCreateSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, SECRET_FILE);
  if (!fs.existsSync(file)) {
    // Write a complete temp file, then hard-link it into place: link() fails if the name exists,
    // so a concurrent reader never sees a half-written secret and only one secret ever wins.
    const fresh = crypto.randomBytes(SECRET_BYTES);
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, fresh.toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
      return fresh;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new Error(`${file} is corrupt (expected 64 hex digits); restore it from a backup`);
  }
  if (process.platform !== 'win32') {
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) fs.chmodSync(file, 0o600);
  }
  return Buffer.from(text, 'hex');
}
