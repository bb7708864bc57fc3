import type { z } from 'zod';
import type { ErrorCode } from '../errors.js';

/**
 * How a caller proves who it is.
 * - `none`: public (health, spec, docs, metrics).
 * - `key`: an API key (`X-API-Key: sf_…`) or the desktop's per-launch token.
 * - `admin`: an admin-plan key or the desktop token.
 * - `signed-or-key`: a signed, expiring link (`?sig=…&exp=…`) or an API key.
 */
export type AuthMode = 'none' | 'key' | 'admin' | 'signed-or-key';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface EndpointDef {
  readonly method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/keys/{id}`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly auth: AuthMode;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  /** JSON request body. */
  readonly body?: z.ZodType;
  /** A multipart/form-data body instead: file part(s) plus text fields (validated by `fields`). */
  readonly upload?: UploadDef;
  readonly response: {
    readonly status: number;
    readonly description: string;
    /** JSON response schema; absent for non-JSON responses (`contentType`). */
    readonly schema?: z.ZodType;
    readonly contentType?: string;
  };
  /**
   * A second success answer: `202 Accepted` with this body when the handler decides the work is
   * long and returns `new Accepted(body)` (e.g. a job) instead of the result.
   */
  readonly accepted?: { readonly status: 202; readonly description: string; readonly schema: z.ZodType };
  /** Expected error codes, documented in the spec (auth, validation and limits are added). */
  readonly errors?: readonly ErrorCode[];
  /** Handler deadline; past it the caller gets a 503 `timeout` and the handler's signal aborts. */
  readonly timeoutMs?: number;
  /** Largest accepted request body. */
  readonly bodyLimitBytes?: number;
}

export interface UploadDef {
  /** Form field name of the file part. */
  readonly file: string;
  readonly fileDescription: string;
  /** How many parts named `file` one request may hold (default 1: exactly one file). */
  readonly maxFiles?: number;
  /**
   * Other file fields a request may use *instead of* `file` — one field per request, never two
   * (e.g. one `video` or several `images`). With alternatives, a request names exactly one of them.
   */
  readonly alternatives?: Readonly<Record<string, UploadFilePart>>;
  /** Text fields; values arrive as strings, so schemas coerce. */
  readonly fields: z.ZodObject;
  /** Largest accepted file. */
  readonly maxFileBytes: number;
  /** Largest total of all files of one request (default: `maxFileBytes`). */
  readonly maxTotalBytes?: number;
}

/** A file field of {@link UploadDef.alternatives}. */
export interface UploadFilePart {
  readonly description: string;
  /** Most parts with this name in one request (default 1). */
  readonly maxCount?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Identity helper that keeps each endpoint's literal types for inference. */
export function endpoint<const E extends EndpointDef>(def: E): E {
  return def;
}

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;
type InferIn<S> = S extends z.ZodType ? z.input<S> : undefined;

export type ParamsOf<E extends EndpointDef> = Infer<E['params']>;
export type QueryOf<E extends EndpointDef> = Infer<E['query']>;
export type BodyOf<E extends EndpointDef> = E['upload'] extends UploadDef
  ? z.output<E['upload']['fields']>
  : Infer<E['body']>;
export type ResponseOf<E extends EndpointDef> = Infer<E['response']['schema']>;
/** The 202 body of an endpoint that may answer `accepted`. */
export type AcceptedOf<E extends EndpointDef> = E['accepted'] extends { schema: z.ZodType }
  ? Infer<E['accepted']['schema']>
  : never;

/** A handler's "accepted, not done yet" answer: sent as the endpoint's `accepted` response (202). */
export class Accepted<T> {
  constructor(readonly body: T) {}
}

/** What a client sends (zod input types: defaults may be omitted). */
export interface RequestInput<E extends EndpointDef> {
  params: InferIn<E['params']>;
  query: InferIn<E['query']>;
  body: E['upload'] extends UploadDef ? MultipartBody : InferIn<E['body']>;
}

/** A multipart body as the client sends it: a FormData (browser or Node) built by the caller. */
export type MultipartBody = { readonly multipart: unknown };
