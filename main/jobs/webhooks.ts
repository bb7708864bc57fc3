import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { JobRepo } from '../db/repos/jobs.js';

export const SIGNATURE_HEADER = 'X-SpatialForge-Signature';

/**
 * The key webhooks are signed with, derived from the data folder's secret (which itself never
 * leaves the machine: it also keys the API-key hashes). `spatialforge jobs webhook-secret` prints it.
 */
export function webhookSigningKey(secret: Buffer): string {
  return crypto.createHmac('sha256', secret).update('spatialforge webhook signing v1').digest('hex');
}

/**
 * Stripe's scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<raw body>")>`. Signed at each
 * attempt, so `t` is the time of sending and a receiver may reject old timestamps (replays).
 */
export function signWebhook(key: string, body: string, unixSeconds: number): string {
  const v1 = crypto.createHmac('sha256', key).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** Checks a signature header against the raw body (constant-time), with a timestamp tolerance. */
export function verifyWebhook(
  key: string,
  body: string,
  header: string | undefined,
  options: { toleranceS?: number; nowS?: number } = {},
): boolean {
  if (!header) return false;
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const now = options.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceS ?? 300)) return false;
  const expected = signWebhook(key, body, t).slice(`t=${t},v1=`.length);
  return crypto.timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(v1, 'hex'));
}

/**
 * Only `http:` and `https:` URLs without credentials. Loopback and private addresses are allowed
 * on purpose: SpatialForge is a local app, and the usual receiver is a script on the same machine
 * or network. The URL comes from an authenticated caller, and the response body is never shown to
 * anyone, so a webhook cannot be used to read internal services.
 */
export function checkWebhookUrl(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http or https URL';
  if (u.username || u.password) return 'must not contain credentials';
  if (raw.length > 2048) return 'is too long (2048 characters at most)';
  return null;
}

export interface OutboxOptions {
  repo: JobRepo;
  signingKey: string;
  logger?: Logger | undefined;
  now?: () => number;
  /** Attempts before a delivery is given up (default 12: about a day with the default backoff). */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, capped at `maxDelayMs` (defaults 5 s and 1 h). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  pollIntervalMs?: number;
}

/**
 * Delivers the persistent webhook outbox: POSTs each row's body with a fresh signature; a 2xx
 * marks it delivered; anything else (refused connection, timeout, non-2xx) is retried later with
 * exponential backoff and jitter. Runs on its own timer, so a slow receiver never holds up a job.
 */
export class WebhookOutbox {
  readonly #o: Required<Omit<OutboxOptions, 'logger'>> & { logger: Logger | undefined };
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = true;
  readonly #inflight = new Set<AbortController>();

  constructor(options: OutboxOptions) {
    this.#o = {
      now: Date.now,
      maxAttempts: 12,
      baseDelayMs: 5_000,
      maxDelayMs: 3_600_000,
      timeoutMs: 10_000,
      pollIntervalMs: 1_000,
      ...options,
      logger: options.logger,
    };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#timer = setInterval(() => this.kick(), this.#o.pollIntervalMs);
    this.#timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    for (const ac of this.#inflight) ac.abort();
    await this.#running;
  }

  /** Sends what is due now (called after a job ends, and by the timer). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  async #drain(): Promise<void> {
    while (!this.#stopped) {
      let due;
      try {
        due = this.#o.repo.outbox.claim(this.#o.now(), this.#o.timeoutMs + 60_000, 8);
      } catch (err) {
        this.#o.logger?.error({ err }, 'webhook outbox: claim failed');
        return;
      }
      if (!due.length) return;
      await Promise.all(due.map((row) => this.#deliver(row)));
    }
  }

  async #deliver(row: { id: number; jobId: string; event: string; url: string; body: string; attempts: number }) {
    const signature = signWebhook(this.#o.signingKey, row.body, Math.floor(this.#o.now() / 1000));
    const ac = new AbortController();
    this.#inflight.add(ac);
    const timer = setTimeout(() => ac.abort(), this.#o.timeoutMs);
    let error: string | null = null;
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'SpatialForge-Webhook/1',
          [SIGNATURE_HEADER]: signature,
          'X-SpatialForge-Event': row.event,
          'X-SpatialForge-Delivery': String(row.id),
        },
        body: row.body,
        redirect: 'manual',
        signal: ac.signal,
      });
      await res.body?.cancel();
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      error = ac.signal.aborted ? 'timed out or stopped' : (cause ?? (err as Error).message);
    } finally {
      clearTimeout(timer);
      this.#inflight.delete(ac);
    }
    const now = this.#o.now();
    if (error === null) {
      this.#o.repo.outbox.delivered(row.id, now, signature);
      return;
    }
    const attempts = row.attempts + 1;
    const next =
      attempts >= this.#o.maxAttempts ? null : now + backoffMs(attempts, this.#o.baseDelayMs, this.#o.maxDelayMs);
    this.#o.repo.outbox.failed(row.id, error, next, signature);
    this.#o.logger?.warn({ job: row.jobId, attempts, error, gaveUp: next === null }, 'webhook delivery failed');
  }
}

/** `base · 2^(attempt-1)`, capped, with ±20 % jitter so retries of many jobs do not align. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}
