import type { Context } from 'koa';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_TIMEOUT_MS,
  type EndpointDef,
  type UploadDef,
} from '../common/api/endpoint.js';
import {
  Accepted,
  type AcceptedOf,
  type BodyOf,
  type ParamsOf,
  type QueryOf,
  type ResponseOf,
} from '../common/api/endpoint.js';
import type { Contract, EndpointName } from '../common/api/contract.js';
import { AppError } from '../common/errors.js';
import type { ArtifactId } from '../common/ids.js';
import { authenticate, type AuthDeps } from './auth.js';
import { readJsonBody } from './body.js';
import { DeadlineTracker, isPromise, type RequestLifetime } from './deadline.js';
import { readMultipart, type UploadedFile } from './multipart.js';
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
  /** The uploaded file of a multipart endpoint (`upload` in the contract); undefined otherwise. */
  file: E['upload'] extends UploadDef ? UploadedFile : UploadedFile | undefined;
  /** Every uploaded file, in the order sent (endpoints whose upload allows several; else `[file]` or `[]`). */
  files: readonly UploadedFile[];
  principal: Principal | null;
  /** Aborts when the route's deadline passes or the client goes away. */
  signal: AbortSignal;
  ctx: Context;
}

type HandlerOutput<E extends EndpointDef> =
  | (E['response']['schema'] extends z.ZodType ? ResponseOf<E> : RawResponse)
  | (E['accepted'] extends object ? Accepted<AcceptedOf<E>> : never);

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
    const timeoutMs = ep.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const validate = deps.validateResponses;

    const finish = (
      ctx: Context,
      lifetime: RequestLifetime,
      pre: Prepared,
      body: unknown,
      files: UploadedFile[] = [],
    ): void | Promise<void> => {
      const out = handler(new Input(pre, body, files, ctx, lifetime));
      if (!isPromise(out)) return send(ctx, ep, out, validate);
      return out.then((value) => {
        if (!lifetime.expired() && !ctx.res.destroyed) send(ctx, ep, value, validate);
      });
    };

    router.add(ep.method, ep.path, (ctx) => {
      ctx.state.route = ep.path;
      if (noStore) ctx.res.setHeader('Cache-Control', 'no-store');
      // Validation and authentication are synchronous; only body reading and asynchronous
      // handlers make the deadline tracker start watching.
      return deadlines.run(ctx, timeoutMs, (lifetime) => {
        const params = parse(ep.params, (ctx as unknown as { params: unknown }).params, 'path');
        const artifactId = name === 'getArtifact' ? (params as { id: ArtifactId }).id : undefined;
        const principal = authenticate(ctx, ep.auth, deps.auth, artifactId);
        ctx.state.principal = principal;
        // `ctx.query` parses the query string: only routes that declare a query pay for it.
        const pre: Prepared = { params, query: ep.query ? parse(ep.query, ctx.query, 'query') : undefined, principal };
        const upload = ep.upload;
        if (upload) {
          return readMultipart(ctx, upload).then(({ files, fields }) =>
            finish(ctx, lifetime, pre, parse(upload.fields, fields, 'body'), files),
          );
        }
        if (!ep.body) return finish(ctx, lifetime, pre, undefined);
        const schema = ep.body;
        return readJsonBody(ctx, ep.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES).then((raw) =>
          finish(ctx, lifetime, pre, parse(schema, raw, 'body')),
        );
      });
    });
  }
  return router;
}

interface Prepared {
  params: unknown;
  query: unknown;
  principal: Principal | null;
}

/**
 * A handler's input. A class rather than an object literal with a getter: the literal's accessor
 * is defined at run time on every request, which costs more than the rest of a trivial handler.
 */
class Input implements HandlerInput<EndpointDef> {
  readonly params: ParamsOf<EndpointDef>;
  readonly query: QueryOf<EndpointDef>;
  readonly body: BodyOf<EndpointDef>;
  readonly file: UploadedFile | undefined;
  readonly principal: Principal | null;

  constructor(
    pre: Prepared,
    body: unknown,
    readonly files: UploadedFile[],
    readonly ctx: Context,
    private readonly lifetime: RequestLifetime,
  ) {
    this.file = files[0];
    this.params = pre.params as ParamsOf<EndpointDef>;
    this.query = pre.query as QueryOf<EndpointDef>;
    this.body = body as BodyOf<EndpointDef>;
    this.principal = pre.principal;
  }

  get signal(): AbortSignal {
    return this.lifetime.signal();
  }
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
  if (out instanceof Accepted) {
    if (!ep.accepted) throw new Error(`${ep.method} ${ep.path} answered 202 but declares no accepted response`);
    ctx.status = 202;
    if (validate) {
      const check = ep.accepted.schema.safeParse(out.body);
      if (!check.success)
        throw new Error(`202 response of ${ep.method} ${ep.path} breaks the contract: ${check.error.message}`);
    }
    ctx.res.setHeader('Content-Type', 'application/json; charset=utf-8');
    ctx.body = JSON.stringify(out.body);
    return;
  }
  ctx.status = ep.response.status;
  if (ep.response.schema) {
    if (validate) {
      const check = ep.response.schema.safeParse(out);
      if (!check.success)
        throw new Error(`response of ${ep.method} ${ep.path} breaks the contract: ${check.error.message}`);
    }
    // Serialise here with the content type preset: Koa would otherwise look the type up per response.
    ctx.res.setHeader('Content-Type', 'application/json; charset=utf-8');
    ctx.body = JSON.stringify(out);
    return;
  }
  const raw = out as RawResponse;
  if (raw.headers) ctx.set(raw.headers);
  ctx.type = raw.contentType;
  ctx.body = raw.body;
  if (raw.length !== undefined) ctx.length = raw.length;
}
