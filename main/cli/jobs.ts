import { InvalidArgumentError, Option, type Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { isJobId, type JobId } from '../common/ids.js';
import type { Core } from '../core/core.js';
import { JOB_STATUSES, type JobRow, type JobStatus } from '../db/repos/jobs.js';
import { jobView } from '../jobs/view.js';
import { webhookSigningKey } from '../jobs/webhooks.js';
import { CliError } from './errors.js';
import type { ProgressSink } from './models.js';

export interface JobCliDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  progress?: ProgressSink | undefined;
  withCore: <T>(fn: (core: Core) => T | Promise<T>) => Promise<T>;
  /** How often `jobs watch` re-reads the job (default 250 ms). */
  watchIntervalMs?: number;
}

function parseStatus(value: string): JobStatus {
  if (!(JOB_STATUSES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${JOB_STATUSES.join(', ')}`);
  return value as JobStatus;
}

function jobIdOf(id: string): JobId {
  if (!isJobId(id))
    throw new CliError(`"${id}" is not a job id (job_ followed by 24 hex digits); see: spatialforge jobs list`);
  return id;
}

function found(core: Core, id: JobId): JobRow {
  const row = core.jobs.get(id);
  if (!row) throw new CliError(`no job ${id}`);
  return row;
}

const pct = (f: number) => `${Math.floor(f * 100)}%`;

/** `42% [##########..............] stage — message` (the bar only when `bar`). */
export function jobProgressText(row: JobRow, bar: boolean): string {
  const what = [row.stage ?? row.status, row.message].filter(Boolean).join(' — ');
  if (!bar) return `${pct(row.progress).padStart(4)}  ${what}`;
  const width = 24;
  const filled = Math.round(row.progress * width);
  return `${pct(row.progress).padStart(4)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${what}`;
}

function ended(row: JobRow): boolean {
  return row.status === 'succeeded' || row.status === 'failed' || row.status === 'canceled';
}

/**
 * `spatialforge jobs …`. Every command works on the data folder's database directly, whether or
 * not a server runs: `watch` re-reads the job a few times a second (the server writes progress at
 * most every 250 ms), so it needs neither the server's URL nor a key.
 */
export function registerJobCommands(program: Command, deps: JobCliDeps): void {
  const { out, err, withCore } = deps;
  const jobs = program.command('jobs').description('list, inspect, cancel and watch background jobs');

  jobs
    .command('list')
    .description('jobs, newest first')
    .addOption(
      new Option('--status <status>', `only jobs in this state (${JOB_STATUSES.join(', ')})`).argParser(parseStatus),
    )
    .option('--limit <n>', 'at most this many', (v) => {
      if (!/^\d{1,4}$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a number, 1–9999');
      return Number(v);
    })
    .option('--json', 'print JSON')
    .action(async (opts: { status?: JobStatus; limit?: number; json?: boolean }) => {
      await withCore((core) => {
        const rows = core.jobs.list({ status: opts.status, limit: opts.limit ?? 50 });
        if (opts.json) return out(JSON.stringify({ jobs: rows.map(jobView) }));
        if (!rows.length) return out(opts.status ? `No ${opts.status} jobs.` : 'No jobs.');
        out(['ID', 'TYPE', 'STATUS', 'PROGRESS', 'CREATED', 'STAGE'].join('\t'));
        for (const r of rows)
          out([r.id, r.type, r.status, pct(r.progress), new Date(r.createdAt).toISOString(), r.stage ?? ''].join('\t'));
      });
    });

  jobs
    .command('show')
    .description('one job: state, progress, attempts, result or error')
    .argument('<id>', 'job id')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const jobId = jobIdOf(id);
      await withCore((core) => {
        const v = jobView(found(core, jobId));
        if (opts.json) return out(JSON.stringify(v, null, 2));
        out(
          `${v.id}  ${v.type}  ${v.status}${v.cancel_requested && v.status === 'running' ? ' (cancel requested)' : ''}`,
        );
        out(`progress  ${pct(v.progress)}${v.stage ? `  ${v.stage}` : ''}${v.message ? ` — ${v.message}` : ''}`);
        out(`attempts  ${v.attempts}/${v.max_attempts}`);
        out(`created   ${v.created_at}`);
        if (v.started_at) out(`started   ${v.started_at}`);
        if (v.finished_at) out(`finished  ${v.finished_at}`);
        if (v.next_run_at && v.attempts > 0) out(`retry at  ${v.next_run_at}`);
        if (v.expires_at) out(`expires   ${v.expires_at}`);
        if (v.error) out(`error     ${v.error.code}: ${v.error.message}`);
        if (v.status === 'succeeded') out(`result    ${JSON.stringify(v.result)}`);
      });
    });

  jobs
    .command('cancel')
    .description('cancel a queued or running job (a running one stops within a second or two)')
    .argument('<id>', 'job id')
    .action(async (id: string) => {
      const jobId = jobIdOf(id);
      await withCore(async (core) => {
        const before = found(core, jobId);
        if (before.status === 'succeeded' || before.status === 'failed')
          throw new CliError(`job ${jobId} has already ${before.status}`);
        let row = (await core.jobs.cancel(jobId)) ?? before;
        // A running job is stopped by the server that runs it; wait a little to say so.
        for (let i = 0; i < 20 && row.status === 'running'; i++) {
          await sleep(150);
          row = found(core, jobId);
        }
        if (row.status === 'canceled') out(`Canceled ${jobId}.`);
        else if (row.status === 'running')
          out(`Cancel requested for ${jobId}; the server running it stops it (is it still running?).`);
        else throw new CliError(`job ${jobId} ${row.status} before it could be canceled`);
      });
    });

  jobs
    .command('watch')
    .description('follow a job with a progress bar until it ends; exits 1 if it fails or is canceled')
    .argument('<id>', 'job id')
    .action(async (id: string) => {
      const jobId = jobIdOf(id);
      await withCore(async (core) => {
        const sink = deps.progress;
        const tty = Boolean(sink?.isTTY);
        let last = '';
        let drew = false;
        const stopped = new AbortController();
        const onSigint = () => stopped.abort();
        process.once('SIGINT', onSigint);
        try {
          let row = found(core, jobId);
          for (;;) {
            const text = jobProgressText(row, tty);
            if (text !== last) {
              last = text;
              if (tty && sink) {
                sink.write(`\r${text}\x1b[K`);
                drew = true;
              } else err(`${jobId}: ${text}`);
            }
            if (ended(row)) break;
            try {
              await sleep(deps.watchIntervalMs ?? 250, undefined, { signal: stopped.signal });
            } catch {
              if (drew) sink?.write('\n');
              throw new CliError(
                `stopped watching; ${jobId} goes on (cancel it with: spatialforge jobs cancel ${jobId})`,
                130,
              );
            }
            row = found(core, jobId);
          }
          if (drew) sink?.write('\n');
          if (row.status === 'succeeded') return out(`${jobId} succeeded: ${JSON.stringify(row.result)}`);
          if (row.status === 'canceled') throw new CliError(`${jobId} was canceled`);
          throw new CliError(`${jobId} failed: ${row.error?.code ?? 'error'}: ${row.error?.message ?? ''}`);
        } finally {
          process.off('SIGINT', onSigint);
        }
      });
    });

  jobs
    .command('webhook-secret')
    .description('print the key that webhook signatures (X-SpatialForge-Signature) are made with')
    .action(async () => {
      await withCore((core) => out(webhookSigningKey(core.secret)));
    });
}
