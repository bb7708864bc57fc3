import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dbAt, insertKey, migrateTo } from './helpers.js';

test('0004 › adds models; keeps earlier tables; checks ids, hashes, sizes and sources', () => {
  const db = dbAt(3);
  insertKey(db);
  assert.deepEqual(migrateTo(db, 4), [4]);
  assert.equal((db.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n, 1);
  const insert = db.prepare(
    'INSERT INTO models (id, sha256, bytes, source, installed_at, verified_at) VALUES (?, ?, ?, ?, 1, 2)',
  );
  const sha = 'ab'.repeat(32);
  insert.run('depth-anything-v2-small-fp32', sha, 10, 'download');
  insert.run('pydnet-pp-448x640-local', sha, 10, 'import');
  assert.throws(() => insert.run('depth-anything-v2-small-fp32', sha, 10, 'download'), /UNIQUE/);
  assert.throws(() => insert.run('Upper', sha, 10, 'download'), /CHECK/);
  assert.throws(() => insert.run('../x', sha, 10, 'download'), /CHECK/);
  assert.throws(() => insert.run('a/../x', sha, 10, 'download'), /CHECK/);
  assert.throws(() => insert.run('m1', 'AB'.repeat(32), 10, 'download'), /CHECK/);
  assert.throws(() => insert.run('m2', 'ab', 10, 'download'), /CHECK/);
  assert.throws(() => insert.run('m3', sha, 0, 'download'), /CHECK/);
  assert.throws(() => insert.run('m4', sha, 10, 'torrent'), /CHECK/);
  const row = db.prepare("SELECT corrupt_reason FROM models WHERE id = 'pydnet-pp-448x640-local'").get() as {
    corrupt_reason: unknown;
  };
  assert.equal(row.corrupt_reason, null);
});
