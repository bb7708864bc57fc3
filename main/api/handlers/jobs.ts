import { PassThrough } from 'node:stream';
import { AppError } from '../../common/errors.js';
import type { JobId } from '../../common/ids.js';
import type { JobRow } from '../../db/repos/jobs.js';
import { finalEventType, type JobEvent } from '../../jobs/events.js';
import type { JobQueue } from '../../jobs/queue.js';
import { jobView } from '../../jobs/view.js';
import type { Principal } from '../principal.js';
import type { Handlers } from '../routes.js';

const HEARTBEAT_MS = 15_000;
/** The stream also re-reads the row this often: a job changed by another process (CLI cancel). */
const RECHECK_MS = 1_000;

const seesAll = (p: Principal | null) => p?.kind !== 'signed' && p?.plan === 'admin';

/** A key reaches only its own jobs; admin keys and the desktop reach all. Others get a 404. */
function ownJob(queue: JobQueue, id: string, principal: Principal | null): JobRow {
  const row = queue.get(id as JobId);
  if (row && (seesAll(principal) || (principal?.kind === 'api_key' && principal.keyId === row.ownerKeyId))) return row;
  throw new AppError('not_found', `job ${id} does not exist`);
}

const sse = (type: JobEvent['type'], row: JobRow) => `event: ${type}\ndata: ${JSON.stringify(jobView(row))}\n\n`;

export function jobHandlers(queue: JobQueue): Pick<Handlers, 'listJobs' | 'getJob' | 'cancelJob' | 'jobEvents'> {
  return {
    listJobs({ query, principal }) {
      const owner = seesAll(principal) ? undefined : principal?.keyId;
      if (!seesAll(principal) && !owner) return { jobs: [] };
      return { jobs: queue.list({ status: query.status, owner: owner ?? undefined, limit: query.limit }).map(jobView) };
    },
    getJob({ params, principal }) {
      return jobView(ownJob(queue, params.id, principal));
    },
    async cancelJob({ params, principal }) {
      const before = ownJob(queue, params.id, principal);
      if (before.status === 'succeeded' || before.status === 'failed')
        throw new AppError('conflict', `job ${before.id} has already ${before.status}`);
      const after = await queue.cancel(before.id);
      if (!after) throw new AppError('not_found', `job ${params.id} does not exist`);
      if (after.status === 'succeeded' || after.status === 'failed')
        throw new AppError('conflict', `job ${after.id} ${after.status} before it could be canceled`);
      return jobView(after);
    },
    jobEvents({ params, principal }) {
      const first = ownJob(queue, params.id, principal); // 404 before the stream starts
      const stream = new PassThrough();
      let ended = false;
      let last = '';
      const send = (type: JobEvent['type'], row: JobRow) => {
        if (ended) return;
        const text = sse(type, row);
        if (type === 'progress' && text === last) return; // nothing new
        last = text;
        stream.write(text);
        if (type === 'progress') return;
        ended = true;
        stream.end();
      };
      const sendRow = (row: JobRow) => send(finalEventType(row.status) ?? 'progress', row);
      stream.write(': job events\n\n'); // flushes the headers at once
      const unsubscribe = queue.events.subscribe(first.id, (e) => send(e.type, e.job));
      const timers = [
        setInterval(() => ended || stream.write(': keep-alive\n\n'), HEARTBEAT_MS).unref(),
        setInterval(() => {
          const row = queue.get(first.id);
          if (row) sendRow(row);
          else send('failed', { ...first, status: 'failed', error: { code: 'gone', message: 'the job was deleted' } });
        }, RECHECK_MS).unref(),
      ];
      const stop = () => {
        ended = true;
        for (const t of timers) clearInterval(t);
        unsubscribe();
      };
      sendRow(first);
      // Ends after the final event, or when the client goes away (Koa destroys the body stream).
      if (ended) stop();
      else stream.on('close', stop);
      return {
        raw: true,
        contentType: 'text/event-stream',
        body: stream,
        headers: { 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
      };
    },
  };
}
