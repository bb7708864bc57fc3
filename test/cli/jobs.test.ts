import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main } from '../../main/cli.js';
import { openCore, type Core } from '../../main/core/core.js';
import { verifyWebhook, signWebhook } from '../../main/jobs/webhooks.js';
import { registerTestJobTypes } from '../../main/jobs/testJobs.js';
import { tmpDataDir } from '../helpers/server.js';

describe('spatialforge jobs', () => {
  const d = tmpDataDir();
  let worker: Core;
  before(() => {
    // The "server": a core running the queue on the same data folder as the CLI.
    worker = openCore({ dataDir: d.dir, jobs: { pollIntervalMs: 50, progressIntervalMs: 20 } });
    registerTestJobTypes(worker.jobs);
  });
  after(async () => {
    await worker.jobs.stop();
    worker.close();
    d.remove();
  });

  async function cli(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['--data-dir', d.dir, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('list, show and cancel a queued job; bad ids and states are clear errors', async () => {
    assert.match((await cli('jobs', 'list')).out, /No jobs/);
    const job = worker.jobs.enqueue('test.sleep', { ms: 1000 });
    const list = await cli('jobs', 'list', '--status', 'queued');
    assert.equal(list.code, 0);
    assert.match(list.out, new RegExp(`${job.id}\\ttest\\.sleep\\tqueued`));
    const json = JSON.parse((await cli('jobs', 'list', '--json')).out) as { jobs: { id: string }[] };
    assert.equal(json.jobs[0]?.id, job.id);
    assert.match((await cli('jobs', 'show', job.id)).out, /queued[\s\S]*attempts {2}0\/3/);
    const canceled = await cli('jobs', 'cancel', job.id);
    assert.equal(canceled.code, 0, canceled.err);
    assert.match(canceled.out, /Canceled/);
    assert.equal(JSON.parse((await cli('jobs', 'show', job.id, '--json')).out).status, 'canceled');
    assert.equal((await cli('jobs', 'list', '--status', 'paused')).code, 2);
    const bad = await cli('jobs', 'show', 'job_nope');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /not a job id/);
    assert.match((await cli('jobs', 'show', 'job_' + '0'.repeat(24))).err, /no job/);
  });

  it('watch follows a running job to its end; cancel stops a job the server runs', async () => {
    worker.jobs.start();
    const job = worker.jobs.enqueue('test.sleep', { ms: 400 });
    const w = await cli('jobs', 'watch', job.id);
    assert.equal(w.code, 0, w.err);
    assert.match(w.err, /sleeping/);
    assert.match(w.out, /succeeded: \{"slept_ms":\d+\}/);
    assert.equal((await cli('jobs', 'cancel', job.id)).code, 1, 'a finished job cannot be canceled');

    const long = worker.jobs.enqueue('test.sleep', { ms: 60_000 });
    while (worker.jobs.get(long.id)?.status !== 'running') await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    const c = await cli('jobs', 'cancel', long.id);
    assert.equal(c.code, 0, c.err);
    assert.match(c.out, /Canceled/);
    assert.ok(Date.now() - t0 < 2_000);
    const watched = await cli('jobs', 'watch', long.id);
    assert.equal(watched.code, 1);
    assert.match(watched.err, /was canceled/);
  });

  it('webhook-secret prints the key signatures verify with', async () => {
    const r = await cli('jobs', 'webhook-secret');
    assert.match(r.out, /^[0-9a-f]{64}$/);
    const header = signWebhook(r.out, '{}', Math.floor(Date.now() / 1000));
    assert.equal(verifyWebhook(r.out, '{}', header), true);
  });
});
