import type { JobView } from '../../../main/common/api/jobsContract.js';
import { api, streamEvents } from './connection.js';

/**
 * Event streams held open at once. A browser allows about six HTTP/1.1 connections per origin;
 * each stream holds one for as long as it runs, so past this many the rest poll instead and the
 * UI's ordinary requests never queue behind them.
 */
export const MAX_STREAMS = 3;
const POLL_MS = 1000;

let openStreams = 0;

/** Takes a stream slot: returns the function that gives it back, or null when all are taken. */
export function tryStreamSlot(): (() => void) | null {
  if (openStreams >= MAX_STREAMS) return null;
  openStreams++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    openStreams--;
  };
}

export const isFinal = (job: Pick<JobView, 'status'>) =>
  job.status === 'succeeded' || job.status === 'failed' || job.status === 'canceled';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Follows a job until it ends or `signal` aborts, calling `onJob` with each new state: through its
 * Server-Sent Events stream (GET /v1/jobs/{id}/events) while a stream slot is free, else by polling
 * GET /v1/jobs/{id} once a second. A stream that breaks off before the final event falls back to
 * polling. Rejects with the API's error when the job cannot be read (e.g. 404).
 */
export async function followJob(id: string, onJob: (job: JobView) => void, signal: AbortSignal): Promise<void> {
  let last: JobView | null = null;
  const take = (job: JobView) => {
    last = job;
    onJob(job);
  };
  while (!signal.aborted && !(last && isFinal(last))) {
    const release = tryStreamSlot();
    if (release) {
      try {
        await streamEvents('jobEvents', { id }, (e) => take(JSON.parse(e.data) as JobView), signal);
      } catch (err) {
        if (!last) throw err; // refused at the start: say why
      } finally {
        release();
      }
      if (signal.aborted || (last && isFinal(last))) return;
    }
    // No slot, or the stream broke off: read it once, then wait a moment before trying again.
    take(await api().call('getJob', { params: { id }, signal }));
    if (!isFinal(last!)) await sleep(POLL_MS, signal);
  }
}
