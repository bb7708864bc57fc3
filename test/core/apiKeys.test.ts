import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openCore } from '../../main/core/core.js';
import { tmpDataDir } from '../helpers/server.js';

test('api keys › format, authentication, revocation, and per-folder secrets', () => {
  const a = tmpDataDir();
  const b = tmpDataDir();
  const coreA = openCore({ dataDir: a.dir });
  const coreB = openCore({ dataDir: b.dir });
  try {
    const { key, row } = coreA.keys.create('ci', 'builder');
    assert.match(key, /^sf_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(row.id, `key_${key.slice(3, 15)}`);
    assert.equal(coreA.keys.authenticate(key)?.id, row.id);
    assert.equal(coreA.keys.authenticate(key + 'x'), null);
    assert.equal(coreA.keys.authenticate(key.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'))), null);

    // The same id and key copied into another data folder do not authenticate: its secret differs.
    coreB.db
      .prepare('INSERT INTO api_keys (id, name, plan, key_hmac, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(row.id, row.name, row.plan, row.keyHmac, row.createdAt);
    assert.equal(coreB.keys.authenticate(key), null);

    assert.ok(coreA.keys.revoke(row.id));
    assert.equal(coreA.keys.authenticate(key), null);
    const firstRevocation = coreA.keys.get(row.id)?.revokedAt;
    coreA.keys.revoke(row.id);
    assert.equal(coreA.keys.get(row.id)?.revokedAt, firstRevocation, 'revoking twice keeps the first time');
    assert.equal(coreA.keys.revoke('key_ffffffffffff' as never), undefined);
  } finally {
    coreA.close();
    coreB.close();
    a.remove();
    b.remove();
  }
});

test('api keys › a key recognised from the verified cache still rejects its look-alikes, and is checked again after the window', () => {
  const d = tmpDataDir();
  let clock = 1_000_000;
  const core = openCore({ dataDir: d.dir, now: () => clock });
  try {
    const { key, row } = core.keys.create('ci', 'pro');
    assert.equal(core.keys.authenticate(key)?.id, row.id); // verified by HMAC, remembered
    assert.equal(core.keys.authenticate(key)?.id, row.id); // recognised from memory
    const lastChar = key.at(-1) === 'A' ? 'B' : 'A';
    assert.equal(core.keys.authenticate(key.slice(0, -1) + lastChar), null, 'same id, other secret');
    assert.equal(core.keys.authenticate(key)?.id, row.id, 'a failed look-alike does not evict the real key');
    // Another process revokes it (straight in the database): within the cache window it still
    // works; past the window the row is reloaded and the key refused.
    core.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(clock, row.id);
    assert.equal(core.keys.authenticate(key)?.id, row.id);
    clock += 1_000;
    assert.equal(core.keys.authenticate(key), null);
  } finally {
    core.close();
    d.remove();
  }
});

test('quota › consume counts up to the limit and then refuses without counting', () => {
  const d = tmpDataDir();
  const core = openCore({ dataDir: d.dir });
  try {
    const { row } = core.keys.create('q', 'free');
    for (let i = 1; i <= 100; i++) assert.equal(core.keys.consume(row)?.used, i);
    assert.equal(core.keys.consume(row), null);
    assert.equal(core.keys.usageOf(row).used, 100);
    const { row: ent } = core.keys.create('e', 'enterprise');
    for (let i = 0; i < 150; i++) core.keys.consume(ent);
    assert.equal(core.keys.usageOf(ent).used, 150, 'unlimited plans are still counted');
  } finally {
    core.close();
    d.remove();
  }
});
