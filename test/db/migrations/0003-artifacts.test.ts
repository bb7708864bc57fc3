import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dbAt, insertKey, migrateTo } from './helpers.js';

test('0003 › adds artifacts; deleting the owner key keeps the artifact, ownerless', () => {
  const db = dbAt(2);
  insertKey(db);
  db.prepare("INSERT INTO usage_monthly (key_id, period, requests) VALUES ('key_0123456789ab', '2026-11', 4)").run();
  assert.deepEqual(migrateTo(db, 3), [3]);
  assert.equal((db.prepare('SELECT requests FROM usage_monthly').get() as { requests: number }).requests, 4);
  const insert =
    db.prepare(`INSERT INTO artifacts (id, sha256, size_bytes, content_type, filename, owner_key_id, created_at, expires_at)
    VALUES (?, ?, ?, 'text/plain', 'a.txt', ?, 1, 2)`);
  const sha = 'a'.repeat(64);
  insert.run('art_' + '0'.repeat(24), sha, 10, 'key_0123456789ab');
  assert.throws(() => insert.run('art_short', sha, 10, null), /CHECK/);
  assert.throws(() => insert.run('art_' + '1'.repeat(24), 'abc', 10, null), /CHECK/);
  assert.throws(() => insert.run('art_' + '2'.repeat(24), sha, -1, null), /CHECK/);
  db.prepare('DELETE FROM api_keys').run();
  assert.equal(
    (db.prepare('SELECT owner_key_id FROM artifacts').get() as { owner_key_id: unknown }).owner_key_id,
    null,
  );
});
