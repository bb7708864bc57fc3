import type { Database } from 'better-sqlite3';
import type { ApiKeyId } from '../../common/ids.js';

/** Monthly request counters (`usage_monthly`). */
export function createUsageRepo(db: Database) {
  const add = db.prepare(`
    INSERT INTO usage_monthly (key_id, period, requests) VALUES (@keyId, @period, @requests)
    ON CONFLICT (key_id, period) DO UPDATE SET requests = requests + excluded.requests`);
  const get = db.prepare('SELECT requests FROM usage_monthly WHERE key_id = ? AND period = ?');
  const addMany = db.transaction((rows: readonly { keyId: ApiKeyId; period: string; requests: number }[]) => {
    for (const row of rows) add.run(row);
  });

  return {
    /** Adds several counts in one transaction. */
    addMany(rows: readonly { keyId: ApiKeyId; period: string; requests: number }[]): void {
      addMany.immediate(rows);
    },
    used(keyId: ApiKeyId, period: string): number {
      return (get.get(keyId, period) as { requests: number } | undefined)?.requests ?? 0;
    },
  };
}

export type UsageRepo = ReturnType<typeof createUsageRepo>;
