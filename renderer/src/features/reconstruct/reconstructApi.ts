import type { JobView } from '../../../../main/common/api/jobsContract.js';
import { api } from '../../app/connection.js';
import { RECONSTRUCT_PATH } from './reconstructResult.js';

export * from './reconstructResult.js';

/** Whether this core serves POST /v1/reconstruct, from its OpenAPI document. */
export async function reconstructAvailable(): Promise<boolean> {
  const doc = (await api().call('openapi', {})) as unknown as { paths?: Record<string, Record<string, unknown>> };
  return !!doc.paths?.[RECONSTRUCT_PATH]?.post;
}

/** Uploads the inputs and returns the queued job (the core answers 202 with it). */
export async function startReconstruct(form: FormData, signal?: AbortSignal): Promise<JobView> {
  return api().call('reconstruct', { body: { multipart: form }, signal });
}
