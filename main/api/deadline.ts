import type { Context } from 'koa';
import { AppError } from '../common/errors.js';

interface InFlight {
  timeoutMs: number;
  deadlineMs: number;
  ctx: Context;
  fail: (err: AppError) => void;
  controller: AbortController | null;
  expired: boolean;
}

export interface RequestLifetime {
  /** Aborts at the deadline or when the client disconnects; created on first use. */
  signal(): AbortSignal;
  /** True once the deadline has passed (the caller already has its 503). */
  expired(): boolean;
}

/**
 * Per-route deadlines without a timer per request: in-flight requests sit in a set that one
 * interval sweeps every `tickMs`. A request past its deadline fails with 503 `timeout` and its
 * signal aborts; a request whose client disconnected has its signal aborted too. The signal is
 * created only if the handler asks for it. Deadlines are honoured to within `tickMs`.
 */
export class DeadlineTracker {
  private readonly inFlight = new Set<InFlight>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly tickMs = 50) {}

  async run<T>(
    ctx: Context,
    timeoutMs: number,
    work: (lifetime: RequestLifetime) => Promise<T>,
  ): Promise<T | undefined> {
    let fail!: (err: AppError) => void;
    const deadline = new Promise<never>((_, reject) => (fail = reject));
    const entry: InFlight = {
      timeoutMs,
      deadlineMs: performance.now() + timeoutMs,
      ctx,
      fail,
      controller: null,
      expired: false,
    };
    this.inFlight.add(entry);
    this.timer ??= setInterval(() => this.sweep(), this.tickMs).unref();
    const lifetime: RequestLifetime = {
      signal: () => (entry.controller ??= new AbortController()).signal,
      expired: () => entry.expired,
    };
    try {
      return await Promise.race([work(lifetime), deadline]);
    } finally {
      this.inFlight.delete(entry);
      if (this.inFlight.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const e of this.inFlight) {
      if (now >= e.deadlineMs) {
        this.inFlight.delete(e);
        e.expired = true;
        e.controller?.abort(new Error('deadline'));
        e.fail(new AppError('timeout', `the request took longer than ${e.timeoutMs} ms`));
      } else if (e.controller && e.ctx.res.destroyed && !e.ctx.res.writableFinished) {
        e.controller.abort(new Error('client closed the connection'));
      }
    }
  }
}
