import type { Middleware } from 'koa';

/** The renderer's policy: everything from this origin only; no inline script, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** API responses are data, never documents: they may load nothing and be framed nowhere (OWASP REST guidance). */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

const API_PREFIXES = ['/v1/', '/healthz', '/metrics', '/openapi.json'];

const COMMON: [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()'],
];

function isApiPath(path: string): boolean {
  for (let i = 0; i < API_PREFIXES.length; i++) if (path.startsWith(API_PREFIXES[i]!)) return true;
  return false;
}

/** Security headers on every response, errors included (set before anything can throw). */
export function securityHeaders(): Middleware {
  return (ctx, next) => {
    const res = ctx.res;
    res.setHeader(
      'Content-Security-Policy',
      isApiPath(ctx.path) ? API_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY,
    );
    for (let i = 0; i < COMMON.length; i++) res.setHeader(COMMON[i]![0], COMMON[i]![1]);
    return next();
  };
}
