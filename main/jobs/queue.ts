import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { AppError } from '../common/errors.js';
import type { ApiKeyId, JobId } from '../common/ids.js';
import type { JobErrorInfo, JobRepo, JobRow, JobStatus, OutboxEntry } from '../db/repos/jobs.js';
import { describeJobError } from './errors.js';
import { JobEventBus, finalEventType } from './events.js';
import { jobView } from './view.js';
import { backoffMs, checkWebhookUrl, WebhookOutbox, type OutboxOptions } from './webhooks.js';

/** What a job's handler gets. */
export interface JobContext<I = unknown> {
  readonly id: JobId;
  readonly type: string;
  readonly input: I;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * Aborted when the job is canceled, the server shuts down or the lease is lost (`reason` is a
   * `JobAbort`). Pass it on to ffmpeg, fetch, worker threads; stop promptly when it fires.
   */
  readonly signal: AbortSignal;
  /** An empty folder for this attempt; removed when the attempt ends, however it ends. */
  readonly tmpDir: string;
  /** Reports progress (`fraction` 0–1 of the whole job). Cheap: database writes are throttled. */
  progress(stage: string, fraction: number, message?: string): void;
}

export interface JobTypeDef<I = unknown, R = unknown> {
  /** Jobs of this type running at once, over every process on the data folder (default 1). */
  concurrency?: number;
  /** Attempts in all, crashes included (default 3). */
  maxAttempts?: number;
  /** Lease length; the worker renews it every third of it (default: the queue's). */
  leaseMs?: number;
  /** Checks and normalises the input at enqueue time; throw an `AppError` (4xx) for bad input. */
  parseInput?: (raw: unknown) => I;
  /** Does the work; what it returns is stored as the job's JSON result. */
  run(ctx: JobContext<I>): Promise<R> | R;
}

/** Why a job's signal aborted. */
export class JobAbort extends Error {
  constructor(readonly kind: 'cancel' | 'shutdown' | 'lease_lost') {
    super(kind === 'cancel' ? 'job canceled' : kind === 'shutdown' ? 'shutting down' : 'lease lost to another worker');
    this.name = 'AbortError';
  }
}

export interface JobQueueOptions {
  repo: JobRepo;
  dataDir: string;
  /** Key for webhook signatures (see `webhookSigningKey`). */
  signingKey: string;
  logger?: Logger | undefined;
  now?: () => number;
  /** How often the lease loop looks for work and for cancel requests from other processes (1 s). */
  pollIntervalMs?: number;
  /** Default lease (30 s). A worker that stops renewing loses its job this long after. */
  leaseMs?: number;
  /** First retry delay of a transient failure; doubles per attempt, capped (2 s, 5 min). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long an ended job (and its result) is kept (24 h, like artifacts). */
  ttlMs?: number;
  /** How often ended jobs past their TTL are deleted (10 min; 0: never). */
  cleanupIntervalMs?: number;
  /** Smallest gap between progress writes of one job (250 ms); stage changes are written at once. */
  progressIntervalMs?: number;
  /** How long `stop()` waits for handlers to return after aborting them (5 s). */
  shutdownGraceMs?: number;
  webhooks?: Partial<Omit<OutboxOptions, 'repo' | 'signingKey' | 'logger' | 'now'>>;
}

export const DEFAULT_JOB_TTL_MS = 24 * 3600 * 1000;

interface Running {
  row: JobRow;
  ac: AbortController;
  /** Resolves when the job's state is written (ended, retried or released). */
  settled: Promise<void>;
  /** Resolves when the handler itself has returned. */
  handlerDone: Promise<void>;
}

export interface EnqueueOptions {
  ownerKeyId?: ApiKeyId | null;
  webhookUrl?: string | null;
  maxAttempts?: number;
}

/**
 * The durable job queue over SQLite. Any process on the data folder may enqueue, read and cancel;
 * the process that calls `start()` (the server) also runs jobs: a lease loop takes runnable jobs
 * per type up to the type's concurrency, renews their leases while they run, and writes their end
 * (with the webhook delivery) in one transaction fenced by the lease. A job whose worker died is
 * leased again when its lease expires.
 */
export class JobQueue {
  readonly events = new JobEventBus();
  readonly webhooks: WebhookOutbox;
  /** This process's lease owner name. */
  readonly workerId = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  readonly #types = new Map<string, JobTypeDef<unknown, unknown> & { concurrency: number; maxAttempts: number }>();
  readonly #running = new Map<JobId, Running>();
  readonly #o: Required<Omit<JobQueueOptions, 'logger' | 'webhooks'>>;
  readonly #log: Logger | undefined;
  readonly #repo: JobRepo;
  #timer: NodeJS.Timeout | null = null;
  #lastCleanup = 0;
  #stopped = true;
  #kickPending = false;

  constructor(options: JobQueueOptions) {
    this.#o = {
      now: Date.now,
      pollIntervalMs: 1_000,
      leaseMs: 30_000,
      retryBaseMs: 2_000,
      retryMaxMs: 5 * 60_000,
      ttlMs: DEFAULT_JOB_TTL_MS,
      cleanupIntervalMs: 10 * 60_000,
      progressIntervalMs: 250,
      shutdownGraceMs: 5_000,
      ...options,
    };
    this.#log = options.logger;
    this.#repo = options.repo;
    this.webhooks = new WebhookOutbox({
      ...options.webhooks,
      repo: options.repo,
      signingKey: options.signingKey,
      logger: options.logger,
      now: this.#o.now,
    });
  }

  /** Registers a handler. Types are named `area.verb`, e.g. `reconstruct.run`. */
  registerJobType<I, R>(type: string, def: JobTypeDef<I, R>): void {
    if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(type)) throw new Error(`bad job type name "${type}"`);
    if (this.#types.has(type)) throw new Error(`job type ${type} is already registered`);
    const concurrency = def.concurrency ?? 1;
    const maxAttempts = def.maxAttempts ?? 3;
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error('concurrency must be an integer ≥ 1');
    if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) throw new Error('maxAttempts must be an integer ≥ 1');
    this.#types.set(type, { ...(def as JobTypeDef<unknown, unknown>), concurrency, maxAttempts });
  }

  get types(): string[] {
    return [...this.#types.keys()];
  }

  enqueue(type: string, input: unknown, options: EnqueueOptions = {}): JobRow {
    const def = this.#types.get(type);
    if (!def) throw new AppError('bad_request', `unknown job type ${type}`);
    const parsed = def.parseInput ? def.parseInput(input) : input;
    const webhookUrl = options.webhookUrl ?? null;
    if (webhookUrl !== null) {
      const problem = checkWebhookUrl(webhookUrl);
      if (problem) throw new AppError('bad_request', `webhook_url ${problem}`);
    }
    const id = `job_${crypto.randomBytes(12).toString('hex')}` as JobId;
    this.#repo.insert({
      id,
      type,
      input: parsed,
      ownerKeyId: options.ownerKeyId ?? null,
      maxAttempts: options.maxAttempts ?? def.maxAttempts,
      webhookUrl,
      createdAt: this.#o.now(),
    });
    this.kick();
    return this.#repo.get(id)!;
  }

  get(id: JobId): JobRow | undefined {
    return this.#repo.get(id);
  }

  list(filter: { status?: JobStatus | undefined; owner?: ApiKeyId | undefined; limit?: number } = {}): JobRow[] {
    return this.#repo.list({ ...filter, limit: filter.limit ?? 100 });
  }

  /**
   * Cancels a job: a queued one ends at once; a running one here has its signal aborted and is
   * `canceled` when this resolves; one running in another process is flagged, and that process
   * stops it within its poll interval. An ended job is returned unchanged.
   */
  async cancel(id: JobId): Promise<JobRow | undefined> {
    const r = this.#repo.cancel(id, this.#o.now(), this.#o.ttlMs, this.#outbox);
    if (!r) return this.#repo.get(id);
    if (r.kind === 'ended') {
      this.events.emit({ type: 'canceled', job: r.row });
      this.webhooks.kick();
      return r.row;
    }
    const local = this.#running.get(id);
    if (local) {
      local.ac.abort(new JobAbort('cancel'));
      await local.settled;
    }
    return this.#repo.get(id);
  }

  /** Starts the lease loop and the webhook outbox; jobs of dead workers are recovered first. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#removeStaleTmpDirs();
    this.#timer = setInterval(() => this.#tick(), this.#o.pollIntervalMs);
    this.#timer.unref();
    this.webhooks.start();
    this.#tick();
  }

  /**
   * Stops taking work, aborts running handlers and gives their jobs back to the queue (the
   * interrupted attempt is not counted), waiting up to the grace period for handlers to return.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const runs = [...this.#running.values()];
    for (const r of runs) r.ac.abort(new JobAbort('shutdown'));
    await Promise.all(runs.map((r) => r.settled));
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(runs.map((r) => r.handlerDone)),
      new Promise((resolve) => (grace = setTimeout(resolve, this.#o.shutdownGraceMs))),
    ]);
    clearTimeout(grace);
    await this.webhooks.stop();
  }

  /** Looks for work soon (after an enqueue, or when a slot frees up). */
  kick(): void {
    if (this.#stopped || this.#kickPending) return;
    this.#kickPending = true;
    setImmediate(() => {
      this.#kickPending = false;
      this.#tick();
    });
  }

  /** Running jobs of this process, by id. */
  get runningHere(): JobId[] {
    return [...this.#running.keys()];
  }

  /** Deletes ended jobs past their TTL, with their temp folders. */
  cleanup(): number {
    const ids = this.#repo.deleteExpired(this.#o.now());
    for (const id of ids) fs.rmSync(this.#tmpDirOf(id), { recursive: true, force: true });
    if (ids.length) this.#log?.info({ removed: ids.length }, 'expired jobs removed');
    return ids.length;
  }

  readonly #outbox: OutboxEntry = (row) => {
    const type = finalEventType(row.status);
    if (!row.webhookUrl || !type) return null;
    const event = `job.${row.status}`;
    const body = JSON.stringify({ event, created_at: new Date(this.#o.now()).toISOString(), job: jobView(row) });
    return { event, url: row.webhookUrl, body };
  };

  #tmpDirOf(id: JobId): string {
    return path.join(this.#o.dataDir, 'tmp', 'jobs', id);
  }

  #removeStaleTmpDirs(): void {
    const root = path.join(this.#o.dataDir, 'tmp', 'jobs');
    let names: string[];
    try {
      names = fs.readdirSync(root);
    } catch {
      return;
    }
    for (const name of names) {
      const row = this.#repo.get(name as JobId);
      if (row?.status !== 'running') fs.rmSync(path.join(root, name), { recursive: true, force: true });
    }
  }

  #tick(): void {
    if (this.#stopped) return;
    const now = this.#o.now();
    try {
      const { ended, requeued } = this.#repo.recoverExpired(now, this.#o.ttlMs, this.#outbox);
      for (const row of ended) this.#emitEnd(row);
      for (const row of requeued) {
        this.#log?.warn({ job: row.id, type: row.type, attempts: row.attempts }, 'job lease expired; queued again');
        this.events.emit({ type: 'progress', job: row });
      }
      for (const id of this.#repo.cancelRequested(this.workerId))
        this.#running.get(id)?.ac.abort(new JobAbort('cancel'));
      for (const [type, def] of this.#types) {
        let here = 0;
        for (const r of this.#running.values()) if (r.row.type === type) here++;
        const free = def.concurrency - here;
        if (free <= 0) continue;
        const leaseMs = def.leaseMs ?? this.#o.leaseMs;
        for (const row of this.#repo.lease(type, this.workerId, now, leaseMs, def.concurrency, free))
          this.#run(row, def, leaseMs);
      }
      if (this.#o.cleanupIntervalMs > 0 && now - this.#lastCleanup >= this.#o.cleanupIntervalMs) {
        this.#lastCleanup = now;
        this.cleanup();
      }
    } catch (err) {
      // SQLITE_BUSY from a long writer elsewhere, most likely: the next tick tries again.
      this.#log?.error({ err }, 'job queue tick failed');
    }
  }

  #emitEnd(row: JobRow): void {
    const type = finalEventType(row.status);
    if (type) this.events.emit({ type, job: row });
    if (row.webhookUrl) this.webhooks.kick();
  }

  #run(leased: JobRow, def: JobTypeDef<unknown, unknown> & { maxAttempts: number }, leaseMs: number): void {
    const id = leased.id;
    const owner = this.workerId;
    const log = this.#log?.child({ job: id, type: leased.type, attempt: leased.attempts });
    const ac = new AbortController();
    const tmpDir = this.#tmpDirOf(id);
    let row = leased;
    let done = false;

    // Progress: the latest value is kept in memory; the database and the bus see it at most every
    // progressIntervalMs, at once when the stage changes, and a trailing write catches the last one.
    let lastWrite = 0;
    let trailing: NodeJS.Timeout | null = null;
    const writeProgress = () => {
      trailing = null;
      if (done) return;
      lastWrite = this.#o.now();
      if (this.#repo.setProgress(id, owner, row.stage, row.progress, row.message))
        this.events.emit({ type: 'progress', job: row });
    };
    const progress = (stage: string, fraction: number, message?: string) => {
      if (done) return;
      const stageChanged = stage !== row.stage;
      const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : row.progress;
      row = { ...row, stage, progress: f, message: message ?? null };
      if (stageChanged || this.#o.now() - lastWrite >= this.#o.progressIntervalMs) {
        if (trailing) clearTimeout(trailing);
        writeProgress();
      } else if (!trailing) {
        trailing = setTimeout(writeProgress, this.#o.progressIntervalMs - (this.#o.now() - lastWrite));
      }
    };

    const heartbeat = setInterval(
      () => {
        try {
          const r = this.#repo.renew(id, owner, this.#o.now() + leaseMs);
          if (r.lost) ac.abort(new JobAbort('lease_lost'));
          else if (r.cancelRequested) ac.abort(new JobAbort('cancel'));
        } catch (err) {
          log?.warn({ err }, 'lease renewal failed; retrying');
        }
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    );

    let settle!: () => void;
    let handlerSettled!: () => void;
    const running: Running = {
      row,
      ac,
      settled: new Promise((r) => (settle = r)),
      handlerDone: new Promise((r) => (handlerSettled = r)),
    };
    this.#running.set(id, running);
    this.events.emit({ type: 'progress', job: row });
    log?.info('job started');

    const finishWith = (
      outcome: { ok: true; value: unknown } | { ok: false; err: unknown } | { aborted: JobAbort },
    ) => {
      if (done) return;
      done = true;
      clearInterval(heartbeat);
      if (trailing) clearTimeout(trailing);
      const now = this.#o.now();
      try {
        if ('aborted' in outcome) {
          const kind = outcome.aborted.kind;
          if (kind === 'cancel') {
            const ended = this.#repo.finish(id, owner, { status: 'canceled' }, now, this.#o.ttlMs, this.#outbox);
            if (ended) this.#emitEnd(ended);
            log?.info('job canceled');
          } else if (kind === 'shutdown') {
            const back = this.#repo.release(id, owner);
            if (back) this.events.emit({ type: 'progress', job: back });
          } else log?.warn('job lease lost; another worker has it');
          return;
        }
        if (outcome.ok) {
          const ended = this.#repo.finish(
            id,
            owner,
            { status: 'succeeded', result: outcome.value ?? null },
            now,
            this.#o.ttlMs,
            this.#outbox,
          );
          if (ended) this.#emitEnd(ended);
          log?.info('job succeeded');
          return;
        }
        const info: JobErrorInfo = describeJobError(outcome.err);
        if (info.transient && row.attempts < row.maxAttempts) {
          const delay = backoffMs(row.attempts, this.#o.retryBaseMs, this.#o.retryMaxMs);
          const back = this.#repo.retry(
            id,
            owner,
            info,
            now + delay,
            `attempt ${row.attempts} failed (${info.message}); retrying in ${Math.ceil(delay / 1000)} s`,
          );
          if (back) this.events.emit({ type: 'progress', job: back });
          log?.warn({ err: outcome.err, delayMs: delay }, 'job attempt failed; will retry');
          return;
        }
        const ended = this.#repo.finish(id, owner, { status: 'failed', error: info }, now, this.#o.ttlMs, this.#outbox);
        if (ended) this.#emitEnd(ended);
        log?.warn({ err: outcome.err }, 'job failed');
      } catch (err) {
        // The lease will expire and the job be recovered; nothing is lost.
        log?.error({ err }, 'could not record the end of a job');
      } finally {
        settle();
      }
    };

    ac.signal.addEventListener('abort', () => finishWith({ aborted: ac.signal.reason as JobAbort }), { once: true });

    fs.rmSync(tmpDir, { recursive: true, force: true });
    fs.mkdirSync(tmpDir, { recursive: true });
    const ctx: JobContext<unknown> = {
      id,
      type: row.type,
      input: row.input,
      attempt: row.attempts,
      signal: ac.signal,
      tmpDir,
      progress,
    };
    void (async () => def.run(ctx))()
      .then(
        (value) => finishWith({ ok: true, value }),
        (err: unknown) => finishWith({ ok: false, err }),
      )
      .finally(() => {
        // The slot stays taken until the handler has really returned, even after a cancel.
        fs.rmSync(tmpDir, { recursive: true, force: true });
        this.#running.delete(id);
        handlerSettled();
        this.kick();
      });
  }
}
