import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../common/errors.js';
import type { JobQueue } from './queue.js';

/** Set (with NODE_ENV=test) to register the test job types in every core: the process tests use it. */
export const TEST_JOBS_ENV = 'SPATIALFORGE_TEST_JOBS';

export function testJobsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV === 'test' && env[TEST_JOBS_ENV] === '1';
}

interface SleepInput {
  ms: number;
  /** A file the job appends `start|end <attempt> <pid> <unix ms>` lines to. */
  log_file: string | null;
}

/**
 * `test.sleep`: waits `ms` in 50 ms steps, reporting progress, honouring its signal. Registered
 * only by tests (directly, or through `SPATIALFORGE_TEST_JOBS=1` under `NODE_ENV=test` for a server
 * process); it is not a product feature. A short lease (1.5 s) keeps the kill -9 test quick.
 */
export function registerTestJobTypes(queue: JobQueue): void {
  queue.registerJobType<SleepInput, { slept_ms: number }>('test.sleep', {
    concurrency: 2,
    leaseMs: 1_500,
    parseInput(raw) {
      const r = (raw ?? {}) as Partial<SleepInput>;
      if (typeof r.ms !== 'number' || !(r.ms >= 0 && r.ms <= 600_000))
        throw new AppError('bad_request', 'ms must be 0–600000');
      return { ms: r.ms, log_file: typeof r.log_file === 'string' ? r.log_file : null };
    },
    async run(ctx) {
      const { ms, log_file } = ctx.input;
      if (log_file) fs.appendFileSync(log_file, `start ${ctx.attempt} ${process.pid} ${Date.now()}\n`);
      const t0 = Date.now();
      for (let waited = 0; waited < ms; waited = Date.now() - t0) {
        ctx.progress('sleeping', waited / ms, `${waited} of ${ms} ms`);
        await sleep(Math.min(50, ms - waited), undefined, { signal: ctx.signal });
      }
      if (log_file) fs.appendFileSync(log_file, `end ${ctx.attempt} ${process.pid} ${Date.now()}\n`);
      return { slept_ms: Date.now() - t0 };
    },
  });
}
