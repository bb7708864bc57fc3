import Sqlite, { type Database } from 'better-sqlite3';
import { migrate } from '../../../main/db/database.js';
import { MIGRATIONS } from '../../../main/db/migrations/index.js';

export const HMAC = Buffer.alloc(32, 7);
export const KEY_ID = 'key_0123456789ab';

/** Applies the migrations up to and including `version`; returns the versions applied. */
export function migrateTo(db: Database, version: number): number[] {
  return migrate(
    db,
    MIGRATIONS.filter((m) => m.version <= version),
  );
}

/** An in-memory database migrated up to and including `version`. */
export function dbAt(version: number): Database {
  const db = new Sqlite(':memory:');
  db.pragma('foreign_keys = ON');
  migrateTo(db, version);
  return db;
}

/** Inserts one valid API key row (schema of migration 0001). */
export function insertKey(db: Database, id = KEY_ID): void {
  db.prepare('INSERT INTO api_keys (id, name, plan, key_hmac, created_at) VALUES (?, ?, ?, ?, ?)').run(
    id,
    'k',
    'pro',
    HMAC,
    1,
  );
}
