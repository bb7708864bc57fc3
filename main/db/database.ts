import Sqlite, { type Database } from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type { Database } from 'better-sqlite3';

export const DB_FILE = 'spatialforge.db';

/**
 * Opens (creating if needed) the SQLite database and brings its schema up to date.
 *
 * WAL with `synchronous = NORMAL`: a committed transaction survives a crash or kill of the process
 * (the WAL is in the OS's hands once the commit returns); only a power loss can drop the last few.
 * `busy_timeout` lets the CLI and a running server write the same file.
 */
export function openDatabase(file: string, options: { migrations?: readonly Migration[] } = {}): Database {
  const db = new Sqlite(file, { timeout: 5_000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrations ?? MIGRATIONS);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Applies the pending migrations, each in its own transaction. Returns the versions applied. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const current = (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `database schema version ${current} is newer than this SpatialForge understands (${latest}); ` +
        'upgrade SpatialForge instead of opening a newer database with an older build',
    );
  }
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      record.run(m.version, m.name, Date.now());
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}

export function schemaVersion(db: Database): number {
  return (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
}
