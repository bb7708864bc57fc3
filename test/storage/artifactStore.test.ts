import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { openCore, type Core } from '../../main/core/core.js';
import { sanitizeFilename } from '../../main/storage/artifactStore.js';
import { tmpDataDir } from '../helpers/server.js';

describe('ArtifactStore', () => {
  let data: ReturnType<typeof tmpDataDir>;
  let core: Core;
  let now = 1_000_000;
  beforeEach(() => {
    data = tmpDataDir();
    now = 1_000_000;
    core = openCore({ dataDir: data.dir, now: () => now });
  });
  afterEach(() => {
    core.close();
    data.remove();
  });
  const opts = (ttlMs: number) => ({ contentType: 'text/plain', filename: 'a.txt', ownerKeyId: null, ttlMs });

  test('stores content by SHA-256 and shares one blob between equal artifacts', async () => {
    const a = await core.artifacts.put(Buffer.from('same'), opts(1000));
    const b = await core.artifacts.put(Buffer.from('same'), opts(5000));
    assert.notEqual(a.id, b.id);
    assert.equal(a.sha256, b.sha256);
    assert.equal(a.sha256, '0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5');
    const blob = core.artifacts.blobPath(a.sha256);
    assert.equal(blob, path.join(data.dir, 'artifacts', 'sha256', '09', a.sha256.slice(2)));
    assert.equal(fs.readFileSync(blob, 'utf8'), 'same');
  });

  test('clean-up keeps a blob while any unexpired artifact refers to it', async () => {
    const a = await core.artifacts.put(Buffer.from('shared'), opts(1000));
    await core.artifacts.put(Buffer.from('shared'), opts(5000));
    now += 2000;
    assert.deepEqual(core.artifacts.cleanup(), { removed: 1, blobsDeleted: 0 });
    assert.ok(fs.existsSync(core.artifacts.blobPath(a.sha256)));
    now += 5000;
    assert.deepEqual(core.artifacts.cleanup(), { removed: 1, blobsDeleted: 1 });
    assert.ok(!fs.existsSync(core.artifacts.blobPath(a.sha256)));
  });

  test('resolve: unknown → not_found, expired → gone', async () => {
    const a = await core.artifacts.put(Buffer.from('x'), opts(10));
    assert.throws(() => core.artifacts.resolve('art_000000000000000000000000' as never), { code: 'not_found' });
    now += 10;
    assert.throws(() => core.artifacts.resolve(a.id), { code: 'gone' });
  });

  test('signatures verify only for the same id and expiry, and not after expiry', async () => {
    const a = await core.artifacts.put(Buffer.from('x'), opts(100_000));
    const { sig, exp } = core.artifacts.sign(a.id, now + 60_000);
    core.artifacts.verify(a.id, sig, exp);
    assert.throws(() => core.artifacts.verify(a.id, sig, String(Number(exp) + 1)), { code: 'invalid_signature' });
    assert.throws(() => core.artifacts.verify(a.id, sig + 'x', exp), { code: 'invalid_signature' });
    now += 61_000;
    assert.throws(() => core.artifacts.verify(a.id, sig, exp), { code: 'link_expired' });
  });

  test('file names are reduced to a safe alphabet and never empty', () => {
    assert.equal(sanitizeFilename('../../etc/passwd'), 'etc_passwd');
    assert.equal(sanitizeFilename('C:\\Windows\\evil.exe'), 'C_Windows_evil.exe');
    assert.equal(sanitizeFilename('..'), 'artifact');
    assert.equal(sanitizeFilename('dépth map.png'), 'd_pth_map.png');
    assert.equal(sanitizeFilename('x'.repeat(500)).length, 100);
  });
});
