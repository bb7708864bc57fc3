import { z } from 'zod';
import { DEPTH_FAMILIES, OutputKindSchema } from '../models.js';
import { endpoint, type EndpointDef } from './endpoint.js';

const isoTime = z.iso.datetime();

export const ModelStateSchema = z
  .enum(['not_installed', 'downloading', 'installed', 'corrupt', 'missing'])
  .describe(
    '`not_installed`: no file (a resumable partial download may exist); `downloading`: a download runs; ' +
      '`installed`: recorded and verified; `corrupt`: the file fails its check or has no record; ' +
      '`missing`: recorded but the file is gone.',
  )
  .meta({ id: 'ModelState' });

export const ModelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    family: z.enum(DEPTH_FAMILIES),
    task: z.literal('depth'),
    output_kind: OutputKindSchema,
    license: z.string(),
    commercial_use: z.boolean().nullable().describe('true: allowed; false: research only; null: unclear'),
    research_only: z.boolean().describe('Needs research mode (commercial_use is not true).'),
    downloadable: z.boolean().describe('The manifest has a download URL; otherwise install with `models import`.'),
    bytes: z.int().positive().nullable(),
    sha256: z.string().nullable(),
    state: ModelStateSchema,
    progress: z
      .object({ received_bytes: z.int().nonnegative(), total_bytes: z.int().positive().nullable() })
      .nullable()
      .describe('While downloading.'),
    partial_bytes: z.int().nonnegative().describe('Bytes of a resumable partial download kept on disk.'),
    installed: z
      .object({
        sha256: z.string(),
        bytes: z.int().positive(),
        source: z.enum(['download', 'import']),
        installed_at: isoTime,
        verified_at: isoTime,
      })
      .nullable(),
    problem: z.string().nullable().describe('Why the state is `corrupt` or `missing`.'),
    notes: z.string(),
  })
  .meta({ id: 'Model' });
export type ModelView = z.output<typeof ModelSchema>;

const ModelIdParams = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,80}$/, 'must be a model id (see GET /v1/models)'),
});

/**
 * The model manager's endpoints (`/v1/models`), spread into the contract. Download progress is a
 * Server-Sent Events stream: `event: progress` (`{received_bytes, total_bytes, bytes_per_second}`),
 * then one `event: done` (the model) or `event: error` (the error envelope's `error`).
 */
export const modelEndpoints = {
  listModels: endpoint({
    method: 'get',
    path: '/v1/models',
    tag: 'models',
    summary: 'List the models of the manifest with their install state',
    auth: 'key',
    response: {
      status: 200,
      description: 'Every model, in manifest order.',
      schema: z.object({ models: z.array(ModelSchema) }),
    },
  }),
  getModel: endpoint({
    method: 'get',
    path: '/v1/models/{id}',
    tag: 'models',
    summary: 'One model and its install state',
    auth: 'key',
    params: ModelIdParams,
    errors: ['not_found'],
    response: { status: 200, description: 'The model.', schema: ModelSchema },
  }),
  pullModel: endpoint({
    method: 'post',
    path: '/v1/models/{id}/pull',
    tag: 'models',
    summary: 'Start downloading a model (admin)',
    description:
      'Starts a background download (or joins a running one) and answers at once; follow it with ' +
      '`GET /v1/models/{id}/events`. The file is checked against the manifest’s SHA-256 before it is ' +
      'installed; an interrupted download resumes. Research-only or unclear weights are refused ' +
      '(403) unless the server runs in research mode. An installed model answers with state `installed`.',
    auth: 'admin',
    params: ModelIdParams,
    errors: ['not_found', 'forbidden', 'bad_request', 'conflict', 'unavailable'],
    response: { status: 202, description: 'The model, state `downloading` (or `installed`).', schema: ModelSchema },
  }),
  modelEvents: endpoint({
    method: 'get',
    path: '/v1/models/{id}/events',
    tag: 'models',
    summary: 'Download progress as Server-Sent Events',
    description:
      '`event: progress` with `{"received_bytes", "total_bytes", "bytes_per_second"}` while a download ' +
      'runs, then `event: done` with the model, or `event: error` with `{"code", "message"}`; then the ' +
      'stream ends. With no download running it sends one `done` (installed) or `error` at once.',
    auth: 'key',
    params: ModelIdParams,
    timeoutMs: 24 * 3600 * 1000,
    errors: ['not_found'],
    response: { status: 200, description: 'An event stream.', contentType: 'text/event-stream' },
  }),
  verifyModel: endpoint({
    method: 'post',
    path: '/v1/models/{id}/verify',
    tag: 'models',
    summary: 'Re-hash an installed model (admin)',
    description: 'A good file gets a new `verified_at`; a damaged one is marked `corrupt`.',
    auth: 'admin',
    params: ModelIdParams,
    timeoutMs: 10 * 60_000,
    errors: ['not_found', 'conflict'],
    response: { status: 200, description: 'The model after the check.', schema: ModelSchema },
  }),
  removeModel: endpoint({
    method: 'delete',
    path: '/v1/models/{id}',
    tag: 'models',
    summary: 'Remove a model’s file, record and partial download (admin)',
    description: 'Cancels a download of it that is running.',
    auth: 'admin',
    params: ModelIdParams,
    errors: ['not_found', 'conflict'],
    response: { status: 200, description: 'The model, now `not_installed`.', schema: ModelSchema },
  }),
} as const satisfies Record<string, EndpointDef>;
