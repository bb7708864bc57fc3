import type { Middleware } from 'koa';
import type { Logger } from 'pino';

/**
 * One structured line per request, with its id. Logs the path without the query string: signed
 * links carry their signature there.
 */
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const start = performance.now();
    ctx.state.log = logger.child({ req_id: ctx.state.requestId });
    try {
      await next();
    } finally {
      const fields = {
        method: ctx.method,
        path: ctx.path.length > 200 ? ctx.path.slice(0, 200) + '…' : ctx.path,
        route: ctx.state.route ?? null,
        status: ctx.status,
        ms: Math.round((performance.now() - start) * 100) / 100,
        key_id: ctx.state.principal?.keyId ?? null,
      };
      if (ctx.status >= 500) ctx.state.log.error(fields, 'request failed');
      else ctx.state.log.info(fields, 'request');
    }
  };
}
