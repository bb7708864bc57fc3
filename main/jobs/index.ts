export { JobQueue, JobAbort, DEFAULT_JOB_TTL_MS } from './queue.js';
export type { JobContext, JobTypeDef, JobQueueOptions, EnqueueOptions } from './queue.js';
export { TransientError, describeJobError } from './errors.js';
export { JobEventBus, finalEventType, type JobEvent } from './events.js';
export { WebhookOutbox, SIGNATURE_HEADER, signWebhook, verifyWebhook, webhookSigningKey } from './webhooks.js';
export { jobView } from './view.js';
export { registerBuiltinJobTypes } from './builtin.js';
export { registerTestJobTypes, TEST_JOBS_ENV } from './testJobs.js';
