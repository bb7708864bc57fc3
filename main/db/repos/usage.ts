import type { Database } from 'better-sqlite3';
import type { ApiKeyId } from '../../common/ids.js';

/** Monthly request counters. The quota check and the increment are one atomic statement. */
export function createUsageRepo(db: Database) {
  // The UPDATE branch only fires below the limit, so a rejected request is not counted and two
  // processes sharing the file can never push the count past the quota.
  const consume = db.prepare(`
    INSERT INTO usage_monthly (key_id, period, requests) VALUES (@keyId, @period, 1)
    ON CONFLICT (key_id, period) DO UPDATE SET requests = requests + 1
      WHERE @limit IS NULL OR requests < @limit
    RETURNING requests`);
  const get = db.prepare('SELECT requests FROM usage_monthly WHERE key_id = ? AND period = ?');

  return {
    /**
     * Counts one request against `limit` (null = unlimited). Returns the new count, or null when
     * the quota was already used up (nothing is counted then).
     */
    consume(keyId: ApiKeyId, period: string, limit: number | null): number | null {
      const row = consume.get({ keyId, period, limit }) as { requests: number } | undefined;
      return row ? row.requests : null;
    },
    used(keyId: ApiKeyId, period: string): number {
      return (get.get(keyId, period) as { requests: number } | undefined)?.requests ?? 0;
    },
  };
}

export type UsageRepo = ReturnType<typeof createUsageRepo>;
