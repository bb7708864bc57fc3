import { isAppError } from '../common/errors.js';
import type { JobErrorInfo } from '../db/repos/jobs.js';

/**
 * A failure worth another attempt (a network hiccup, a busy GPU, a full temp disk that clean-up may
 * free). The queue retries it with exponential backoff; every other error ends the job.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** System error codes that say "try again later", not "this input is bad". */
const TRANSIENT_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EPIPE',
  'EBUSY',
  'EAGAIN',
  'EMFILE',
  'ENFILE',
  'ENOSPC',
]);

/**
 * What a failed attempt stores and whether it is retried:
 * - `TransientError`, an `AppError` `unavailable`/`timeout`, or a transient system error: retried;
 * - any other `AppError` (bad input, 4xx): not retried; its code and message are kept;
 * - anything else is a bug: not retried (it would fail the same way), stored as `internal_error`
 *   with its message (the job's owner runs this program locally; no stack is stored).
 */
export function describeJobError(err: unknown): JobErrorInfo {
  if (err instanceof TransientError) return { code: 'transient', message: err.message, transient: true };
  if (isAppError(err)) {
    const transient = err.code === 'unavailable' || err.code === 'timeout';
    return { code: err.code, message: err.expose ? err.message : 'internal error', transient };
  }
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof errno === 'string' && TRANSIENT_ERRNO.has(errno))
    return { code: 'transient', message: (err as Error).message, transient: true };
  return { code: 'internal_error', message: err instanceof Error ? err.message : String(err), transient: false };
}
