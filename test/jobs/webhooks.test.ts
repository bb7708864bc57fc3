import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { openCore } from '../../main/core/core.js';
import { createJobRepo } from '../../main/db/repos/jobs.js';
import { signWebhook, verifyWebhook, webhookSigningKey } from '../../main/jobs/index.js';
import { tmpDataDir } from '../helpers/server.js';

interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on `port` (0: any) that records what it gets and answers `status`. */
async function receiver(port = 0, status = 200) {
  const got: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const p = (server.address() as AddressInfo).port;
  return { got, port: p, url: `http://127.0.0.1:${p}/hook`, close: () => new Promise((r) => server.close(r)) };
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 8_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('signatures › sign and verify round-trip; a changed body, key or old timestamp fails', () => {
  const key = webhookSigningKey(Buffer.alloc(32, 1));
  assert.match(key, /^[0-9a-f]{64}$/);
  const body = '{"event":"job.succeeded"}';
  const now = 1_700_000_000;
  const header = signWebhook(key, body, now);
  assert.match(header, /^t=1700000000,v1=[0-9a-f]{64}$/);
  assert.equal(verifyWebhook(key, body, header, { nowS: now + 10 }), true);
  assert.equal(verifyWebhook(key, body + ' ', header, { nowS: now }), false);
  assert.equal(verifyWebhook(webhookSigningKey(Buffer.alloc(32, 2)), body, header, { nowS: now }), false);
  assert.equal(verifyWebhook(key, body, header, { nowS: now + 301 }), false, 'replay window');
  assert.equal(verifyWebhook(key, body, 'garbage', { nowS: now }), false);
  assert.equal(verifyWebhook(key, body, undefined), false);
});

test('webhooks › a job that ends POSTs a signed body once; a receiver that was down gets it later', async () => {
  const d = tmpDataDir('sf-hooks-');
  const core = openCore({
    dataDir: d.dir,
    jobs: { pollIntervalMs: 50, webhooks: { pollIntervalMs: 50, baseDelayMs: 200, maxDelayMs: 400 } },
  });
  try {
    core.jobs.registerJobType('t.answer', { run: () => ({ answer: 42 }) });
    const key = webhookSigningKey(core.secret);

    // Up: delivered at once, verifiable.
    const up = await receiver();
    const job = core.jobs.enqueue('t.answer', null, { webhookUrl: up.url });
    core.jobs.start();
    const first = await until('delivery', () => up.got[0]);
    const sig = first.headers['x-spatialforge-signature'] as string;
    assert.equal(verifyWebhook(key, first.body, sig), true, 'signature verifies over the raw body');
    assert.equal(first.headers['x-spatialforge-event'], 'job.succeeded');
    const payload = JSON.parse(first.body) as { event: string; job: { id: string; status: string; result: unknown } };
    assert.equal(payload.event, 'job.succeeded');
    assert.equal(payload.job.id, job.id);
    assert.deepEqual(payload.job.result, { answer: 42 });
    await up.close();

    // Down: nothing listens on the port; the outbox keeps the delivery and retries.
    const probe = await receiver();
    const downPort = probe.port;
    await probe.close();
    const repo = createJobRepo(core.db);
    const later = core.jobs.enqueue('t.answer', null, { webhookUrl: `http://127.0.0.1:${downPort}/hook` });
    await until('a failed attempt', () => repo.outbox.ofJob(later.id)[0]?.last_error);
    const pending = repo.outbox.ofJob(later.id)[0]!;
    assert.equal(pending.delivered_at, null);
    assert.equal(core.jobs.get(later.id)?.status, 'succeeded', 'the job did not wait for its webhook');
    const back = await receiver(downPort);
    try {
      const got = await until('late delivery', () => back.got[0]);
      assert.equal(verifyWebhook(key, got.body, got.headers['x-spatialforge-signature'] as string), true);
      assert.equal((JSON.parse(got.body) as { job: { id: string } }).job.id, later.id);
      const row = await until('delivered', () => repo.outbox.ofJob(later.id).find((r) => r.delivered_at));
      assert.ok(row.attempts >= 2);
      await sleep(300);
      assert.equal(back.got.length, 1, 'delivered once');
      assert.equal(repo.outbox.ofJob(job.id).length, 1, 'one outbox row per ended job');
    } finally {
      await back.close();
    }

    // A non-2xx answer is a failure too.
    const angry = await receiver(0, 500);
    const third = core.jobs.enqueue('t.answer', null, { webhookUrl: angry.url });
    const failed = await until('failed attempt', () => repo.outbox.ofJob(third.id)[0]?.last_error);
    assert.equal(failed, 'HTTP 500');
    await angry.close();

    assert.throws(() => core.jobs.enqueue('t.answer', null, { webhookUrl: 'file:///etc/passwd' }), /http or https/);
    assert.throws(() => core.jobs.enqueue('t.answer', null, { webhookUrl: 'http://u:p@127.0.0.1/' }), /credentials/);
  } finally {
    await core.jobs.stop();
    core.close();
    d.remove();
  }
});
