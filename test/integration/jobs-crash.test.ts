import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { openCore } from '../../main/core/core.js';
import { createJobRepo } from '../../main/db/repos/jobs.js';
import { verifyWebhook, webhookSigningKey } from '../../main/jobs/webhooks.js';
import { registerTestJobTypes, TEST_JOBS_ENV } from '../../main/jobs/testJobs.js';
import type { JobId } from '../../main/common/ids.js';
import { SHARED_DATA } from '../helpers/rgbd.js';
import { hasFfmpeg, roomWalkVideo } from '../helpers/roomVideo.js';
import { tmpDataDir } from '../helpers/server.js';

/**
 * Starts `spatialforge serve` from the sources (so the test needs no fresh build) with the test
 * job types on, and resolves with its URL once it listens.
 */
function serve(dataDir: string, env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'main/cli-entry.ts', '--data-dir', dataDir, 'serve', '--port', '0', '--log-level', 'silent'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_ENV: 'test', [TEST_JOBS_ENV]: '1', ...env } },
  );
  const url = new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  return { child, url, exited };
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('kill -9 mid-job: after a restart the job is leased again once its lease expires and finishes exactly once', async () => {
  const d = tmpDataDir('sf-jobs-crash-');
  const hooks: { body: string; sig: string }[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push({ body, sig: String(req.headers['x-spatialforge-signature']) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const core = openCore({ dataDir: d.dir });
  try {
    if (!core.jobs.types.includes('test.sleep')) registerTestJobTypes(core.jobs);
    const log = path.join(d.dir, 'job.log');
    const job = core.jobs.enqueue('test.sleep', { ms: 2_500, log_file: log }, { webhookUrl: hookUrl });
    const lines = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);

    const first = serve(d.dir);
    await first.url;
    await until('the job to start', () => lines().length === 1, 20_000);
    await until('some progress', () => (core.jobs.get(job.id)?.progress ?? 0) > 0.1, 5_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const orphan = core.jobs.get(job.id)!;
    assert.equal(orphan.status, 'running', 'the dead server still holds the lease');
    assert.equal(orphan.attempts, 1);
    assert.ok(orphan.leaseExpiresAt !== null);
    assert.deepEqual(
      lines().map((l) => l.split(' ')[0]),
      ['start'],
    );

    const second = serve(d.dir);
    try {
      await second.url;
      const done = await until(
        'the job to finish',
        () => {
          const r = core.jobs.get(job.id);
          return r?.status === 'succeeded' ? r : undefined;
        },
        30_000,
      );
      const entries = lines().map((l) => l.split(' '));
      assert.deepEqual(
        entries.map((e) => `${e[0]} ${e[1]}`),
        ['start 1', 'start 2', 'end 2'],
        'run twice (the killed attempt, then one more), finished once',
      );
      assert.ok(Number(entries[1]![3]) >= orphan.leaseExpiresAt!, 're-leased only after the old lease expired');
      assert.equal(done.attempts, 2);
      assert.ok((done.result as { slept_ms: number }).slept_ms >= 2_500);

      // One ending, so one webhook delivery: written once, delivered once, signed.
      const outbox = createJobRepo(core.db).outbox.ofJob(job.id);
      assert.equal(outbox.length, 1);
      await until('the webhook', () => hooks.length === 1, 10_000);
      await sleep(300);
      assert.equal(hooks.length, 1);
      assert.equal(verifyWebhook(webhookSigningKey(core.secret), hooks[0]!.body, hooks[0]!.sig), true);
      assert.equal((JSON.parse(hooks[0]!.body) as { job: { id: string } }).job.id, job.id);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  } finally {
    core.close();
    await new Promise((r) => receiver.close(r));
    d.remove();
  }
});

const PYDNET = path.join(SHARED_DATA, 'depth-model-pydnet', 'pydnet_pp_448x640.onnx');

test(
  'kill -9 mid-reconstruction: the stored upload survives, the job is re-leased after a restart and succeeds once',
  {
    skip: !hasFfmpeg() ? 'ffmpeg is not installed' : !fs.existsSync(PYDNET) ? `no real depth model (${PYDNET})` : false,
  },
  async () => {
    const d = tmpDataDir('sf-recon-crash-');
    const { file } = await roomWalkVideo(d.dir, {
      count: 24,
      turnRad: 1.2,
      width: 320,
      height: 240,
      focalPx: 260,
      fps: 2,
    });
    const core = openCore({ dataDir: d.dir, researchMode: true });
    try {
      await core.models.import(PYDNET, 'pydnet-pp-448x640-local');
      const first = serve(d.dir, { SPATIALFORGE_RESEARCH_MODE: '1' });
      const url = await first.url;
      const key = core.keys.create('crash', 'admin').key;
      const form = new FormData();
      form.append('video', new Blob([fs.readFileSync(file)]), 'walk.mp4');
      form.append('preset', 'draft');
      form.append('focal_px', '260');
      const res = await fetch(`${url}/v1/reconstruct`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
      assert.equal(res.status, 202);
      const id = ((await res.json()) as { id: JobId }).id;
      await until('the job to be working', () => core.jobs.get(id)?.stage, 30_000);
      await sleep(1_000);
      first.child.kill('SIGKILL');
      await first.exited;
      const orphan = core.jobs.get(id)!;
      assert.equal(orphan.status, 'running', 'the dead server still holds the lease');
      const inputs = path.join(d.dir, 'job-inputs');
      assert.equal(fs.readdirSync(inputs).length, 1, 'the upload is still stored');

      const second = serve(d.dir, { SPATIALFORGE_RESEARCH_MODE: '1' });
      try {
        await second.url;
        const done = await until(
          'the job to end',
          () => {
            const r = core.jobs.get(id);
            return r && ['succeeded', 'failed', 'canceled'].includes(r.status) ? r : undefined;
          },
          180_000,
        );
        assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
        assert.equal(done.attempts, 2);
        const result = done.result as { points: number; artifacts: Record<string, { id: string }> };
        assert.ok(result.points > 1000, `${result.points} points`);
        assert.equal(Object.keys(result.artifacts).length, 5);
        assert.deepEqual(fs.readdirSync(inputs), [], 'the upload is removed once the job has ended');
        assert.equal(core.jobs.list({ limit: 10 }).length, 1, 'one job, not a duplicate');
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      core.close();
      d.remove();
    }
  },
);
