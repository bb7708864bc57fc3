import type { JobQueue } from './queue.js';
import { registerTestJobTypes, testJobsEnabled } from './testJobs.js';

/**
 * The job types every core registers. None of the product's yet: reconstruction will be the first.
 * Under `NODE_ENV=test` with `SPATIALFORGE_TEST_JOBS=1`, the test types too (for process tests).
 */
export function registerBuiltinJobTypes(queue: JobQueue, env: NodeJS.ProcessEnv = process.env): void {
  if (testJobsEnabled(env)) registerTestJobTypes(queue);
}
