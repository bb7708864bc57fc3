import type { Database } from 'better-sqlite3';
import type { ApiKeyId, ArtifactId } from '../../common/ids.js';

export interface ArtifactRow {
  id: ArtifactId;
  sha256: string;
  sizeBytes: number;
  contentType: string;
  filename: string;
  ownerKeyId: ApiKeyId | null;
  createdAt: number;
  expiresAt: number;
}

interface RawRow {
  id: string;
  sha256: string;
  size_bytes: number;
  content_type: string;
  filename: string;
  owner_key_id: string | null;
  created_at: number;
  expires_at: number;
}

const toRow = (r: RawRow): ArtifactRow => ({
  id: r.id as ArtifactId,
  sha256: r.sha256,
  sizeBytes: r.size_bytes,
  contentType: r.content_type,
  filename: r.filename,
  ownerKeyId: r.owner_key_id as ApiKeyId | null,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export function createArtifactRepo(db: Database) {
  const insert = db.prepare(`INSERT INTO artifacts
    (id, sha256, size_bytes, content_type, filename, owner_key_id, created_at, expires_at)
    VALUES (@id, @sha256, @sizeBytes, @contentType, @filename, @ownerKeyId, @createdAt, @expiresAt)`);
  const byId = db.prepare('SELECT * FROM artifacts WHERE id = ?');
  const expired = db.prepare('SELECT id, sha256 FROM artifacts WHERE expires_at <= ?');
  const deleteExpired = db.prepare('DELETE FROM artifacts WHERE expires_at <= ?');
  const refs = db.prepare('SELECT count(*) AS n FROM artifacts WHERE sha256 = ?');

  return {
    insert(row: ArtifactRow): void {
      insert.run(row);
    },
    get(id: ArtifactId): ArtifactRow | undefined {
      const r = byId.get(id) as RawRow | undefined;
      return r && toRow(r);
    },
    /** Deletes expired rows; returns the blobs no row refers to any more. One transaction. */
    deleteExpired: db.transaction((nowMs: number): { removed: number; orphanBlobs: string[] } => {
      const rows = expired.all(nowMs) as { id: string; sha256: string }[];
      deleteExpired.run(nowMs);
      const shas = [...new Set(rows.map((r) => r.sha256))];
      const orphanBlobs = shas.filter((sha) => (refs.get(sha) as { n: number }).n === 0);
      return { removed: rows.length, orphanBlobs };
    }),
  };
}

export type ArtifactRepo = ReturnType<typeof createArtifactRepo>;
