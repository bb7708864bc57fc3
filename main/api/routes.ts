import type { Context } from 'koa';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_TIMEOUT_MS, type EndpointDef } from '../common/api/endpoint.js';
import type { BodyOf, ParamsOf, QueryOf, ResponseOf } from '../common/api/endpoint.js';
import type { Contract, EndpointName } from '../common/api/contract.js';
import { AppError } from '../common/errors.js';
import type { ArtifactId } from '../common/ids.js';
import { authenticate, type AuthDeps } from './auth.js';
import { readJsonBody } from './body.js';
import { DeadlineTracker } from './deadline.js';
import { ContractRouter } from './router.js';
import type { Principal } from './principal.js';

/** A non-JSON response (files, metrics text, HTML). */
export interface RawResponse {
  raw: true;
  contentType: string;
  body: string | Buffer | Readable;
  length?: number;
  headers?: Record<string, string>;
}

export interface HandlerInput<E extends EndpointDef> {
  params: ParamsOf<E>;
  query: QueryOf<E>;
  body: BodyOf<E>;
  principal: Principal | null;
  /** Aborts when the route's deadline passes or the client goes away. */
  signal: AbortSignal;
  ctx: Context;
}

type HandlerOutput<E extends EndpointDef> = E['response']['schema'] extends z.ZodType ? ResponseOf<E> : RawResponse;

export type Handlers = {
  [N in EndpointName]: (
    input: HandlerInput<Contract[N]>,
  ) => Promise<HandlerOutput<Contract[N]>> | HandlerOutput<Contract[N]>;
};

/**
 * Registers one Koa route per contract entry. Per request, in order: route name for logs and
 * metrics → deadline → authentication, rate limit and quota → body (size, type, JSON) → zod
 * validation of params, query and body → handler → (optionally) response validation.
 */
export function buildRouter(
  contract: Contract,
  handlers: Handlers,
  deps: { auth: AuthDeps; validateResponses: boolean },
): ContractRouter {
  const router = new ContractRouter();
  const deadlines = new DeadlineTracker();
  for (const name of Object.keys(contract) as EndpointName[]) {
    const ep: EndpointDef = contract[name];
    const handler = handlers[name] as (input: HandlerInput<EndpointDef>) => Promise<unknown> | unknown;
    const noStore = ep.path.startsWith('/v1/');
    router.add(ep.method, ep.path, async (ctx) => {
      ctx.state.route = ep.path;
      if (noStore) ctx.res.setHeader('Cache-Control', 'no-store');
      await deadlines.run(ctx, ep.timeoutMs ?? DEFAULT_TIMEOUT_MS, async (lifetime) => {
        const params = parse(ep.params, (ctx as unknown as { params: unknown }).params, 'path');
        const artifactId = name === 'getArtifact' ? ((params as { id: ArtifactId }).id ?? undefined) : undefined;
        const principal = authenticate(ctx, ep.auth, deps.auth, artifactId);
        ctx.state.principal = principal;
        const query = parse(ep.query, ctx.query, 'query');
        const body = ep.body
          ? parse(ep.body, await readJsonBody(ctx, ep.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES), 'body')
          : undefined;
        const input = {
          params,
          query,
          body,
          principal,
          ctx,
          get signal() {
            return lifetime.signal();
          },
        };
        const out = await handler(input as HandlerInput<EndpointDef>);
        if (lifetime.expired() || ctx.res.destroyed) return;
        send(ctx, ep, out, deps.validateResponses);
      });
    });
  }
  return router;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError('validation_failed', `invalid ${where}: ${result.error.issues[0]?.message ?? 'invalid'}`, {
    details: result.error.issues.map((i) => ({ in: where, path: i.path.map(String).join('.'), message: i.message })),
  });
}

function send(ctx: Context, ep: EndpointDef, out: unknown, validate: boolean): void {
  ctx.status = ep.response.status;
  if (ep.response.schema) {
    if (validate) {
      const check = ep.response.schema.safeParse(out);
      if (!check.success)
        throw new Error(`response of ${ep.method} ${ep.path} breaks the contract: ${check.error.message}`);
    }
    ctx.body = out;
    return;
  }
  const raw = out as RawResponse;
  if (raw.headers) ctx.set(raw.headers);
  ctx.type = raw.contentType;
  ctx.body = raw.body;
  if (raw.length !== undefined) ctx.length = raw.length;
}
