import type { Context } from 'koa';
import { AppError } from '../common/errors.js';

/** What a request's work can ask of its deadline. */
export interface RequestLifetime {
  /** Aborts at the deadline or when the client disconnects; created on first use. */
  signal(): AbortSignal;
  /** True once the deadline has passed (the caller already has its 503). */
  expired(): boolean;
}

class InFlight implements RequestLifetime {
  controller: AbortController | null = null;
  isExpired = false;
  fail: ((err: AppError) => void) | null = null;
  readonly deadlineMs: number;

  constructor(
    readonly ctx: Context,
    readonly timeoutMs: number,
  ) {
    this.deadlineMs = performance.now() + timeoutMs;
  }

  signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  expired(): boolean {
    return this.isExpired;
  }
}

export const isPromise = (v: unknown): v is Promise<unknown> =>
  typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * Per-route deadlines without a timer per request. Work that finishes synchronously costs one small
 * object; work that returns a promise joins a set that one interval sweeps every `tickMs`. Past its
 * deadline it fails with 503 `timeout` and its signal aborts; if its client disconnects, its
 * signal aborts too. Deadlines are honoured to within `tickMs`.
 */
export class DeadlineTracker {
  private readonly inFlight = new Set<InFlight>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly tickMs = 50) {}

  run(
    ctx: Context,
    timeoutMs: number,
    work: (lifetime: RequestLifetime) => void | Promise<void>,
  ): void | Promise<void> {
    const entry = new InFlight(ctx, timeoutMs);
    const result = work(entry);
    if (!isPromise(result)) return;
    this.inFlight.add(entry);
    this.timer ??= setInterval(() => this.sweep(), this.tickMs).unref();
    return new Promise<void>((resolve, reject) => {
      entry.fail = reject;
      result.then(resolve, reject);
    }).finally(() => {
      this.inFlight.delete(entry);
      if (this.inFlight.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    });
  }

  private sweep(): void {
    const now = performance.now();
    for (const e of this.inFlight) {
      if (now >= e.deadlineMs) {
        this.inFlight.delete(e);
        e.isExpired = true;
        e.controller?.abort(new Error('deadline'));
        e.fail?.(new AppError('timeout', `the request took longer than ${e.timeoutMs} ms`));
      } else if (e.controller && e.ctx.res.destroyed && !e.ctx.res.writableFinished) {
        e.controller.abort(new Error('client closed the connection'));
      }
    }
  }
}
