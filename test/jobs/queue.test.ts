import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import { AppError } from '../../main/common/errors.js';
import type { JobId } from '../../main/common/ids.js';
import { openCore, type Core } from '../../main/core/core.js';
import type { JobRow } from '../../main/db/repos/jobs.js';
import { JobAbort, TransientError, type JobContext } from '../../main/jobs/index.js';
import { tmpDataDir } from '../helpers/server.js';

const FAST = {
  pollIntervalMs: 50,
  retryBaseMs: 150,
  retryMaxMs: 1_000,
  progressIntervalMs: 20,
  shutdownGraceMs: 1_000,
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function core(dir?: string): Core & { dir: string } {
  const d = dir ? { dir, remove: () => undefined } : tmpDataDir('sf-jobs-');
  const c = openCore({ dataDir: d.dir, jobs: FAST });
  cleanups.push(
    () => d.remove(),
    () => c.jobs.stop().then(() => c.close()),
  );
  return Object.assign(c, { dir: d.dir });
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const ended = (c: Core, id: JobId) => {
  const r = c.jobs.get(id);
  return r && ['succeeded', 'failed', 'canceled'].includes(r.status) ? r : undefined;
};

describe('JobQueue', () => {
  test('a job goes queued → running → succeeded, with its progress, result and TTL stored', async () => {
    const c = core();
    const seen: string[] = [];
    c.jobs.registerJobType<{ n: number }, { doubled: number }>('t.double', {
      async run(ctx) {
        ctx.progress('half', 0.5, 'halfway');
        await sleep(60);
        assert.ok(fs.statSync(ctx.tmpDir).isDirectory());
        return { doubled: ctx.input.n * 2 };
      },
    });
    const job = c.jobs.enqueue('t.double', { n: 21 });
    assert.equal(job.status, 'queued');
    assert.match(job.id, /^job_[0-9a-f]{24}$/);
    c.jobs.events.subscribe(job.id, (e) => seen.push(`${e.type}:${e.job.status}:${e.job.stage ?? ''}`));
    c.jobs.start();
    const done = await until('success', () => ended(c, job.id));
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(done.result, { doubled: 42 });
    assert.equal(done.progress, 1);
    assert.equal(done.attempts, 1);
    assert.equal(done.leaseOwner, null);
    assert.ok(done.expiresAt !== null && done.expiresAt > Date.now() + 3600_000);
    assert.deepEqual(seen, ['progress:running:', 'progress:running:half', 'done:succeeded:half']);
    assert.equal(fs.existsSync(path.join(c.dir, 'tmp', 'jobs', job.id)), false, 'temp folder removed');
    assert.throws(
      () => c.jobs.enqueue('t.nope', {}),
      (e: AppError) => e.code === 'bad_request',
    );
  });

  test('leasing is atomic: two workers on one database never take the same job', async () => {
    const a = core();
    const b = openCore({ dataDir: a.dir, jobs: FAST });
    cleanups.push(() => b.jobs.stop().then(() => b.close()));
    const ran: string[] = [];
    for (const c of [a, b])
      c.jobs.registerJobType('t.mark', {
        concurrency: 4,
        async run(ctx) {
          ran.push(ctx.id);
          await sleep(5);
        },
      });
    const ids = Array.from({ length: 30 }, () => a.jobs.enqueue('t.mark', null).id);
    a.jobs.start();
    b.jobs.start();
    await until('all done', () => ids.every((id) => ended(a, id)), 10_000);
    assert.equal(ran.length, 30);
    assert.equal(new Set(ran).size, 30, 'each job ran exactly once');
  });

  test('a transient failure is retried with growing backoff; the error shows while it waits', async () => {
    const c = core();
    const starts: number[] = [];
    c.jobs.registerJobType('t.flaky', {
      maxAttempts: 4,
      run() {
        starts.push(Date.now());
        if (starts.length < 3) throw new TransientError(`flake ${starts.length}`);
        return 'ok';
      },
    });
    const job = c.jobs.enqueue('t.flaky', null);
    c.jobs.start();
    const waiting = await until('retry wait', () => {
      const r = c.jobs.get(job.id);
      return r?.status === 'queued' && r.attempts === 1 ? r : undefined;
    });
    assert.deepEqual(waiting.error, { code: 'transient', message: 'flake 1', transient: true });
    assert.ok(waiting.nextRunAt > Date.now() - 50);
    const done = await until('success', () => ended(c, job.id));
    assert.equal(done.status, 'succeeded');
    assert.equal(done.attempts, 3);
    const gap1 = starts[1]! - starts[0]!;
    const gap2 = starts[2]! - starts[1]!;
    // 150 ms then 300 ms, ±20 % jitter
    assert.ok(gap1 >= 150 * 0.8 - 5, `first retry after ${gap1} ms`);
    assert.ok(gap2 >= 300 * 0.8 - 5, `second retry after ${gap2} ms`);
  });

  test('a transient failure on the last attempt fails the job', async () => {
    const c = core();
    let n = 0;
    c.jobs.registerJobType('t.down', {
      maxAttempts: 2,
      run() {
        n++;
        throw new AppError('unavailable', 'GPU busy');
      },
    });
    const job = c.jobs.enqueue('t.down', null);
    c.jobs.start();
    const done = await until('failure', () => ended(c, job.id));
    assert.equal(done.status, 'failed');
    assert.equal(n, 2);
    assert.deepEqual(done.error, { code: 'unavailable', message: 'GPU busy', transient: true });
  });

  test('bad input (a 4xx AppError) and bugs are not retried', async () => {
    const c = core();
    let n = 0;
    c.jobs.registerJobType<{ bug: boolean }, never>('t.bad', {
      run(ctx) {
        n++;
        if (ctx.input.bug) throw new TypeError('x is undefined');
        throw new AppError('bad_request', 'video has no usable frames');
      },
    });
    const bad = c.jobs.enqueue('t.bad', { bug: false });
    const bug = c.jobs.enqueue('t.bad', { bug: true });
    c.jobs.start();
    const a = await until('failure', () => ended(c, bad.id));
    const b = await until('failure', () => ended(c, bug.id));
    assert.equal(n, 2);
    assert.equal(a.status, 'failed');
    assert.equal(a.attempts, 1);
    assert.deepEqual(a.error, { code: 'bad_request', message: 'video has no usable frames', transient: false });
    assert.equal(b.error?.code, 'internal_error');
    assert.equal(b.attempts, 1);
  });

  test('concurrency per type: never more than the limit run at once, other types are not held up', async () => {
    const c = core();
    let now = 0;
    let peak = 0;
    c.jobs.registerJobType('t.heavy', {
      concurrency: 2,
      async run() {
        peak = Math.max(peak, ++now);
        await sleep(80);
        now--;
      },
    });
    let lightDoneAt = 0;
    c.jobs.registerJobType('t.light', {
      run() {
        lightDoneAt = Date.now();
      },
    });
    const heavy = Array.from({ length: 6 }, () => c.jobs.enqueue('t.heavy', null).id);
    const light = c.jobs.enqueue('t.light', null).id;
    const t0 = Date.now();
    c.jobs.start();
    await until('heavy done', () => heavy.every((id) => ended(c, id)), 10_000);
    await until('light done', () => ended(c, light));
    assert.equal(peak, 2);
    assert.ok(lightDoneAt - t0 < 200, 'the light job ran beside the heavy ones');
    assert.ok(Date.now() - t0 >= 3 * 80, 'six heavy jobs took at least three rounds');
  });

  test('cancel stops a running job within 2 s: its signal aborts, its temp folder goes', async () => {
    const c = core();
    let ctxSeen: JobContext | undefined;
    let handlerReturnedAt = 0;
    c.jobs.registerJobType('t.long', {
      async run(ctx) {
        ctxSeen = ctx;
        fs.writeFileSync(path.join(ctx.tmpDir, 'partial.bin'), Buffer.alloc(1024));
        try {
          await sleep(60_000, undefined, { signal: ctx.signal });
        } finally {
          handlerReturnedAt = Date.now();
        }
      },
    });
    const job = c.jobs.enqueue('t.long', null);
    c.jobs.start();
    await until('running', () => ctxSeen);
    const tmp = ctxSeen!.tmpDir;
    assert.ok(fs.existsSync(path.join(tmp, 'partial.bin')));
    const t0 = Date.now();
    const after = await c.jobs.cancel(job.id);
    assert.equal(after?.status, 'canceled');
    assert.equal(ctxSeen!.signal.aborted, true);
    assert.ok(ctxSeen!.signal.reason instanceof JobAbort && ctxSeen!.signal.reason.kind === 'cancel');
    await until('temp folder removed', () => !fs.existsSync(tmp));
    assert.ok(handlerReturnedAt - t0 < 2_000, `handler returned ${handlerReturnedAt - t0} ms after cancel`);
    assert.ok(Date.now() - t0 < 2_000);
  });

  test('cancel from another process (the CLI) reaches the worker within its poll interval', async () => {
    const c = core();
    let signal: AbortSignal | undefined;
    c.jobs.registerJobType('t.long', {
      async run(ctx) {
        signal = ctx.signal;
        await sleep(60_000, undefined, { signal: ctx.signal });
      },
    });
    const job = c.jobs.enqueue('t.long', null);
    c.jobs.start();
    await until('running', () => signal);
    const cli = openCore({ dataDir: c.dir });
    cleanups.push(() => cli.close());
    const t0 = Date.now();
    const flagged = await cli.jobs.cancel(job.id);
    assert.equal(flagged?.status, 'running');
    assert.equal(flagged?.cancelRequested, true);
    const done = await until('canceled', () => ended(c, job.id), 2_000);
    assert.equal(done.status, 'canceled');
    assert.ok(Date.now() - t0 < 2_000);
  });

  test('a queued job is canceled at once; an ended job is left as it is', async () => {
    const c = core();
    c.jobs.registerJobType('t.x', { run: () => 1 });
    const job = c.jobs.enqueue('t.x', null);
    const r = await c.jobs.cancel(job.id);
    assert.equal(r?.status, 'canceled');
    assert.ok(r?.finishedAt);
    c.jobs.start();
    await sleep(150);
    assert.equal(c.jobs.get(job.id)?.status, 'canceled', 'never run');
    assert.equal(c.jobs.get(job.id)?.attempts, 0);
    const other = c.jobs.enqueue('t.x', null);
    await until('success', () => ended(c, other.id));
    assert.equal((await c.jobs.cancel(other.id))?.status, 'succeeded');
  });

  test('a job whose worker died is leased again when its lease expires; a lost lease cannot end it', async () => {
    const c = core();
    const runs: number[] = [];
    c.jobs.registerJobType('t.once', {
      leaseMs: 300,
      run(ctx) {
        runs.push(ctx.attempt);
        return ctx.attempt;
      },
    });
    const job = c.jobs.enqueue('t.once', null);
    // A "dead worker" leases it straight from the database and never renews.
    const repo = (await import('../../main/db/repos/jobs.js')).createJobRepo(c.db);
    const [leased] = repo.lease('t.once', 'dead-worker', Date.now(), 300, 1, 1);
    assert.equal(leased?.id, job.id);
    c.jobs.start();
    await sleep(150);
    assert.deepEqual(runs, [], 'not taken while the lease holds');
    const done = await until('success', () => ended(c, job.id));
    assert.deepEqual(runs, [2]);
    assert.equal(done.result, 2);
    // The dead worker wakes up: its writes are fenced off.
    assert.equal(repo.finish(job.id, 'dead-worker', { status: 'failed' }, Date.now(), 1000), undefined);
    assert.equal(repo.renew(job.id, 'dead-worker', Date.now() + 1000).lost, true);
    assert.equal(c.jobs.get(job.id)?.status, 'succeeded');
  });

  test('a job whose worker died on its last attempt fails with lease_expired', async () => {
    const c = core();
    c.jobs.registerJobType('t.poison', { maxAttempts: 1, leaseMs: 100, run: () => 1 });
    const job = c.jobs.enqueue('t.poison', null);
    const repo = (await import('../../main/db/repos/jobs.js')).createJobRepo(c.db);
    repo.lease('t.poison', 'dead-worker', Date.now(), 100, 1, 1);
    c.jobs.start();
    const done = await until('failure', () => ended(c, job.id));
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'lease_expired');
  });

  test('stop() aborts running jobs and gives them back to the queue without counting the attempt', async () => {
    const c = core();
    let started = 0;
    c.jobs.registerJobType('t.slow', {
      async run(ctx) {
        started++;
        await sleep(60_000, undefined, { signal: ctx.signal });
      },
    });
    const job = c.jobs.enqueue('t.slow', null);
    c.jobs.start();
    await until('running', () => started === 1);
    await c.jobs.stop();
    const back = c.jobs.get(job.id) as JobRow;
    assert.equal(back.status, 'queued');
    assert.equal(back.attempts, 0);
    assert.equal(back.leaseOwner, null);
  });

  test('progress writes are throttled; the last one and every stage change get through', async () => {
    const c = core();
    const events: { stage: string | null; progress: number }[] = [];
    c.jobs.registerJobType('t.chatty', {
      async run(ctx) {
        for (let i = 1; i <= 1000; i++) ctx.progress('a', i / 2000);
        ctx.progress('b', 0.6);
        await sleep(60);
        ctx.progress('b', 0.9, 'nearly');
        await sleep(60);
      },
    });
    const job = c.jobs.enqueue('t.chatty', null);
    c.jobs.events.subscribe(job.id, (e) => events.push({ stage: e.job.stage, progress: e.job.progress }));
    c.jobs.start();
    await until('done', () => ended(c, job.id));
    const progress = events.slice(0, -1);
    assert.ok(progress.length < 10, `${progress.length} progress events for 1002 calls`);
    assert.deepEqual(progress.at(-1), { stage: 'b', progress: 0.9 });
    assert.ok(progress.some((e) => e.stage === 'a'));
  });

  test('ended jobs past their TTL are removed by the clean-up', async () => {
    const d = tmpDataDir('sf-jobs-');
    let clock = Date.now();
    const c = openCore({ dataDir: d.dir, now: () => clock, jobs: { ...FAST, ttlMs: 1_000, cleanupIntervalMs: 0 } });
    cleanups.push(
      () => d.remove(),
      () => c.jobs.stop().then(() => c.close()),
    );
    c.jobs.registerJobType('t.x', { run: () => 1 });
    const job = c.jobs.enqueue('t.x', null);
    await c.jobs.cancel(job.id);
    const live = c.jobs.enqueue('t.x', null);
    assert.equal(c.jobs.cleanup(), 0);
    clock += 1_001;
    assert.equal(c.jobs.cleanup(), 1);
    assert.equal(c.jobs.get(job.id), undefined);
    assert.equal(c.jobs.get(live.id)?.status, 'queued', 'a queued job never expires');
  });
});
