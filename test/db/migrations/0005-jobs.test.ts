import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dbAt, insertKey, KEY_ID, migrateTo } from './helpers.js';

const JOB = 'job_' + '0'.repeat(24);

test('0005 › adds jobs and webhook_outbox; keeps earlier tables; checks states, leases and urls', () => {
  const db = dbAt(4);
  insertKey(db);
  assert.deepEqual(migrateTo(db, 5), [5]);
  assert.equal((db.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n, 1);
  const insert = db.prepare(`INSERT INTO jobs (id, type, status, input, owner_key_id, max_attempts, next_run_at,
    created_at, lease_owner, lease_expires_at, finished_at, webhook_url) VALUES
    (@id, 't', @status, @input, @owner, 3, 1, 1, @leaseOwner, @leaseExpiresAt, @finishedAt, @webhookUrl)`);
  const ok = {
    id: JOB,
    status: 'queued',
    input: '{}',
    owner: KEY_ID,
    leaseOwner: null,
    leaseExpiresAt: null,
    finishedAt: null,
    webhookUrl: 'http://127.0.0.1:9/hook',
  };
  insert.run(ok);
  assert.throws(() => insert.run(ok), /UNIQUE/);
  const id = (n: number) => 'job_' + String(n).padStart(24, '0');
  assert.throws(() => insert.run({ ...ok, id: 'art_' + '0'.repeat(24) }), /CHECK/);
  assert.throws(() => insert.run({ ...ok, id: id(1), status: 'paused' }), /CHECK/);
  assert.throws(() => insert.run({ ...ok, id: id(2), input: 'not json' }), /CHECK/);
  assert.throws(() => insert.run({ ...ok, id: id(3), webhookUrl: 'file:///etc/passwd' }), /CHECK/);
  // running ⇔ a lease; ended ⇔ finished_at
  assert.throws(() => insert.run({ ...ok, id: id(4), status: 'running' }), /CHECK/);
  assert.throws(() => insert.run({ ...ok, id: id(5), leaseOwner: 'w', leaseExpiresAt: 5 }), /CHECK/);
  assert.throws(() => insert.run({ ...ok, id: id(6), status: 'succeeded' }), /CHECK/);
  insert.run({ ...ok, id: id(7), status: 'running', leaseOwner: 'w', leaseExpiresAt: 5 });
  insert.run({ ...ok, id: id(8), status: 'failed', finishedAt: 9 });
  assert.throws(() => insert.run({ ...ok, id: id(9), owner: 'key_ffffffffffff' }), /FOREIGN KEY/);

  const outbox = db.prepare(
    'INSERT INTO webhook_outbox (job_id, event, url, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 1, 1)',
  );
  outbox.run(JOB, 'job.succeeded', 'https://example.test/h', '{"a":1}');
  assert.throws(() => outbox.run(JOB, 'job.succeeded', 'ftp://x/h', '{}'), /CHECK/);
  assert.throws(() => outbox.run(id(99), 'job.succeeded', 'http://x/h', '{}'), /FOREIGN KEY/);

  // Deleting a key keeps its jobs (owner set to NULL); deleting a job removes its deliveries.
  db.prepare('DELETE FROM api_keys').run();
  assert.equal((db.prepare('SELECT owner_key_id AS o FROM jobs WHERE id = ?').get(JOB) as { o: unknown }).o, null);
  db.prepare('DELETE FROM jobs WHERE id = ?').run(JOB);
  assert.equal((db.prepare('SELECT count(*) AS n FROM webhook_outbox').get() as { n: number }).n, 0);
});
