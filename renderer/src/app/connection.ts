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
