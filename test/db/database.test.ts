import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase, schemaVersion, type Database } from '../../main/db/database.js';
import { MIGRATIONS } from '../../main/db/migrations/index.js';
import { tmpDataDir } from '../helpers/server.js';

test('migrations are numbered 1, 2, 3 … without gaps', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    MIGRATIONS.map((_, i) => i + 1),
  );
});

test('openDatabase › WAL, foreign keys, latest schema; reopening applies nothing twice', () => {
  const d = tmpDataDir();
  try {
    const file = path.join(d.dir, 'x.db');
    const db = openDatabase(file);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    db.close();
    const again = openDatabase(file);
    assert.equal(
      (again.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n,
      MIGRATIONS.length,
    );
    again.close();
  } finally {
    d.remove();
  }
});

test('openDatabase › refuses a database from a newer SpatialForge, leaving it untouched', () => {
  const d = tmpDataDir();
  try {
    const file = path.join(d.dir, 'x.db');
    const db = openDatabase(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run('future');
    db.close();
    assert.throws(() => openDatabase(file), /schema version 99 is newer/);
    const reopened = openDatabase(file, {
      migrations: [...MIGRATIONS, ...Array.from({ length: 96 }, (_, i) => ({ version: i + 4, name: 'noop', up() {} }))],
    });
    assert.equal(schemaVersion(reopened), 99);
    reopened.close();
  } finally {
    d.remove();
  }
});

test('a failing migration rolls back completely', () => {
  const d = tmpDataDir();
  try {
    const file = path.join(d.dir, 'x.db');
    openDatabase(file).close();
    const broken = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      up: (db: Database) => db.exec('CREATE TABLE half (x); SELECT * FROM no_such_table;'),
    };
    assert.throws(() => openDatabase(file, { migrations: [...MIGRATIONS, broken] }), /no such table/);
    const db = openDatabase(file);
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get(), undefined);
    db.close();
  } finally {
    d.remove();
  }
});
