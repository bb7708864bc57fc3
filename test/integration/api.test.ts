import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request, jsonHeaders } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

function assertEnvelope(res: { json: () => { error?: { code?: unknown; message?: unknown } } }, code: string) {
  const body = res.json();
  assert.equal(body.error?.code, code);
  assert.equal(typeof body.error?.message, 'string');
}

describe('API over real HTTP with a real SQLite file', () => {
  let s: TestServer;
  let admin: string;
  before(async () => {
    s = await startTestServer({ perMinute: { free: 5 } });
    admin = s.key('admin');
  });
  after(() => s.close());

  describe('authentication', () => {
    test('no key → 401 envelope', async () => {
      const res = await request(`${s.url}/v1/me`);
      assert.equal(res.status, 401);
      assertEnvelope(res, 'unauthorized');
    });

    test('malformed and unknown keys → 401', async () => {
      for (const key of [
        'nonsense',
        'sf_000000000000_' + 'A'.repeat(43),
        admin.slice(0, -1) + (admin.endsWith('A') ? 'B' : 'A'),
      ]) {
        const res = await request(`${s.url}/v1/me`, { headers: { 'x-api-key': key } });
        assert.equal(res.status, 401, key);
        assertEnvelope(res, 'unauthorized');
      }
    });

    test('valid key → 200 with its identity; revoked key → 401', async () => {
      const key = s.key('builder', 'to revoke');
      const ok = await request(`${s.url}/v1/me`, { headers: { 'x-api-key': key } });
      assert.equal(ok.status, 200);
      const me = ok.json();
      assert.equal(me.kind, 'api_key');
      assert.equal(me.plan, 'builder');
      assert.equal(me.usage.used, 1);
      assert.equal(me.usage.monthly_quota, 5000);

      const revoked = await request(`${s.url}/v1/keys/${me.key_id}`, {
        method: 'DELETE',
        headers: { 'x-api-key': admin },
      });
      assert.equal(revoked.status, 200);
      assert.match(revoked.json().revoked_at, /^\d{4}-/);
      const after = await request(`${s.url}/v1/me`, { headers: { 'x-api-key': key } });
      assert.equal(after.status, 401);
      assertEnvelope(after, 'unauthorized');
    });

    test('desktop token authenticates as admin; a wrong token does not', async () => {
      const ok = await request(`${s.url}/v1/keys`, { headers: { authorization: `Bearer ${s.desktopToken}` } });
      assert.equal(ok.status, 200);
      const bad = await request(`${s.url}/v1/keys`, {
        headers: { authorization: 'Bearer wrong-token-wrong-token-wrong' },
      });
      assert.equal(bad.status, 401);
    });

    test('non-admin key on an admin endpoint → 403', async () => {
      const res = await request(`${s.url}/v1/keys`, { headers: { 'x-api-key': s.key('pro') } });
      assert.equal(res.status, 403);
      assertEnvelope(res, 'forbidden');
    });

    test('the database stores no key, only its HMAC', () => {
      const key = s.key('free', 'secret check');
      const secretPart = key.split('_').slice(2).join('_');
      const rows = s.core.db.prepare('SELECT * FROM api_keys').all() as Record<string, unknown>[];
      const dump = JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64url') : v));
      assert.ok(!dump.includes(secretPart), 'key material must not be stored');
      assert.ok(rows.every((r) => Buffer.isBuffer(r.key_hmac) && (r.key_hmac as Buffer).length === 32));
    });
  });

  describe('limits', () => {
    test('a burst past the per-minute limit → 429 with Retry-After, and no quota is spent on it', async () => {
      const key = s.key('free', 'burst');
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 7; i++) {
        last = await request(`${s.url}/v1/me`, { headers: { 'x-api-key': key } });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      assert.ok(last);
      assertEnvelope(last, 'rate_limited');
      const retry = Number(last.headers['retry-after']);
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
      assert.equal(last.headers['x-ratelimit-remaining'], '0');
      const id = 'key_' + key.slice(3, 15);
      assert.equal(s.core.keys.usageOf({ id: id as never, plan: 'free' }).used, 5);
    });

    test('an exhausted monthly quota → 429 quota_exceeded with reset time', async () => {
      const key = s.key('free', 'quota');
      const id = ('key_' + key.slice(3, 15)) as never;
      // Spend 99 of the free plan's 100 requests directly in the database, as 99 earlier calls would.
      s.core.db
        .prepare("INSERT INTO usage_monthly (key_id, period, requests) VALUES (?, strftime('%Y-%m', 'now'), 99)")
        .run(id);
      const last = await request(`${s.url}/v1/me`, { headers: { 'x-api-key': key } });
      assert.equal(last.status, 200);
      assert.equal(last.headers['x-quota-limit'], '100');
      assert.equal(last.headers['x-quota-remaining'], '0');
      const over = await request(`${s.url}/v1/me`, { headers: { 'x-api-key': key } });
      assert.equal(over.status, 429);
      assertEnvelope(over, 'quota_exceeded');
      assert.ok(Number(over.headers['retry-after']) > 0);
      assert.match(String(over.headers['x-quota-reset']), /^\d{4}-\d{2}-01T00:00:00\.000Z$/);
      assert.equal(s.core.keys.usageOf({ id, plan: 'free' }).used, 100, 'a refused request is not counted');
    });
  });

  describe('Host and Origin checks', () => {
    test('Host: evil.example → 403 host_not_allowed (DNS rebinding)', async () => {
      for (const host of [
        'evil.example',
        `evil.example:${s.port}`,
        '127.0.0.1.evil.example',
        'localhost@evil.example',
      ]) {
        const res = await request(`${s.url}/healthz`, { headers: { host } });
        assert.equal(res.status, 403, `Host: ${host}`);
        assertEnvelope(res, 'host_not_allowed');
      }
    });

    test('a request without a Host header → 403', async () => {
      const raw = await new Promise<string>((resolve, reject) => {
        const sock = net.connect(s.port, '127.0.0.1', () => sock.end('GET /healthz HTTP/1.0\r\n\r\n'));
        let data = '';
        sock.on('data', (c) => (data += c.toString()));
        sock.on('end', () => resolve(data));
        sock.on('error', reject);
      });
      assert.match(raw, /^HTTP\/1\.1 403/);
      assert.match(raw, /"host_not_allowed"/);
    });

    test('loopback Host names are accepted', async () => {
      for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, `LOCALHOST:${s.port}`, `[::1]:${s.port}`]) {
        assert.equal((await request(`${s.url}/healthz`, { headers: { host } })).status, 200, host);
      }
    });

    test('a cross-site Origin → 403, even with a valid key', async () => {
      for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${s.port + 1}`, 'file://']) {
        const res = await request(`${s.url}/v1/keys`, {
          method: 'POST',
          headers: { ...jsonHeaders(admin), origin },
          body: JSON.stringify({ name: 'csrf' }),
        });
        assert.equal(res.status, 403, origin);
        assertEnvelope(res, 'origin_not_allowed');
      }
      const sameOrigin = await request(`${s.url}/v1/me`, { headers: { 'x-api-key': admin, origin: s.url } });
      assert.equal(sameOrigin.status, 200);
    });

    test('Sec-Fetch-Site: cross-site on a write → 403', async () => {
      const res = await request(`${s.url}/v1/keys`, {
        method: 'POST',
        headers: { ...jsonHeaders(admin), 'sec-fetch-site': 'cross-site' },
        body: '{"name":"x"}',
      });
      assert.equal(res.status, 403);
    });
  });

  describe('bodies and validation', () => {
    test('malformed JSON → 400 invalid_json', async () => {
      const res = await request(`${s.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(admin), body: '{"name": ' });
      assert.equal(res.status, 400);
      assertEnvelope(res, 'invalid_json');
    });

    test('oversize body → 413, declared or chunked', async () => {
      const big = JSON.stringify({ name: 'x'.repeat(20_000) });
      const declared = await request(`${s.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(admin), body: big });
      assert.equal(declared.status, 413);
      assertEnvelope(declared, 'payload_too_large');
      const chunked = await request(`${s.url}/v1/keys`, {
        method: 'POST',
        headers: { ...jsonHeaders(admin), 'transfer-encoding': 'chunked' },
        body: big,
      });
      assert.equal(chunked.status, 413);
    });

    test('wrong content type → 415; schema violations → 400 with details', async () => {
      const form = await request(`${s.url}/v1/keys`, {
        method: 'POST',
        headers: { 'x-api-key': admin, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=x',
      });
      assert.equal(form.status, 415);
      for (const body of [
        '{}',
        '{"name":""}',
        '{"name":"x","plan":"platinum"}',
        '{"name":"x","extra":1}',
        '[]',
        '"x"',
        '{"name":"a\\u0000b"}',
      ]) {
        const res = await request(`${s.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(admin), body });
        assert.equal(res.status, 400, body);
        assertEnvelope(res, 'validation_failed');
        assert.ok(Array.isArray(res.json().error.details), body);
      }
      const badId = await request(`${s.url}/v1/keys/..%2F..%2Fetc`, {
        method: 'DELETE',
        headers: { 'x-api-key': admin },
      });
      assert.equal(badId.status, 400);
      const malformed = await request(`${s.url}/v1/keys/%E0%A4%A`, {
        method: 'DELETE',
        headers: { 'x-api-key': admin },
      });
      assert.equal(malformed.status, 400);
      assertEnvelope(malformed, 'bad_request');
      const missing = await request(`${s.url}/v1/keys/key_000000000000`, {
        method: 'DELETE',
        headers: { 'x-api-key': admin },
      });
      assert.equal(missing.status, 404);
      assertEnvelope(missing, 'not_found');
    });

    test('bad input does not change stored data', async () => {
      const before = s.core.db.prepare('SELECT count(*) AS n FROM api_keys').get();
      await request(`${s.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(admin), body: '{"name":' });
      await request(`${s.url}/v1/keys`, {
        method: 'POST',
        headers: jsonHeaders(admin),
        body: '{"name":"x","plan":"nope"}',
      });
      assert.deepEqual(s.core.db.prepare('SELECT count(*) AS n FROM api_keys').get(), before);
    });

    test('unknown path → 404 envelope; wrong method → 405 envelope', async () => {
      const nf = await request(`${s.url}/v1/nothing-here`, { headers: { 'x-api-key': admin } });
      assert.equal(nf.status, 404);
      assertEnvelope(nf, 'not_found');
      const na = await request(`${s.url}/v1/me`, { method: 'PUT', headers: { 'x-api-key': admin } });
      assert.equal(na.status, 405);
      assertEnvelope(na, 'method_not_allowed');
      assert.match(String(na.headers.allow), /GET/);
    });
  });

  describe('every response', () => {
    test('carries a request id (echoed when well-formed) and the security headers', async () => {
      const echoed = await request(`${s.url}/healthz`, { headers: { 'x-request-id': 'client-abc.123' } });
      assert.equal(echoed.headers['x-request-id'], 'client-abc.123');
      const hostile = await request(`${s.url}/nope`, { headers: { 'x-request-id': 'bad id\twith "quotes"' } });
      assert.match(String(hostile.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      // API responses are data: they may load nothing. Pages (the renderer) get the app policy.
      assert.equal(echoed.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
      assert.match(String(hostile.headers['content-security-policy']), /default-src 'self'; script-src 'self'/);
      for (const res of [echoed, hostile]) {
        assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
        assert.equal(res.headers['x-frame-options'], 'DENY');
        assert.equal(res.headers['referrer-policy'], 'no-referrer');
      }
    });

    test('/healthz reports the database', async () => {
      const res = await request(`${s.url}/healthz`);
      assert.equal(res.status, 200);
      assert.equal(res.json().database, 'ok');
    });

    test('/metrics counts requests by route template and status', async () => {
      await request(`${s.url}/v1/keys/key_0123456789ab`, { method: 'DELETE', headers: { 'x-api-key': admin } });
      const text = (await request(`${s.url}/metrics`)).text;
      assert.match(
        text,
        /spatialforge_http_requests_total\{method="DELETE",route="\/v1\/keys\/\{id\}",status="404"\} [1-9]/,
      );
      assert.match(
        text,
        /spatialforge_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/v1\/me",status="200"\}/,
      );
      assert.ok(!text.includes('key_0123456789ab'), 'ids never become labels');
    });
  });
});
