import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import type { EndpointDef } from './endpoint.js';
import { ErrorBodySchema } from './schemas.js';

type JsonObject = Record<string, unknown>;

const AUTH_ERRORS: Record<EndpointDef['auth'], readonly ErrorCode[]> = {
  none: [],
  key: ['unauthorized', 'rate_limited', 'quota_exceeded'],
  admin: ['unauthorized', 'forbidden', 'rate_limited', 'quota_exceeded'],
  'signed-or-key': ['unauthorized', 'rate_limited', 'quota_exceeded'],
};

const SECURITY: Record<EndpointDef['auth'], JsonObject[]> = {
  none: [],
  key: [{ apiKey: [] }, { desktopToken: [] }],
  admin: [{ apiKey: [] }, { desktopToken: [] }],
  'signed-or-key': [{ apiKey: [] }, { desktopToken: [] }, {}],
};

/**
 * Builds the OpenAPI 3.1 document from the contract. Schemas with a `meta({ id })` become shared
 * components. Pure: the same contract always gives the same document.
 */
export function buildOpenApi(
  contract: Readonly<Record<string, EndpointDef>>,
  info: { title: string; version: string; description: string },
): JsonObject {
  const components: Record<string, unknown> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonObject => {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      reused: 'inline',
    }) as JsonObject;
    delete json.$schema;
    const defs = json.$defs as Record<string, JsonObject> | undefined;
    if (defs) {
      for (const [name, def] of Object.entries(defs)) components[name] = rewriteRefs(def);
      delete json.$defs;
    }
    return rewriteRefs(json) as JsonObject;
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const [operationId, ep] of Object.entries(contract)) {
    const parameters: JsonObject[] = [];
    for (const [where, obj] of [
      ['path', ep.params],
      ['query', ep.query],
    ] as const) {
      if (!obj) continue;
      const shape = toSchema(obj, 'input');
      const props = (shape.properties ?? {}) as Record<string, JsonObject>;
      const required = new Set((shape.required ?? []) as string[]);
      for (const [name, schema] of Object.entries(props)) {
        const param: JsonObject = { name, in: where, required: where === 'path' || required.has(name), schema };
        if (typeof schema.description === 'string') param.description = schema.description;
        parameters.push(param);
      }
    }

    const responses: Record<string, unknown> = {};
    const ok = ep.response;
    responses[String(ok.status)] = {
      description: ok.description,
      content: ok.schema
        ? { 'application/json': { schema: toSchema(ok.schema, 'output') } }
        : { [ok.contentType ?? 'application/octet-stream']: {} },
    };
    if (ep.accepted)
      responses['202'] = {
        description: ep.accepted.description,
        content: { 'application/json': { schema: toSchema(ep.accepted.schema, 'output') } },
      };
    const codes = new Set<ErrorCode>([
      ...AUTH_ERRORS[ep.auth],
      ...(ep.errors ?? []),
      ...(ep.params || ep.query || ep.body || ep.upload ? (['validation_failed'] as const) : []),
      ...(ep.body ? (['invalid_json', 'payload_too_large', 'unsupported_media_type'] as const) : []),
      ...(ep.upload ? (['bad_request', 'payload_too_large', 'unsupported_media_type'] as const) : []),
      'host_not_allowed',
      'internal_error',
      'timeout',
    ]);
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of codes) {
      const status = ERROR_STATUS[code];
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
      responses[String(status)] = {
        description: `Error envelope; code one of: ${list.join(', ')}.`,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }

    const operation: JsonObject = {
      operationId,
      tags: [ep.tag],
      summary: ep.summary,
      security: SECURITY[ep.auth],
      responses,
    };
    if (ep.description) operation.description = ep.description;
    if (parameters.length) operation.parameters = parameters;
    if (ep.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: toSchema(ep.body, 'input') } },
      };
    }
    if (ep.upload) {
      const up = ep.upload;
      const fields = toSchema(up.fields, 'input');
      // A field of several files is an array of binary parts; alternatives are one-of-these fields.
      const filePart = (description: string, maxCount = 1): JsonObject =>
        maxCount > 1
          ? { type: 'array', items: { type: 'string', format: 'binary' }, minItems: 1, maxItems: maxCount, description }
          : { type: 'string', format: 'binary', description };
      const alternatives = Object.entries(up.alternatives ?? {});
      const fileProps: JsonObject = { [up.file]: filePart(up.fileDescription, up.maxFiles) };
      for (const [name, part] of alternatives) fileProps[name] = filePart(part.description, part.maxCount);
      operation.requestBody = {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              properties: { ...fileProps, ...((fields.properties ?? {}) as JsonObject) },
              required: [...(alternatives.length ? [] : [up.file]), ...((fields.required ?? []) as string[])],
              ...(alternatives.length && {
                oneOf: Object.keys(fileProps).map((name) => ({ required: [name] })),
              }),
            },
          },
        },
      };
    }
    (paths[ep.path] ??= {})[ep.method] = operation;
  }

  toSchema(ErrorBodySchema, 'output');
  return {
    openapi: '3.1.0',
    info: { ...info, license: { name: 'Proprietary', identifier: 'LicenseRef-SpatialForge' } },
    servers: [{ url: '/' }],
    tags: [...new Set(Object.values(contract).map((e) => e.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key, `sf_…`.' },
        desktopToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The per-launch token the desktop app (or `spatialforge serve`) generates.',
        },
      },
    },
  };
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewriteRefs(v);
    }
    return out;
  }
  return node;
}
