import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../common/errors.js';
import type { ApiKeyId, ArtifactId } from '../common/ids.js';
import type { ArtifactRepo, ArtifactRow } from '../db/repos/artifacts.js';

export const DEFAULT_ARTIFACT_TTL_MS = 24 * 3600 * 1000;

export interface PutOptions {
  contentType: string;
  /** Suggested download name; reduced to `[A-Za-z0-9._-]`, never used as a path. */
  filename: string;
  ownerKeyId: ApiKeyId | null;
  ttlMs?: number;
  /** The content's SHA-256 (hex) when the caller already computed it off the event loop. */
  sha256?: string;
}

/**
 * Content-addressed artifact files under `<dataDir>/artifacts/sha256/ab/cdef…`, indexed in SQLite.
 * Paths are derived only from the SHA-256 of the content, never from user input.
 *
 * Ordering keeps index and files consistent in one process: `put` inserts the row before the
 * blob is renamed into place, and `cleanup` decides orphans and unlinks them in the same
 * synchronous turn, so a blob another row still needs is never removed.
 */
export class ArtifactStore {
  readonly root: string;

  constructor(
    dataDir: string,
    private readonly repo: ArtifactRepo,
    private readonly secret: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.root = path.join(dataDir, 'artifacts');
    fs.mkdirSync(path.join(this.root, 'tmp'), { recursive: true, mode: 0o700 });
  }

  blobPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('invalid sha256');
    return path.join(this.root, 'sha256', sha256.slice(0, 2), sha256.slice(2));
  }

  /** Stores `data` and indexes it. Allocates one temp file; cost is one hash pass and one write. */
  async put(data: Uint8Array, options: PutOptions): Promise<ArtifactRow> {
    const sha256 = options.sha256 ?? crypto.createHash('sha256').update(data).digest('hex');
    const createdAt = this.now();
    const row: ArtifactRow = {
      id: `art_${crypto.randomBytes(12).toString('hex')}` as ArtifactId,
      sha256,
      sizeBytes: data.byteLength,
      contentType: options.contentType,
      filename: sanitizeFilename(options.filename),
      ownerKeyId: options.ownerKeyId,
      createdAt,
      expiresAt: createdAt + (options.ttlMs ?? DEFAULT_ARTIFACT_TTL_MS),
    };
    this.repo.insert(row);
    const dest = this.blobPath(sha256);
    if (!fs.existsSync(dest)) {
      const tmp = path.join(this.root, 'tmp', `${sha256}.${crypto.randomBytes(6).toString('hex')}`);
      await fs.promises.mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
      await fs.promises.writeFile(tmp, data, { mode: 0o600, flush: true });
      await fs.promises.rename(tmp, dest);
    }
    return row;
  }

  /** Where producers off the main thread write files for {@link adopt}: same file system as the blobs. */
  get tmpDir(): string {
    return path.join(this.root, 'tmp');
  }

  /**
   * Indexes a file another thread already wrote under {@link tmpDir}, with its SHA-256 computed
   * there, and moves it into place — the event loop never touches the bytes. The row is inserted
   * before the rename (same ordering as `put`); a blob that already exists keeps its file.
   */
  async adopt(
    tmpFile: string,
    facts: { sha256: string; sizeBytes: number },
    options: Omit<PutOptions, 'sha256'>,
  ): Promise<ArtifactRow> {
    if (path.dirname(path.resolve(tmpFile)) !== path.resolve(this.tmpDir)) {
      throw new Error(`adopt: ${tmpFile} is not in the artifact temp folder`);
    }
    const createdAt = this.now();
    const row: ArtifactRow = {
      id: `art_${crypto.randomBytes(12).toString('hex')}` as ArtifactId,
      sha256: facts.sha256,
      sizeBytes: facts.sizeBytes,
      contentType: options.contentType,
      filename: sanitizeFilename(options.filename),
      ownerKeyId: options.ownerKeyId,
      createdAt,
      expiresAt: createdAt + (options.ttlMs ?? DEFAULT_ARTIFACT_TTL_MS),
    };
    const dest = this.blobPath(facts.sha256);
    this.repo.insert(row);
    if (fs.existsSync(dest)) await fs.promises.rm(tmpFile, { force: true });
    else {
      await fs.promises.mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
      await fs.promises.rename(tmpFile, dest);
    }
    return row;
  }

  /** The row and blob path of a live artifact; 404 if unknown, 410 if expired. */
  resolve(id: ArtifactId): { row: ArtifactRow; file: string } {
    const row = this.repo.get(id);
    if (!row) throw new AppError('not_found', `artifact ${id} does not exist`);
    if (row.expiresAt <= this.now()) throw new AppError('gone', `artifact ${id} has expired`);
    const file = this.blobPath(row.sha256);
    if (!fs.existsSync(file)) throw new Error(`artifact ${id}: blob ${row.sha256} is missing`);
    return { row, file };
  }

  /** Query string of a signed link valid until `expiresAtMs`. */
  sign(id: ArtifactId, expiresAtMs: number): { sig: string; exp: string } {
    const exp = String(Math.floor(expiresAtMs / 1000));
    return { sig: this.signature(id, exp), exp };
  }

  /** Checks a signed link in constant time; throws `invalid_signature` or `link_expired`. */
  verify(id: ArtifactId, sig: string, exp: string): void {
    const expected = Buffer.from(this.signature(id, exp));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      throw new AppError('invalid_signature', 'the download link is not valid');
    }
    if (Number(exp) * 1000 <= this.now()) throw new AppError('link_expired', 'the download link has expired');
  }

  /** Deletes expired artifacts and their blobs when nothing else refers to them. */
  cleanup(): { removed: number; blobsDeleted: number } {
    const { removed, orphanBlobs } = this.repo.deleteExpired(this.now());
    for (const sha of orphanBlobs) fs.rmSync(this.blobPath(sha), { force: true });
    // Temp files older than an hour are leftovers of a crash mid-write.
    const tmpDir = path.join(this.root, 'tmp');
    const cutoff = this.now() - 3600_000;
    for (const name of fs.readdirSync(tmpDir)) {
      const file = path.join(tmpDir, name);
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
    }
    return { removed, blobsDeleted: orphanBlobs.length };
  }

  private signature(id: string, exp: string): string {
    return crypto.createHmac('sha256', this.secret).update(`artifact:${id}:${exp}`).digest('base64url');
  }
}

export function sanitizeFilename(name: string): string {
  const base = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 100);
  return base || 'artifact';
}
