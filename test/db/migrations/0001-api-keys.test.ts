import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dbAt, HMAC } from './helpers.js';

test('0001 › creates api_keys with constraints on id, plan and HMAC size', () => {
  const db = dbAt(1);
  const insert = db.prepare('INSERT INTO api_keys (id, name, plan, key_hmac, created_at) VALUES (?, ?, ?, ?, ?)');
  insert.run('key_0123456789ab', 'ok', 'free', HMAC, 1);
  assert.throws(() => insert.run('key_0123456789ab', 'dup', 'free', HMAC, 1), /UNIQUE/);
  assert.throws(() => insert.run('key_zzzzzzzzzzzz', 'bad id', 'free', HMAC, 1), /CHECK/);
  assert.throws(() => insert.run('key_0123456789ac', 'bad plan', 'platinum', HMAC, 1), /CHECK/);
  assert.throws(() => insert.run('key_0123456789ad', 'short hmac', 'free', Buffer.alloc(16), 1), /CHECK/);
  assert.throws(() => insert.run('key_0123456789ae', '', 'free', HMAC, 1), /CHECK/);
  assert.throws(
    () => insert.run('key_0123456789af', 'text hmac', 'free', 'x'.repeat(32), 1),
    /cannot store TEXT|CHECK|datatype/,
  );
});
