import type { JobView } from '../common/api/jobsContract.js';
import type { JobRow } from '../db/repos/jobs.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The API, webhook and `jobs show --json` shape of a job. */
export function jobView(r: JobRow): JobView {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    stage: r.stage,
    progress: r.progress,
    message: r.message,
    attempts: r.attempts,
    max_attempts: r.maxAttempts,
    cancel_requested: r.cancelRequested,
    created_at: iso(r.createdAt) ?? '',
    started_at: iso(r.startedAt),
    finished_at: iso(r.finishedAt),
    expires_at: iso(r.expiresAt),
    next_run_at: r.status === 'queued' ? iso(r.nextRunAt) : null,
    result: r.status === 'succeeded' ? (r.result ?? null) : null,
    error: r.error && { code: r.error.code, message: r.error.message },
    webhook_url: r.webhookUrl,
  };
}
