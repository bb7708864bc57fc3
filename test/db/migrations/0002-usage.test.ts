import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dbAt, insertKey, migrateTo } from './helpers.js';

test('0002 › adds usage_monthly on top of existing keys, which survive', () => {
  const db = dbAt(1);
  insertKey(db);
  assert.deepEqual(migrateTo(db, 2), [2]);
  assert.equal((db.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n, 1);
  const insert = db.prepare('INSERT INTO usage_monthly (key_id, period, requests) VALUES (?, ?, ?)');
  insert.run('key_0123456789ab', '2026-11', 3);
  assert.throws(() => insert.run('key_0123456789ab', '2026-11', 1), /UNIQUE|PRIMARY/);
  assert.throws(() => insert.run('key_0123456789ab', 'Nov 2026', 1), /CHECK/);
  assert.throws(() => insert.run('key_0123456789ab', '2026-12', -1), /CHECK/);
  assert.throws(() => insert.run('key_ffffffffffff', '2026-11', 1), /FOREIGN KEY/);
  db.prepare('DELETE FROM api_keys').run();
  assert.equal(
    (db.prepare('SELECT count(*) AS n FROM usage_monthly').get() as { n: number }).n,
    0,
    'usage cascades with its key',
  );
});
