import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino, { type Logger } from 'pino';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** A pino destination that keeps what it is given. */
function capture() {
  const chunks: string[] = [];
  return {
    write: (s: string) => void chunks.push(s),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== ''),
  };
}

// Access lines are handed to the destination at the end of the event-loop turn.
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('access log', () => {
  const out = capture();
  let logger: Logger;
  let s: TestServer;
  before(async () => {
    // A fixed time function, so a line can be compared byte for byte with pino's own.
    logger = pino({ level: 'info', base: { pid: 42 }, timestamp: () => ',"time":"T"' }, out);
    s = await startTestServer({ logger });
  });
  after(() => s.close());

  test('one line per request, exactly as logger.info would write it', async () => {
    const key = s.key('pro');
    await request(`${s.url}/v1/me`, { headers: { 'x-api-key': key, 'x-request-id': 'req-ok' } });
    await request(`${s.url}/v1/me`, { headers: { 'x-request-id': 'req-401' } });
    await request(`${s.url}/nope/${'x'.repeat(300)}`, { headers: { 'x-request-id': 'req-404' } });
    await settle();
    const lines = out.lines();
    const byId = new Map(lines.map((l) => [JSON.parse(l).req_id as string, l]));
    const ok = JSON.parse(byId.get('req-ok')!);
    assert.equal(ok.level, 30);
    assert.equal(ok.msg, 'request');
    assert.equal(ok.route, '/v1/me');
    assert.equal(ok.status, 200);
    assert.equal(typeof ok.ms, 'number');
    assert.match(ok.key_id, /^key_[0-9a-f]{12}$/);
    assert.equal(JSON.parse(byId.get('req-401')!).status, 401, '4xx lines are written too');
    const notFound = JSON.parse(byId.get('req-404')!);
    assert.equal(notFound.route, 'unmatched');
    assert.equal(notFound.path.length, 201, 'long paths are cut');

    const before = out.lines().length;
    const { req_id, method, path, route, status, ms, key_id } = ok;
    logger.info({ req_id, method, path, route, status, ms, key_id }, 'request');
    assert.equal(out.lines()[before], byId.get('req-ok'));
  });

  test('a logger whose lines cannot be built by hand still logs every request (mixin)', async () => {
    const mixed = capture();
    const t = await startTestServer({ logger: pino({ level: 'info', mixin: () => ({ app: 'sf' }) }, mixed) });
    try {
      await request(`${t.url}/healthz`, { headers: { 'x-request-id': 'mixed-1' } });
      await settle();
      const line = mixed
        .lines()
        .map((l) => JSON.parse(l))
        .find((l) => l.req_id === 'mixed-1');
      assert.equal(line.app, 'sf');
      assert.equal(line.msg, 'request');
    } finally {
      await t.close();
    }
  });

  test('the logger level applies', async () => {
    const quiet = capture();
    const t = await startTestServer({ logger: pino({ level: 'warn' }, quiet) });
    try {
      await request(`${t.url}/healthz`);
      await settle();
      assert.deepEqual(quiet.lines(), []);
    } finally {
      await t.close();
    }
  });
});

describe('request metrics', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  const series = (text: string, name: string) => {
    const m = new RegExp(`^${name}\\{method="GET",route="/v1/me",status="200"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };

  test('the request count and the latency histogram agree, scrape after scrape', async () => {
    const key = s.key('pro');
    for (let i = 0; i < 3; i++) await request(`${s.url}/v1/me`, { headers: { 'x-api-key': key } });
    let text = (await request(`${s.url}/metrics`)).text;
    assert.equal(series(text, 'spatialforge_http_requests_total'), 3);
    assert.equal(series(text, 'spatialforge_http_request_duration_seconds_count'), 3);
    for (let i = 0; i < 2; i++) await request(`${s.url}/v1/me`, { headers: { 'x-api-key': key } });
    text = (await request(`${s.url}/metrics`)).text;
    assert.equal(series(text, 'spatialforge_http_requests_total'), 5);
    assert.equal(series(text, 'spatialforge_http_request_duration_seconds_count'), 5);
  });
});
