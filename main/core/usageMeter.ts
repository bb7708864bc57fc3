import type { ApiKeyId } from '../common/ids.js';
import { quotaPeriod } from '../common/plans.js';
import type { UsageRepo } from '../db/repos/usage.js';

interface Counter {
  period: string;
  /** Requests already in the database (as of the last load or flush). */
  stored: number;
  /** Requests counted here and not yet written. */
  pending: number;
}

/**
 * Monthly request counters with write-behind. The quota check is in memory (exact within this
 * process); increments are written to SQLite in one transaction at most `flushMs` later and on
 * close. A crash (kill -9, power loss) can therefore forget at most the last `flushMs` of counts —
 * in the user's favour — in exchange for no database write on the request path.
 */
export class UsageMeter {
  private readonly counters = new Map<ApiKeyId, Counter>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repo: UsageRepo,
    private readonly now: () => number = Date.now,
    private readonly flushMs = 200,
  ) {}

  /** Counts one request unless `limit` is reached; returns the new count, or null when refused. */
  consume(keyId: ApiKeyId, limit: number | null): number | null {
    const c = this.counter(keyId);
    const used = c.stored + c.pending;
    if (limit !== null && used >= limit) return null;
    c.pending++;
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
    return used + 1;
  }

  used(keyId: ApiKeyId): number {
    const c = this.counter(keyId);
    return c.stored + c.pending;
  }

  /** Writes every pending increment in one transaction and re-reads the stored totals. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = [...this.counters].filter(([, c]) => c.pending > 0);
    if (!pending.length) return;
    this.repo.addMany(pending.map(([keyId, c]) => ({ keyId, period: c.period, requests: c.pending })));
    for (const [keyId, c] of pending) {
      c.stored = this.repo.used(keyId, c.period);
      c.pending = 0;
    }
  }

  private counter(keyId: ApiKeyId): Counter {
    const period = quotaPeriod(this.now());
    let c = this.counters.get(keyId);
    if (!c || c.period !== period) {
      if (c?.pending) this.flush();
      c = { period, stored: this.repo.used(keyId, period), pending: 0 };
      this.counters.set(keyId, c);
    }
    return c;
  }
}
