import { z } from 'zod';
import { ARTIFACT_ID_PATTERN } from '../ids.js';
import { endpoint, type EndpointDef } from './endpoint.js';
import { depthEndpoints } from './depthContract.js';
import { jobEndpoints } from './jobsContract.js';
import { measureEndpoints } from './measureContract.js';
import { modelEndpoints } from './modelsContract.js';
import { poseEndpoints } from './poseContract.js';
import { reconstructEndpoints } from './reconstructContract.js';
import { settingsEndpoints } from './settingsContract.js';
import {
  ApiKeySchema,
  ArtifactLinkSchema,
  CreatedApiKeySchema,
  HealthSchema,
  KeyNameSchema,
  MeSchema,
  PlanSchema,
} from './schemas.js';

/**
 * Every HTTP endpoint of the core, declared once. The Koa routes, request validation, the typed
 * client and `/openapi.json` are all derived from this object; a contract test checks that the
 * server registers exactly these routes.
 */
export const contract = {
  health: endpoint({
    method: 'get',
    path: '/healthz',
    tag: 'meta',
    summary: 'Liveness and database check',
    auth: 'none',
    timeoutMs: 5_000,
    response: { status: 200, description: 'The core is up and its database answers.', schema: HealthSchema },
  }),
  metrics: endpoint({
    method: 'get',
    path: '/metrics',
    tag: 'meta',
    summary: 'Prometheus metrics',
    description: 'Request counts and latency by route and status, plus process metrics.',
    auth: 'none',
    response: { status: 200, description: 'Prometheus text exposition format.', contentType: 'text/plain' },
  }),
  openapi: endpoint({
    method: 'get',
    path: '/openapi.json',
    tag: 'meta',
    summary: 'This OpenAPI 3.1 document',
    auth: 'none',
    response: { status: 200, description: 'The OpenAPI document.', contentType: 'application/json' },
  }),
  docs: endpoint({
    method: 'get',
    path: '/docs',
    tag: 'meta',
    summary: 'Human-readable API reference',
    auth: 'none',
    response: {
      status: 200,
      description: 'An HTML page rendered from the OpenAPI document.',
      contentType: 'text/html',
    },
  }),
  me: endpoint({
    method: 'get',
    path: '/v1/me',
    tag: 'keys',
    summary: 'Who the caller is, its plan and this month’s usage',
    auth: 'key',
    response: { status: 200, description: 'The authenticated principal.', schema: MeSchema },
  }),
  listKeys: endpoint({
    method: 'get',
    path: '/v1/keys',
    tag: 'keys',
    summary: 'List API keys (admin)',
    auth: 'admin',
    query: z.object({ include_revoked: z.enum(['true', 'false']).default('false') }),
    response: {
      status: 200,
      description: 'All keys, newest first.',
      schema: z.object({ keys: z.array(ApiKeySchema) }),
    },
  }),
  createKey: endpoint({
    method: 'post',
    path: '/v1/keys',
    tag: 'keys',
    summary: 'Create an API key (admin)',
    description: 'The response holds the secret key; it is never shown again.',
    auth: 'admin',
    body: z.strictObject({ name: KeyNameSchema, plan: PlanSchema.default('free') }),
    bodyLimitBytes: 16 * 1024,
    response: { status: 201, description: 'The new key, with its secret.', schema: CreatedApiKeySchema },
  }),
  revokeKey: endpoint({
    method: 'delete',
    path: '/v1/keys/{id}',
    tag: 'keys',
    summary: 'Revoke an API key (admin)',
    description: 'Revocation takes effect on the next request. Revoking twice is harmless.',
    auth: 'admin',
    params: z.object({ id: z.string().regex(/^key_[0-9a-f]{12}$/, 'must be a key id (key_ + 12 hex digits)') }),
    errors: ['not_found'],
    response: { status: 200, description: 'The revoked key.', schema: ApiKeySchema },
  }),
  getArtifact: endpoint({
    method: 'get',
    path: '/v1/artifacts/{id}',
    tag: 'artifacts',
    summary: 'Download an artifact',
    description:
      'Authenticate with the API key that created it, or with a signed link from `POST /v1/artifacts/{id}/link` (`sig` and `exp`).',
    auth: 'signed-or-key',
    params: z.object({ id: z.string().regex(ARTIFACT_ID_PATTERN, 'must be an artifact id') }),
    query: z.object({
      sig: z.string().max(100).optional(),
      exp: z
        .string()
        .regex(/^\d{1,12}$/)
        .optional(),
    }),
    errors: ['not_found', 'gone', 'invalid_signature', 'link_expired'],
    response: { status: 200, description: 'The file, with its content type.', contentType: 'application/octet-stream' },
  }),
  linkArtifact: endpoint({
    method: 'post',
    path: '/v1/artifacts/{id}/link',
    tag: 'artifacts',
    summary: 'Create a signed, expiring download link',
    auth: 'key',
    params: z.object({ id: z.string().regex(ARTIFACT_ID_PATTERN, 'must be an artifact id') }),
    body: z
      .strictObject({
        ttl_s: z
          .int()
          .min(10)
          .max(7 * 24 * 3600)
          .default(3600),
      })
      .default({ ttl_s: 3600 }),
    bodyLimitBytes: 4 * 1024,
    errors: ['not_found', 'gone'],
    response: { status: 200, description: 'The link and when it expires.', schema: ArtifactLinkSchema },
  }),
  ...modelEndpoints,
  ...depthEndpoints,
  ...measureEndpoints,
  ...jobEndpoints,
  ...poseEndpoints,
  ...reconstructEndpoints,
  ...settingsEndpoints,
} as const satisfies Record<string, EndpointDef>;

export type Contract = typeof contract;
export type EndpointName = keyof Contract;
