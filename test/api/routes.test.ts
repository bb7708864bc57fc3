import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Koa from 'koa';
import pino from 'pino';
import { z } from 'zod';
import { endpoint } from '../../main/common/api/endpoint.js';
import { errorEnvelope } from '../../main/api/middleware/errors.js';
import { buildRouter, type Handlers } from '../../main/api/routes.js';
import { request } from '../helpers/http.js';

// A contract of test-only endpoints exercises the route pipeline (deadline, response validation)
// through the same buildRouter the server uses.
const testContract = {
  slow: endpoint({
    method: 'get',
    path: '/slow',
    tag: 't',
    summary: 'slow',
    auth: 'none',
    timeoutMs: 50,
    response: { status: 200, description: 'x', schema: z.object({ ok: z.boolean() }) },
  }),
  wrongShape: endpoint({
    method: 'get',
    path: '/wrong',
    tag: 't',
    summary: 'breaks its schema',
    auth: 'none',
    response: { status: 200, description: 'x', schema: z.object({ ok: z.boolean() }) },
  }),
};

describe('route pipeline', () => {
  let server: http.Server;
  let url: string;
  let aborted = false;
  before(async () => {
    const handlers = {
      slow: ({ signal }: { signal: AbortSignal }) =>
        new Promise((resolve) => {
          const t = setTimeout(() => resolve({ ok: true }), 1000);
          signal.addEventListener('abort', () => {
            aborted = true;
            clearTimeout(t);
            resolve({ ok: false });
          });
        }),
      wrongShape: () => ({ ok: 'yes' }),
    } as unknown as Handlers;
    const router = buildRouter(testContract as never, handlers, { auth: {} as never, validateResponses: true });
    const app = new Koa();
    app.silent = true;
    app.use(errorEnvelope(pino({ level: 'silent' }))).use(router.middleware());
    server = http.createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test('a handler past its deadline → 503 timeout, and its signal aborts', async () => {
    const t0 = performance.now();
    const res = await request(`${url}/slow`);
    assert.equal(res.status, 503);
    assert.equal(res.json().error.code, 'timeout');
    assert.ok(performance.now() - t0 < 800);
    assert.equal(aborted, true);
  });

  test('a response that breaks the contract is a 500, not a silent wrong answer', async () => {
    const res = await request(`${url}/wrong`);
    assert.equal(res.status, 500);
    assert.equal(res.json().error.code, 'internal_error');
    assert.ok(!res.text.includes('contract'), 'internal detail is not exposed');
  });
});
