import type { Database } from 'better-sqlite3';

export type ModelSource = 'download' | 'import';

export interface InstalledModelRow {
  id: string;
  sha256: string;
  bytes: number;
  source: ModelSource;
  installedAt: number;
  verifiedAt: number;
  /** Why a later check found the file damaged; null while it is good. */
  corruptReason: string | null;
}

interface RawRow {
  id: string;
  sha256: string;
  bytes: number;
  source: string;
  installed_at: number;
  verified_at: number;
  corrupt_reason: string | null;
}

const toRow = (r: RawRow): InstalledModelRow => ({
  id: r.id,
  sha256: r.sha256,
  bytes: r.bytes,
  source: r.source as ModelSource,
  installedAt: r.installed_at,
  verifiedAt: r.verified_at,
  corruptReason: r.corrupt_reason,
});

/** Typed access to `models` (migration 0004); every statement is prepared once. */
export function createModelRepo(db: Database) {
  const upsert = db.prepare(`INSERT INTO models (id, sha256, bytes, source, installed_at, verified_at, corrupt_reason)
    VALUES (@id, @sha256, @bytes, @source, @installedAt, @verifiedAt, NULL)
    ON CONFLICT (id) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes, source = excluded.source,
      installed_at = excluded.installed_at, verified_at = excluded.verified_at, corrupt_reason = NULL`);
  const byId = db.prepare('SELECT * FROM models WHERE id = ?');
  const all = db.prepare('SELECT * FROM models ORDER BY id');
  const verified = db.prepare('UPDATE models SET verified_at = ?, corrupt_reason = NULL WHERE id = ?');
  const corrupt = db.prepare('UPDATE models SET corrupt_reason = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM models WHERE id = ?');

  return {
    /** Records a verified install, replacing an earlier row for the same id. */
    put(row: Omit<InstalledModelRow, 'corruptReason'>): void {
      upsert.run(row);
    },
    get(id: string): InstalledModelRow | undefined {
      const r = byId.get(id) as RawRow | undefined;
      return r && toRow(r);
    },
    list(): InstalledModelRow[] {
      return (all.all() as RawRow[]).map(toRow);
    },
    markVerified(id: string, atMs: number): boolean {
      return verified.run(atMs, id).changes === 1;
    },
    markCorrupt(id: string, reason: string): boolean {
      return corrupt.run(reason, id).changes === 1;
    },
    remove(id: string): boolean {
      return remove.run(id).changes === 1;
    },
  };
}

export type ModelRepo = ReturnType<typeof createModelRepo>;
