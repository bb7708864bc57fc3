import { ApiError, buildPath, createClient, type Client, type FetchLike } from '../../../main/common/api/client.js';
import { contract, type EndpointName } from '../../../main/common/api/contract.js';
import type { ErrorBody } from '../../../main/common/errors.js';
import { SseParser, type SseEvent } from './sse.js';
import type { SpatialForgeBridge } from '../../../main/common/ipc.js';

declare global {
  interface Window {
    spatialforge?: SpatialForgeBridge;
  }
}

const TOKEN_KEY = 'spatialforge.token';

/**
 * Finds this launch's token: from the desktop bridge, or — in a browser against
 * `spatialforge serve` — from the `#token=…` the server printed (kept in sessionStorage and
 * removed from the address bar so it is not bookmarked or shared by accident).
 */
export async function discoverToken(): Promise<string | null> {
  if (window.spatialforge) {
    const info = await window.spatialforge.coreInfo();
    return info.ok ? info.value.token : null;
  }
  const match = /(?:^#|&)token=([A-Za-z0-9_-]{16,200})/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function makeClient(token: string | null): Client {
  const doFetch: FetchLike = (url, init) => window.fetch(url, init as RequestInit);
  return createClient({ baseUrl: '', credentials: token ? { desktopToken: token } : null, fetch: doFetch });
}

// The authenticated client lives beside the store, not in it: it is a capability, not state.
let current: Client | null = null;
let currentToken: string | null = null;

export function setApi(client: Client | null, token: string | null = null): void {
  current = client;
  currentToken = token;
}

function authHeaders(): Record<string, string> {
  if (!current) throw new Error('not connected to the core yet');
  return currentToken ? { authorization: `Bearer ${currentToken}` } : {};
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: ErrorBody = { error: { code: 'internal_error', message: `HTTP ${res.status}` } };
  try {
    const parsed = (await res.json()) as Partial<ErrorBody>;
    if (parsed.error && typeof parsed.error.message === 'string') body = parsed as ErrorBody;
  } catch {
    // not JSON: keep the status
  }
  return new ApiError(res.status, body, res.headers.get('x-request-id'));
}

/** The contract's event-stream endpoints (`text/event-stream` responses). */
export type StreamEndpoint = {
  [N in EndpointName]: (typeof contract)[N]['response'] extends { contentType: 'text/event-stream' } ? N : never;
}[EndpointName];

/**
 * Follows one of the contract's Server-Sent Events endpoints with fetch(), because EventSource
 * cannot send the Authorization header the core requires. Calls `onEvent` for each event and
 * resolves when the stream ends (the server closes it after its final event) or `signal` aborts.
 * Rejects with an ApiError when the request is refused (e.g. 404), before any event.
 */
export async function streamEvents(
  name: StreamEndpoint,
  params: Record<string, string>,
  onEvent: (e: SseEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const url = buildPath(contract[name].path, params);
  const res = await window.fetch(url, {
    headers: { ...authHeaders(), accept: 'text/event-stream' },
    signal,
    cache: 'no-store',
  });
  if (!res.ok) throw await errorOf(res);
  if (!res.body) throw new Error('the browser gave no response stream');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      for (const e of parser.push(value)) onEvent(e);
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  } finally {
    reader.releaseLock();
  }
}

/**
 * POSTs a multipart form to an upload endpoint the core announces in its OpenAPI document but this
 * build's contract does not declare yet (see features/reconstruct/reconstructApi.ts). Same
 * credentials and error envelope as the typed client; returns the parsed JSON and the status.
 */
export async function postForm(
  path: string,
  form: FormData,
  signal?: AbortSignal,
): Promise<{ status: number; json: unknown }> {
  const res = await window.fetch(path, {
    method: 'POST',
    headers: { ...authHeaders(), accept: 'application/json' },
    body: form,
    ...(signal && { signal }),
  });
  if (!res.ok) throw await errorOf(res);
  return { status: res.status, json: (await res.json()) as unknown };
}

/** The client of the connected core; throws before the connection is made. */
export function api(): Client {
  if (!current) throw new Error('not connected to the core yet');
  return current;
}

/**
 * Downloads an artifact through its signed link (same origin, no credentials needed) as bytes.
 * Throws with the server's message when the link has expired or the artifact is gone.
 */
export async function fetchArtifact(url: string, signal?: AbortSignal): Promise<ArrayBuffer> {
  const res = await window.fetch(url, signal ? { signal } : {});
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: { message?: string } };
      if (body.error?.message) message = body.error.message;
    } catch {
      // not JSON: keep the status
    }
    throw new Error(`Could not download the file (${message}). Run the request again to get fresh links.`);
  }
  return res.arrayBuffer();
}
