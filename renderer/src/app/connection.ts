import { createClient, type Client, type FetchLike } from '../../../main/common/api/client.js';
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

export function setApi(client: Client | null): void {
  current = client;
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
