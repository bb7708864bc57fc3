import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { ApiKeyId } from '../../main/common/ids.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('artifacts over HTTP', () => {
  let s: TestServer;
  let ownerKey: string;
  let ownerId: ApiKeyId;
  before(async () => {
    s = await startTestServer();
    const created = s.core.keys.create('owner', 'pro');
    ownerKey = created.key;
    ownerId = created.row.id;
  });
  after(() => s.close());

  const put = (data: Buffer, ttlMs?: number) =>
    s.core.artifacts.put(data, {
      contentType: 'application/octet-stream',
      filename: '../../etc/passwd depth.npy',
      ownerKeyId: ownerId,
      ...(ttlMs === undefined ? {} : { ttlMs }),
    });

  test('the owner downloads the exact bytes, with a safe file name', async () => {
    const data = crypto.randomBytes(100_000);
    const art = await put(data);
    const res = await fetch(`${s.url}/v1/artifacts/${art.id}`, { headers: { 'x-api-key': ownerKey } });
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="etc_passwd_depth.npy"');
    assert.equal(res.headers.get('etag'), `"${crypto.createHash('sha256').update(data).digest('hex')}"`);
  });

  test('another key cannot see it (404, as for an unknown id)', async () => {
    const art = await put(Buffer.from('private'));
    const other = await request(`${s.url}/v1/artifacts/${art.id}`, { headers: { 'x-api-key': s.key('pro') } });
    assert.equal(other.status, 404);
    const unknown = await request(`${s.url}/v1/artifacts/art_${'0'.repeat(24)}`, {
      headers: { 'x-api-key': ownerKey },
    });
    assert.equal(unknown.status, 404);
    assert.equal(other.json().error.code, unknown.json().error.code);
  });

  test('a signed link works without a key, until it expires; tampering is refused', async () => {
    const art = await put(Buffer.from('shared'));
    const link = await request(`${s.url}/v1/artifacts/${art.id}/link`, {
      method: 'POST',
      headers: { 'x-api-key': ownerKey, 'content-type': 'application/json' },
      body: JSON.stringify({ ttl_s: 60 }),
    });
    assert.equal(link.status, 200);
    const { url, expires_at } = link.json();
    assert.ok(Math.abs(Date.parse(expires_at) - Date.now() - 60_000) < 2_000);
    const ok = await request(s.url + url);
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'shared');

    const parsed = new URL(s.url + url);
    const sig = parsed.searchParams.get('sig')!;
    const exp = parsed.searchParams.get('exp')!;
    const tamperedSig = await request(`${s.url}/v1/artifacts/${art.id}?sig=${sig.slice(0, -2)}xx&exp=${exp}`);
    assert.equal(tamperedSig.status, 403);
    assert.equal(tamperedSig.json().error.code, 'invalid_signature');
    const longerExp = await request(`${s.url}/v1/artifacts/${art.id}?sig=${sig}&exp=${Number(exp) + 3600}`);
    assert.equal(longerExp.status, 403);
    const otherArtifact = await put(Buffer.from('other'));
    const reused = await request(`${s.url}/v1/artifacts/${otherArtifact.id}?sig=${sig}&exp=${exp}`);
    assert.equal(reused.status, 403, 'a signature is bound to one artifact');
    const doubled = await request(`${s.url}/v1/artifacts/${art.id}?sig=${sig}&sig=${sig}&exp=${exp}`);
    assert.equal(doubled.status, 403);

    const past = s.core.artifacts.sign(art.id, Date.now() - 1000);
    const expired = await request(`${s.url}/v1/artifacts/${art.id}?sig=${past.sig}&exp=${past.exp}`);
    assert.equal(expired.status, 403);
    assert.equal(expired.json().error.code, 'link_expired');
  });

  test('an expired artifact answers 410; clean-up removes it and its blob', async () => {
    const art = await put(Buffer.from('short-lived ' + Date.now()), 1);
    await new Promise((r) => setTimeout(r, 5));
    const res = await request(`${s.url}/v1/artifacts/${art.id}`, { headers: { 'x-api-key': ownerKey } });
    assert.equal(res.status, 410);
    assert.equal(res.json().error.code, 'gone');
    const blob = s.core.artifacts.blobPath(art.sha256);
    assert.ok(fs.existsSync(blob));
    const { removed } = s.core.artifacts.cleanup();
    assert.ok(removed >= 1);
    assert.ok(!fs.existsSync(blob));
    const afterCleanup = await request(`${s.url}/v1/artifacts/${art.id}`, { headers: { 'x-api-key': ownerKey } });
    assert.equal(afterCleanup.status, 404);
  });

  test('a missing blob is a 500 that leaks no path or stack', async () => {
    const art = await put(Buffer.from('will vanish ' + Date.now()));
    fs.rmSync(s.core.artifacts.blobPath(art.sha256));
    const res = await request(`${s.url}/v1/artifacts/${art.id}`, {
      headers: { 'x-api-key': ownerKey, 'x-request-id': 'leak-check' },
    });
    assert.equal(res.status, 500);
    const body = res.json();
    assert.equal(body.error.code, 'internal_error');
    assert.match(body.error.message, /leak-check/);
    assert.ok(!res.text.includes(s.dataDir) && !res.text.includes('blob') && !res.text.includes('at '), res.text);
  });
});
