import type { Database } from 'better-sqlite3';
import type { ApiKeyId } from '../../common/ids.js';
import type { Plan } from '../../common/plans.js';

export interface ApiKeyRow {
  id: ApiKeyId;
  name: string;
  plan: Plan;
  keyHmac: Buffer;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface RawRow {
  id: string;
  name: string;
  plan: string;
  key_hmac: Buffer;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const toRow = (r: RawRow): ApiKeyRow => ({
  id: r.id as ApiKeyId,
  name: r.name,
  plan: r.plan as Plan,
  keyHmac: r.key_hmac,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

/** Typed access to `api_keys`; every statement is prepared once. */
export function createApiKeyRepo(db: Database) {
  const insert = db.prepare(
    'INSERT INTO api_keys (id, name, plan, key_hmac, created_at) VALUES (@id, @name, @plan, @keyHmac, @createdAt)',
  );
  const byId = db.prepare('SELECT * FROM api_keys WHERE id = ?');
  const all = db.prepare('SELECT * FROM api_keys ORDER BY created_at DESC, id');
  const active = db.prepare('SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at DESC, id');
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?');
  const touch = db.prepare(
    'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
  );

  return {
    insert(row: Omit<ApiKeyRow, 'lastUsedAt' | 'revokedAt'>): void {
      insert.run(row);
    },
    get(id: ApiKeyId): ApiKeyRow | undefined {
      const r = byId.get(id) as RawRow | undefined;
      return r && toRow(r);
    },
    list(includeRevoked: boolean): ApiKeyRow[] {
      return ((includeRevoked ? all : active).all() as RawRow[]).map(toRow);
    },
    /** Marks the key revoked (keeping the first revocation time). False if no such key. */
    revoke(id: ApiKeyId, atMs: number): boolean {
      return revoke.run(atMs, id).changes === 1;
    },
    /** Records when a key was last used (never moves backwards). */
    touch(id: ApiKeyId, atMs: number): void {
      touch.run(atMs, id, atMs);
    },
  };
}

export type ApiKeyRepo = ReturnType<typeof createApiKeyRepo>;
