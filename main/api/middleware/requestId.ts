import crypto from 'node:crypto';
import type { Middleware } from 'koa';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a well-formed `X-Request-ID` or generates one; echoes it on every response. */
export function requestId(): Middleware {
  return (ctx, next) => {
    const given = ctx.req.headers['x-request-id'];
    const id = typeof given === 'string' && SAFE_ID.test(given) ? given : crypto.randomUUID();
    ctx.state.requestId = id;
    ctx.res.setHeader('X-Request-ID', id);
    return next();
  };
}
