import type { Database } from 'better-sqlite3';
import type { ApiKeyId, JobId } from '../../common/ids.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type EndedStatus = 'succeeded' | 'failed' | 'canceled';

/** What a job's failure stores: a machine code and a message safe to show its owner. */
export interface JobErrorInfo {
  code: string;
  message: string;
  transient?: boolean;
}

export interface JobRow {
  id: JobId;
  type: string;
  status: JobStatus;
  stage: string | null;
  progress: number;
  message: string | null;
  input: unknown;
  result: unknown;
  error: JobErrorInfo | null;
  ownerKeyId: ApiKeyId | null;
  attempts: number;
  maxAttempts: number;
  nextRunAt: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  expiresAt: number | null;
  webhookUrl: string | null;
  cancelRequested: boolean;
}

interface RawRow {
  id: string;
  type: string;
  status: string;
  stage: string | null;
  progress: number;
  message: string | null;
  input: string;
  result: string | null;
  error: string | null;
  owner_key_id: string | null;
  attempts: number;
  max_attempts: number;
  next_run_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  expires_at: number | null;
  webhook_url: string | null;
  cancel_requested: number;
}

const toRow = (r: RawRow): JobRow => ({
  id: r.id as JobId,
  type: r.type,
  status: r.status as JobStatus,
  stage: r.stage,
  progress: r.progress,
  message: r.message,
  input: JSON.parse(r.input) as unknown,
  result: r.result === null ? null : (JSON.parse(r.result) as unknown),
  error: r.error === null ? null : (JSON.parse(r.error) as JobErrorInfo),
  ownerKeyId: r.owner_key_id as ApiKeyId | null,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  nextRunAt: r.next_run_at,
  leaseOwner: r.lease_owner,
  leaseExpiresAt: r.lease_expires_at,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  expiresAt: r.expires_at,
  webhookUrl: r.webhook_url,
  cancelRequested: r.cancel_requested === 1,
});

export interface NewJob {
  id: JobId;
  type: string;
  input: unknown;
  ownerKeyId: ApiKeyId | null;
  maxAttempts: number;
  webhookUrl: string | null;
  createdAt: number;
}

export interface OutboxRow {
  id: number;
  jobId: JobId;
  event: string;
  url: string;
  body: string;
  attempts: number;
}

/** A webhook delivery to write in the transaction that ends the job. */
export type OutboxEntry = (job: JobRow) => { event: string; url: string; body: string } | null;

/**
 * Typed access to `jobs` and `webhook_outbox` (migration 0005). Every state change that a worker
 * makes is fenced by its lease (`WHERE lease_owner = ? AND status = 'running'`): a worker that lost
 * its lease (it stalled past the expiry and another took the job) cannot end the job a second time.
 */
export function createJobRepo(db: Database) {
  const insert = db.prepare(`INSERT INTO jobs (id, type, status, input, owner_key_id, max_attempts, next_run_at,
      created_at, webhook_url)
    VALUES (@id, @type, 'queued', @input, @ownerKeyId, @maxAttempts, @createdAt, @createdAt, @webhookUrl)`);
  const byId = db.prepare('SELECT * FROM jobs WHERE id = ?');
  const list = db.prepare(`SELECT * FROM jobs
    WHERE (@status IS NULL OR status = @status) AND (@owner IS NULL OR owner_key_id = @owner)
      AND (@before IS NULL OR created_at < @before OR (created_at = @before AND id < @beforeId))
    ORDER BY created_at DESC, id DESC LIMIT @limit`);
  const runningOfType = db.prepare(
    "SELECT count(*) AS n FROM jobs WHERE type = ? AND status = 'running' AND lease_expires_at > ?",
  );
  // Jobs whose worker died after their last allowed attempt, or that were canceled meanwhile, end here.
  const reapExhausted = db.prepare(`UPDATE jobs SET status = 'failed', finished_at = @now, expires_at = @expiresAt,
      lease_owner = NULL, lease_expires_at = NULL,
      error = json_object('code', 'lease_expired', 'message',
        'the worker stopped (crash or kill) during the last allowed attempt')
    WHERE status = 'running' AND lease_expires_at <= @now AND attempts >= max_attempts AND cancel_requested = 0
    RETURNING *`);
  const reapCanceled = db.prepare(`UPDATE jobs SET status = 'canceled', finished_at = @now, expires_at = @expiresAt,
      lease_owner = NULL, lease_expires_at = NULL
    WHERE status = 'running' AND lease_expires_at <= @now AND cancel_requested = 1
    RETURNING *`);
  const requeueExpired = db.prepare(`UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL,
      message = 'the previous worker stopped; queued again'
    WHERE status = 'running' AND lease_expires_at <= ? RETURNING *`);
  const lease = db.prepare(`UPDATE jobs SET status = 'running', lease_owner = @owner, lease_expires_at = @until,
      attempts = attempts + 1, started_at = coalesce(started_at, @now), message = NULL
    WHERE id IN (SELECT id FROM jobs WHERE type = @type AND status = 'queued' AND next_run_at <= @now
                 ORDER BY next_run_at, created_at, id LIMIT @n)
    RETURNING *`);
  const renew = db.prepare(`UPDATE jobs SET lease_expires_at = @until
    WHERE id = @id AND lease_owner = @owner AND status = 'running' RETURNING cancel_requested`);
  const progress = db.prepare(`UPDATE jobs SET stage = @stage, progress = @progress, message = @message
    WHERE id = @id AND lease_owner = @owner AND status = 'running'`);
  const finish = db.prepare(`UPDATE jobs SET status = @status, result = @result, error = @error,
      progress = CASE WHEN @status = 'succeeded' THEN 1 ELSE progress END,
      finished_at = @now, expires_at = @expiresAt, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = @id AND lease_owner = @owner AND status = 'running' RETURNING *`);
  const retry = db.prepare(`UPDATE jobs SET status = 'queued', error = @error, next_run_at = @nextRunAt,
      message = @message, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = @id AND lease_owner = @owner AND status = 'running' RETURNING *`);
  const release = db.prepare(`UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0),
      lease_owner = NULL, lease_expires_at = NULL, message = 'interrupted by a shutdown; queued again'
    WHERE id = @id AND lease_owner = @owner AND status = 'running' RETURNING *`);
  const cancelQueued = db.prepare(`UPDATE jobs SET status = 'canceled', cancel_requested = 1, finished_at = @now,
      expires_at = @expiresAt WHERE id = @id AND status = 'queued' RETURNING *`);
  const requestCancel = db.prepare(
    "UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running' RETURNING *",
  );
  const cancelRequestedOf = db.prepare(
    "SELECT id FROM jobs WHERE lease_owner = ? AND status = 'running' AND cancel_requested = 1",
  );
  const expired = db.prepare('DELETE FROM jobs WHERE expires_at <= ? RETURNING id');

  const outboxInsert = db.prepare(`INSERT INTO webhook_outbox (job_id, event, url, body, next_attempt_at, created_at)
    VALUES (?, ?, ?, ?, ?, ?)`);
  // Claiming a delivery pushes its next attempt into the future, so no other loop sends it meanwhile.
  const outboxClaim = db.prepare(`UPDATE webhook_outbox SET next_attempt_at = @claimUntil
    WHERE id IN (SELECT id FROM webhook_outbox WHERE delivered_at IS NULL AND next_attempt_at <= @now
                 ORDER BY next_attempt_at, id LIMIT @n)
    RETURNING id, job_id, event, url, body, attempts`);
  const outboxDelivered = db.prepare(`UPDATE webhook_outbox SET delivered_at = @now, attempts = attempts + 1,
      signature = @signature, last_error = NULL, next_attempt_at = NULL WHERE id = @id`);
  const outboxFailed = db.prepare(`UPDATE webhook_outbox SET attempts = attempts + 1, signature = @signature,
      last_error = @error, next_attempt_at = @next WHERE id = @id`);
  const outboxOf = db.prepare('SELECT * FROM webhook_outbox WHERE job_id = ? ORDER BY id');

  const withOutbox = (row: JobRow, outbox: OutboxEntry | undefined, now: number) => {
    const entry = outbox?.(row);
    if (entry) outboxInsert.run(row.id, entry.event, entry.url, entry.body, now, now);
    return row;
  };
  const one = (r: unknown) => (r === undefined ? undefined : toRow(r as RawRow));

  return {
    insert(job: NewJob): void {
      insert.run({ ...job, input: JSON.stringify(job.input ?? null) });
    },
    get(id: JobId): JobRow | undefined {
      return one(byId.get(id));
    },
    /** Newest first; `owner` limits to one key's jobs; `before` pages on (created_at, id). */
    list(filter: {
      status?: JobStatus | undefined;
      owner?: ApiKeyId | undefined;
      limit: number;
      before?: { createdAt: number; id: JobId } | undefined;
    }): JobRow[] {
      return (
        list.all({
          status: filter.status ?? null,
          owner: filter.owner ?? null,
          before: filter.before?.createdAt ?? null,
          beforeId: filter.before?.id ?? null,
          limit: filter.limit,
        }) as RawRow[]
      ).map(toRow);
    },
    /**
     * Ends jobs whose lease expired (the worker died), then re-queues the rest of them. Returns
     * the jobs it ended and those it re-queued. One transaction.
     */
    recoverExpired: db.transaction(
      (now: number, ttlMs: number, outbox?: OutboxEntry): { ended: JobRow[]; requeued: JobRow[] } => {
        const p = { now, expiresAt: now + ttlMs };
        const ended = [...(reapExhausted.all(p) as RawRow[]), ...(reapCanceled.all(p) as RawRow[])]
          .map(toRow)
          .map((r) => withOutbox(r, outbox, now));
        const requeued = (requeueExpired.all(now) as RawRow[]).map(toRow);
        return { ended, requeued };
      },
    ),
    /**
     * Leases up to `max` runnable jobs of one type, keeping the running count (over every process
     * on this database) at or under `concurrency`. Atomic: one IMMEDIATE transaction.
     */
    lease(type: string, owner: string, now: number, leaseMs: number, concurrency: number, max: number): JobRow[] {
      return db
        .transaction(() => {
          const running = (runningOfType.get(type, now) as { n: number }).n;
          const n = Math.min(max, concurrency - running);
          if (n <= 0) return [];
          return (lease.all({ type, owner, now, until: now + leaseMs, n }) as RawRow[]).map(toRow);
        })
        .immediate();
    },
    /** Extends a lease. `lost` when this worker no longer holds it. */
    renew(id: JobId, owner: string, until: number): { lost: boolean; cancelRequested: boolean } {
      const r = renew.get({ id, owner, until }) as { cancel_requested: number } | undefined;
      return { lost: !r, cancelRequested: r?.cancel_requested === 1 };
    },
    setProgress(id: JobId, owner: string, stage: string | null, fraction: number, message: string | null): boolean {
      return progress.run({ id, owner, stage, progress: fraction, message }).changes === 1;
    },
    /** Ends a job this worker holds; writes its webhook delivery in the same transaction. */
    finish: db.transaction(
      (
        id: JobId,
        owner: string,
        end: { status: EndedStatus; result?: unknown; error?: JobErrorInfo },
        now: number,
        ttlMs: number,
        outbox?: OutboxEntry,
      ): JobRow | undefined => {
        const r = one(
          finish.get({
            id,
            owner,
            status: end.status,
            result: end.result === undefined ? null : JSON.stringify(end.result),
            error: end.error ? JSON.stringify(end.error) : null,
            now,
            expiresAt: now + ttlMs,
          }),
        );
        return r && withOutbox(r, outbox, now);
      },
    ),
    /** Puts a failed attempt back in the queue for `nextRunAt`. */
    retry(id: JobId, owner: string, error: JobErrorInfo, nextRunAt: number, message: string): JobRow | undefined {
      return one(retry.get({ id, owner, error: JSON.stringify(error), nextRunAt, message }));
    },
    /** Gives a job back on shutdown without counting the interrupted attempt. */
    release(id: JobId, owner: string): JobRow | undefined {
      return one(release.get({ id, owner }));
    },
    /**
     * Cancels: a queued job ends at once (`ended`); a running one is flagged for its worker
     * (`requested`). One transaction.
     */
    cancel: db.transaction(
      (
        id: JobId,
        now: number,
        ttlMs: number,
        outbox?: OutboxEntry,
      ): { kind: 'ended' | 'requested'; row: JobRow } | undefined => {
        const ended = one(cancelQueued.get({ id, now, expiresAt: now + ttlMs }));
        if (ended) return { kind: 'ended', row: withOutbox(ended, outbox, now) };
        const flagged = one(requestCancel.get(id));
        return flagged && { kind: 'requested', row: flagged };
      },
    ),
    /** Running jobs of this worker that someone (another process) asked to cancel. */
    cancelRequested(owner: string): JobId[] {
      return (cancelRequestedOf.all(owner) as { id: string }[]).map((r) => r.id as JobId);
    },
    /** Deletes ended jobs past their expiry (their deliveries go with them); returns their ids. */
    deleteExpired(now: number): JobId[] {
      return (expired.all(now) as { id: string }[]).map((r) => r.id as JobId);
    },

    outbox: {
      claim(now: number, claimMs: number, n: number): OutboxRow[] {
        return (
          outboxClaim.all({ now, claimUntil: now + claimMs, n }) as {
            id: number;
            job_id: string;
            event: string;
            url: string;
            body: string;
            attempts: number;
          }[]
        ).map((r) => ({
          id: r.id,
          jobId: r.job_id as JobId,
          event: r.event,
          url: r.url,
          body: r.body,
          attempts: r.attempts,
        }));
      },
      delivered(id: number, now: number, signature: string): void {
        outboxDelivered.run({ id, now, signature });
      },
      /** Records a failed attempt; `next` null gives up. */
      failed(id: number, error: string, next: number | null, signature: string): void {
        outboxFailed.run({ id, error, next, signature });
      },
      ofJob(jobId: JobId) {
        return outboxOf.all(jobId) as {
          id: number;
          event: string;
          url: string;
          attempts: number;
          delivered_at: number | null;
          next_attempt_at: number | null;
          last_error: string | null;
          signature: string | null;
        }[];
      },
    },
  };
}

export type JobRepo = ReturnType<typeof createJobRepo>;
