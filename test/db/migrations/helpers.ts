import Sqlite, { type Database } from 'better-sqlite3';
import { migrate } from '../../../main/db/database.js';
import { MIGRATIONS } from '../../../main/db/migrations/index.js';

/** An in-memory database migrated up to and including `version`. */
export function dbAt(version: number): Database {
  const db = new Sqlite(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(
    db,
    MIGRATIONS.filter((m) => m.version <= version),
  );
  return db;
}

export const HMAC = Buffer.alloc(32, 7);
