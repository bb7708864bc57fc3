/**
 * An exact sliding-window limiter: at most `limit` events in any `windowMs`. Each key keeps a ring
 * of its last `limit` timestamps (a Float64Array, no allocation per request); an event is allowed
 * when the oldest of them has left the window. O(1) per check, O(limit) memory per active key.
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until one more event would be allowed (0 when allowed). */
  retryAfterS: number;
}

interface Window {
  ring: Float64Array;
  head: number; // index of the oldest timestamp once the ring is full
  size: number;
  lastMs: number;
}

export class SlidingWindowLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  check(key: string, limit: number): RateDecision {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || w.ring.length !== limit) {
      w = { ring: new Float64Array(limit), head: 0, size: 0, lastMs: t };
      this.windows.set(key, w);
    }
    w.lastMs = t;
    if (w.size < limit) {
      w.ring[(w.head + w.size) % limit] = t;
      w.size++;
      return { allowed: true, limit, remaining: limit - this.countInWindow(w, t), retryAfterS: 0 };
    }
    const oldest = w.ring[w.head]!;
    if (t - oldest >= this.windowMs) {
      w.ring[w.head] = t;
      w.head = (w.head + 1) % limit;
      return { allowed: true, limit, remaining: limit - this.countInWindow(w, t), retryAfterS: 0 };
    }
    return {
      allowed: false,
      limit,
      remaining: 0,
      retryAfterS: Math.max(1, Math.ceil((oldest + this.windowMs - t) / 1000)),
    };
  }

  /** Forgets keys idle for a whole window; call periodically. */
  sweep(): void {
    const t = this.now();
    for (const [key, w] of this.windows) if (t - w.lastMs >= this.windowMs) this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }

  /** Timestamps inside the window: binary search over the ring, which is sorted oldest → newest. */
  private countInWindow(w: Window, t: number): number {
    const cap = w.ring.length;
    let lo = 0;
    let hi = w.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t - w.ring[(w.head + mid) % cap]! >= this.windowMs) lo = mid + 1;
      else hi = mid;
    }
    return w.size - lo;
  }
}
