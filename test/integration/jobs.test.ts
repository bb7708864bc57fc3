import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { JobId } from '../../main/common/ids.js';
import { registerTestJobTypes } from '../../main/jobs/testJobs.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Reads a Server-Sent Events stream until it ends; returns its events in order. */
function readEvents(
  url: string,
  key: string,
): Promise<{ event: string; data: { status: string; progress: number } }[]> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'x-api-key': key } }, (res) => {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /text\/event-stream/);
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve(
            text
              .split('\n\n')
              .filter((block) => block.startsWith('event: '))
              .map((block) => {
                const [e, d] = block.split('\n');
                return { event: e!.slice(7), data: JSON.parse(d!.slice(6)) as { status: string; progress: number } };
              }),
          ),
        );
      })
      .on('error', reject);
  });
}

describe('jobs API over real HTTP', () => {
  let s: TestServer;
  let admin: string;
  let alice: string;
  let bob: string;
  let aliceId: string;
  before(async () => {
    s = await startTestServer({}, { jobs: { pollIntervalMs: 50, progressIntervalMs: 50 } });
    registerTestJobTypes(s.core.jobs);
    admin = s.key('admin');
    alice = s.key('pro', 'alice');
    bob = s.key('pro', 'bob');
    aliceId = s.core.keys.list(false).find((k) => k.name === 'alice')!.id;
  });
  after(() => s.close());

  const enqueue = (ms: number, owner: string | null = aliceId) =>
    s.core.jobs.enqueue('test.sleep', { ms }, { ownerKeyId: owner as never }).id;
  const get = (id: string, key: string) => request(`${s.url}/v1/jobs/${id}`, { headers: { 'x-api-key': key } });

  test('a key sees its own jobs; another key gets 404; admin sees all', async () => {
    const id = enqueue(0);
    const mine = await get(id, alice);
    assert.equal(mine.status, 200);
    assert.equal(mine.json().id, id);
    assert.equal((await get(id, bob)).status, 404);
    assert.equal((await get(id, admin)).status, 200);
    assert.equal((await get('job_' + 'f'.repeat(24), alice)).status, 404);
    assert.equal((await get('job_nope', alice)).status, 400);
    const bobs = await request(`${s.url}/v1/jobs`, { headers: { 'x-api-key': bob } });
    assert.deepEqual(bobs.json().jobs, []);
    const all = await request(`${s.url}/v1/jobs`, { headers: { 'x-api-key': admin } });
    assert.ok(all.json().jobs.some((j: { id: string }) => j.id === id));
  });

  test('GET /v1/jobs?status= filters; the finished job carries its result', async () => {
    const id = enqueue(10);
    for (let i = 0; i < 100 && s.core.jobs.get(id as JobId)?.status !== 'succeeded'; i++) await sleep(20);
    const ok = await request(`${s.url}/v1/jobs?status=succeeded`, { headers: { 'x-api-key': alice } });
    const job = ok.json().jobs.find((j: { id: string }) => j.id === id);
    assert.equal(job.status, 'succeeded');
    assert.equal(job.progress, 1);
    assert.ok(job.result.slept_ms >= 10);
    const none = await request(`${s.url}/v1/jobs?status=canceled`, { headers: { 'x-api-key': alice } });
    assert.ok(!none.json().jobs.some((j: { id: string }) => j.id === id));
    const bad = await request(`${s.url}/v1/jobs?status=paused`, { headers: { 'x-api-key': alice } });
    assert.equal(bad.status, 400);
  });

  test('SSE: progress events, then done, then the stream ends', async () => {
    const id = enqueue(600);
    const events = await readEvents(`${s.url}/v1/jobs/${id}/events`, alice);
    const last = events.at(-1)!;
    assert.equal(last.event, 'done');
    assert.equal(last.data.status, 'succeeded');
    const progress = events.slice(0, -1);
    assert.ok(progress.length >= 3, `${progress.length} progress events`);
    assert.ok(progress.every((e) => e.event === 'progress'));
    assert.ok(progress.some((e) => e.data.status === 'running' && e.data.progress > 0 && e.data.progress < 1));
    // An ended job answers with its final event at once.
    const again = await readEvents(`${s.url}/v1/jobs/${id}/events`, alice);
    assert.deepEqual(
      again.map((e) => e.event),
      ['done'],
    );
  });

  test('DELETE cancels a running job within 2 s, the SSE stream says canceled; again is harmless; a finished job is 409', async () => {
    const id = enqueue(60_000);
    const stream = readEvents(`${s.url}/v1/jobs/${id}/events`, alice);
    for (let i = 0; i < 100 && s.core.jobs.get(id as JobId)?.status !== 'running'; i++) await sleep(20);
    const t0 = Date.now();
    const res = await request(`${s.url}/v1/jobs/${id}`, { method: 'DELETE', headers: { 'x-api-key': alice } });
    assert.equal(res.status, 200);
    assert.equal(res.json().status, 'canceled');
    assert.ok(Date.now() - t0 < 2_000);
    assert.equal((await stream).at(-1)?.event, 'canceled');
    const twice = await request(`${s.url}/v1/jobs/${id}`, { method: 'DELETE', headers: { 'x-api-key': alice } });
    assert.equal(twice.status, 200);
    assert.equal(
      (await request(`${s.url}/v1/jobs/${id}`, { method: 'DELETE', headers: { 'x-api-key': bob } })).status,
      404,
    );
    const done = enqueue(0);
    for (let i = 0; i < 100 && s.core.jobs.get(done as JobId)?.status !== 'succeeded'; i++) await sleep(20);
    const late = await request(`${s.url}/v1/jobs/${done}`, { method: 'DELETE', headers: { 'x-api-key': alice } });
    assert.equal(late.status, 409);
    assert.equal(late.json().error.code, 'conflict');
  });
});
