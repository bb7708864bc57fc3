import type { ErrorBody } from '../errors.js';
import { contract, type Contract, type EndpointName } from './contract.js';
import type { AcceptedOf, MultipartBody, RequestInput, ResponseOf } from './endpoint.js';

export type Credentials = { apiKey: string } | { desktopToken: string } | null;

/**
 * The slice of `fetch` the client needs; main/common stays free of DOM and Node types. `body` is a
 * JSON string, or the caller's own FormData (browser or Node) for upload endpoints — `unknown` here
 * because FormData is a DOM/Node type.
 */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: unknown; signal?: unknown },
) => Promise<{ ok: boolean; status: number; text(): Promise<string>; headers: { get(name: string): string | null } }>;

export interface ClientOptions {
  /** Origin of the core, e.g. `http://127.0.0.1:4780`; '' for same-origin (the renderer). */
  baseUrl: string;
  credentials: Credentials;
  fetch: FetchLike;
}

/** A non-2xx answer from the core, with its error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly requestId: string | null,
  ) {
    super(`${status} ${body.error.code}: ${body.error.message}`);
    this.name = 'ApiError';
  }
}

type OptionalKeys<T> = { [K in keyof T as undefined extends T[K] ? K : never]?: T[K] };
type RequiredKeys<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] };
type CallInput<N extends EndpointName> = RequiredKeys<RequestInput<Contract[N]>> &
  OptionalKeys<RequestInput<Contract[N]>> & { signal?: unknown };

/** Fills an OpenAPI path template; every value is URI-encoded, so no input can change the path. */
export function buildPath(template: string, params: Readonly<Record<string, unknown>> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

/**
 * The typed client of the core's endpoints, derived from the contract. JSON endpoints take a plain
 * `body`; upload endpoints take `body: { multipart: formData }`, a FormData the caller built (file
 * part plus text fields), sent as it is so that fetch writes the multipart boundary itself.
 */
export function createClient(options: ClientOptions) {
  const doFetch = options.fetch;

  /** The endpoint's result, or (endpoints that may answer 202, e.g. with a job) its accepted body. */
  async function call<N extends EndpointName>(
    name: N,
    input: CallInput<N>,
  ): Promise<ResponseOf<Contract[N]> | AcceptedOf<Contract[N]>> {
    const ep = contract[name];
    const { params, query, body, signal } = input as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
      signal?: unknown;
    };
    let url = options.baseUrl + buildPath(ep.path, params);
    if (query) {
      const qs = Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');
      if (qs) url += `?${qs}`;
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    const creds = options.credentials;
    if (creds && 'apiKey' in creds) headers['x-api-key'] = creds.apiKey;
    if (creds && 'desktopToken' in creds) headers.authorization = `Bearer ${creds.desktopToken}`;
    const init: Parameters<FetchLike>[1] = { method: ep.method.toUpperCase(), headers };
    if (signal !== undefined) init.signal = signal;
    if ('upload' in ep && ep.upload !== undefined) {
      if (!isMultipart(body)) throw new TypeError(`${name} is an upload: pass body: { multipart: formData }`);
      // No content-type: fetch sets multipart/form-data with the boundary it generates.
      init.body = body.multipart;
    } else if ('body' in ep && body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await doFetch(url, init);
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const envelope = isErrorBody(parsed)
        ? parsed
        : { error: { code: 'internal_error' as const, message: `HTTP ${res.status}` } };
      throw new ApiError(res.status, envelope, res.headers.get('x-request-id'));
    }
    return parsed as ResponseOf<Contract[N]> | AcceptedOf<Contract[N]>;
  }

  return { call };
}

function isMultipart(value: unknown): value is MultipartBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    'multipart' in value &&
    value.multipart !== undefined &&
    value.multipart !== null
  );
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    'error' in value &&
    typeof (value as { error: unknown }).error === 'object'
  );
}

export type Client = ReturnType<typeof createClient>;
