import type { Middleware } from 'koa';
import { AppError } from '../../common/errors.js';

export const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'] as const;

/** The hostname part of a Host header value (`[::1]:80` → `[::1]`), lower-cased; null if malformed. */
export function hostnameOf(host: string): string | null {
  const h = host.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(h);
  return m ? m[1]! : null;
}

/**
 * Defends against DNS rebinding and cross-site requests:
 * - the `Host` header must name an allowed host (loopback names, plus hosts configured for a
 *   non-loopback bind), so a page on `evil.example` that rebinds to 127.0.0.1 is refused;
 * - a request carrying an `Origin` must come from this server's own origin; browsers send it on
 *   every cross-origin and every non-GET request, so another site cannot drive the API;
 * - a browser-marked cross-site request (`Sec-Fetch-Site: cross-site`) that could change state is
 *   refused even without an `Origin`.
 */
export function hostAndOriginCheck(options: { allowedHostnames: readonly string[]; port: () => number }): Middleware {
  const allowed = new Set(options.allowedHostnames.map((h) => h.toLowerCase()));
  // Clients send the same Host on every request: remember the last one found allowed.
  let lastAllowedHost: string | null = null;
  return (ctx, next) => {
    const headers = ctx.req.headers;
    const host = headers.host ?? '';
    if (host !== lastAllowedHost) {
      const hostname = hostnameOf(host);
      if (!hostname || !allowed.has(hostname)) {
        throw new AppError('host_not_allowed', 'the Host header names a host this server does not answer for');
      }
      lastAllowedHost = host;
    }
    const origin = headers.origin;
    if (origin && !isAllowedOrigin(origin, allowed, options.port())) {
      throw new AppError('origin_not_allowed', 'cross-origin requests are not allowed');
    }
    const site = headers['sec-fetch-site'];
    if (site === 'cross-site' && ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new AppError('origin_not_allowed', 'cross-site requests are not allowed');
    }
    return next();
  };
}

function isAllowedOrigin(origin: string, allowed: ReadonlySet<string>, port: number): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const originPort = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return allowed.has(url.hostname.toLowerCase()) && originPort === port;
}
