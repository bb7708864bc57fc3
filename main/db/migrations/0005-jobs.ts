import type { Migration } from './types.js';

/**
 * The durable job queue and the webhook outbox.
 *
 * A job is `queued → running → succeeded | failed | canceled`; a failed attempt that may be retried
 * goes back to `queued` with a later `next_run_at`. A running job holds a lease (`lease_owner`,
 * `lease_expires_at`) that its worker renews; a job whose lease expired (the worker died) is leased
 * again. `expires_at` is set when a job ends: past it, the row is removed by the clean-up.
 *
 * The outbox holds one row per webhook delivery, written in the same transaction that ends the
 * job, so a delivery is neither lost nor duplicated by a crash.
 */
export const migration0005: Migration = {
  version: 5,
  name: 'jobs',
  up(db) {
    db.exec(`
      CREATE TABLE jobs (
        id               TEXT PRIMARY KEY CHECK (length(id) = 28 AND id GLOB 'job_*'),
        type             TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
        status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
        stage            TEXT,
        progress         REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
        message          TEXT,
        input            TEXT NOT NULL CHECK (json_valid(input)),
        result           TEXT CHECK (result IS NULL OR json_valid(result)),
        error            TEXT CHECK (error IS NULL OR json_valid(error)),
        owner_key_id     TEXT REFERENCES api_keys (id) ON DELETE SET NULL,
        attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
        next_run_at      INTEGER NOT NULL,
        lease_owner      TEXT,
        lease_expires_at INTEGER,
        created_at       INTEGER NOT NULL,
        started_at       INTEGER,
        finished_at      INTEGER,
        expires_at       INTEGER,
        webhook_url      TEXT CHECK (webhook_url IS NULL OR webhook_url GLOB 'http://*' OR webhook_url GLOB 'https://*'),
        cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
        CHECK ((status = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
        CHECK ((status IN ('succeeded', 'failed', 'canceled')) = (finished_at IS NOT NULL))
      ) STRICT;
      CREATE INDEX jobs_runnable ON jobs (type, status, next_run_at);
      CREATE INDEX jobs_status_created ON jobs (status, created_at);
      CREATE INDEX jobs_owner_created ON jobs (owner_key_id, created_at);
      CREATE INDEX jobs_expires ON jobs (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE webhook_outbox (
        id              INTEGER PRIMARY KEY,
        job_id          TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        event           TEXT NOT NULL,
        url             TEXT NOT NULL CHECK (url GLOB 'http://*' OR url GLOB 'https://*'),
        body            TEXT NOT NULL CHECK (json_valid(body)),
        signature       TEXT,
        attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at INTEGER,
        delivered_at    INTEGER,
        last_error      TEXT,
        created_at      INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;
      CREATE INDEX webhook_outbox_job ON webhook_outbox (job_id);
    `);
  },
};
