import { z } from 'zod';
import { endpoint, type EndpointDef } from './endpoint.js';

const isoTime = z.iso.datetime();

export const JobStatusSchema = z
  .enum(['queued', 'running', 'succeeded', 'failed', 'canceled'])
  .describe(
    '`queued` (waiting, or waiting to retry: see `next_run_at`) → `running` → `succeeded` | `failed` | `canceled`.',
  )
  .meta({ id: 'JobStatus' });

export const JobSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    status: JobStatusSchema,
    stage: z.string().nullable().describe('What the job is doing now.'),
    progress: z.number().min(0).max(1).describe('Fraction of the whole job done, 0–1.'),
    message: z.string().nullable(),
    attempts: z.int().nonnegative().describe('Attempts started so far (a crashed worker’s attempt counts).'),
    max_attempts: z.int().positive(),
    cancel_requested: z.boolean(),
    created_at: isoTime,
    started_at: isoTime.nullable(),
    finished_at: isoTime.nullable(),
    expires_at: isoTime.nullable().describe('When the ended job and its result are deleted.'),
    next_run_at: isoTime.nullable().describe('While queued: when it may run (later than now while a retry waits).'),
    result: z.unknown().describe('The result (JSON) once succeeded; null otherwise.'),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .describe('Why it failed (or why the last attempt failed, while a retry waits).'),
    webhook_url: z.string().nullable(),
  })
  .meta({ id: 'Job' });
export type JobView = z.output<typeof JobSchema>;

const JobIdParams = z.object({ id: z.string().regex(/^job_[0-9a-f]{24}$/, 'must be a job id (job_ + 24 hex digits)') });

/**
 * The job endpoints (`/v1/jobs`), spread into the contract. Jobs are created by the endpoints that
 * start long work (they answer `202` with the job); these read, follow and cancel them. A key sees only
 * its own jobs; an admin key or the desktop sees all.
 */
export const jobEndpoints = {
  listJobs: endpoint({
    method: 'get',
    path: '/v1/jobs',
    tag: 'jobs',
    summary: 'List jobs, newest first',
    auth: 'key',
    query: z.object({
      status: JobStatusSchema.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
    response: { status: 200, description: 'The jobs.', schema: z.object({ jobs: z.array(JobSchema) }) },
  }),
  getJob: endpoint({
    method: 'get',
    path: '/v1/jobs/{id}',
    tag: 'jobs',
    summary: 'A job: status, stage, progress, result or error',
    auth: 'key',
    params: JobIdParams,
    errors: ['not_found'],
    response: { status: 200, description: 'The job.', schema: JobSchema },
  }),
  cancelJob: endpoint({
    method: 'delete',
    path: '/v1/jobs/{id}',
    tag: 'jobs',
    summary: 'Cancel a job',
    description:
      'A queued job is canceled at once; a running one has its work stopped (processes and worker threads ' +
      'included) and its temporary files removed, normally within a second or two. Canceling a canceled job ' +
      'is harmless; a job that already succeeded or failed answers 409.',
    auth: 'key',
    params: JobIdParams,
    errors: ['not_found', 'conflict'],
    response: {
      status: 200,
      description: 'The job, `canceled` (or still `running` with `cancel_requested` while another process stops it).',
      schema: JobSchema,
    },
  }),
  jobEvents: endpoint({
    method: 'get',
    path: '/v1/jobs/{id}/events',
    tag: 'jobs',
    summary: 'Live progress as Server-Sent Events',
    description:
      'Each event’s data is the job (as `GET /v1/jobs/{id}`). `event: progress` when the stage, progress, ' +
      'message or state changes; then one `event: done`, `failed` or `canceled`, and the stream ends. ' +
      'A comment line every 15 s keeps proxies from closing it. A job that has already ended sends its ' +
      'final event at once.',
    auth: 'key',
    params: JobIdParams,
    timeoutMs: 24 * 3600 * 1000,
    errors: ['not_found'],
    response: { status: 200, description: 'An event stream.', contentType: 'text/event-stream' },
  }),
} as const satisfies Record<string, EndpointDef>;
