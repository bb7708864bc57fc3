import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Observability {
  registry: Registry;
  middleware: Middleware;
}

/** The request's logger, bound to its id; created only when something needs it (errors). */
export function requestLogger(ctx: Context, logger: Logger): Logger {
  return (ctx.state.log ??= logger.child({ req_id: ctx.state.requestId }));
}

/**
 * One structured log line and the Prometheus series per request, from one timing.
 *
 * Metrics: request count and latency by method, route template and status. Routes are the
 * contract's templates (`/v1/keys/{id}`), `static` for renderer files and `unmatched` otherwise, so
 * label cardinality stays bounded whatever paths clients send.
 *
 * Logs: the path without the query string (signed links carry their signature there).
 */
export function observe(options: { logger: Logger; processMetrics: boolean }): Observability {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'spatialforge_' });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'spatialforge_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'spatialforge_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // Label children are looked up once per (method, route, status), not hashed on every request.
  const series = new Map<
    string,
    { count: Counter.Internal; latency: Histogram.Internal<(typeof labelNames)[number]> }
  >();
  const seriesFor = (method: string, route: string, status: number) => {
    const id = `${method} ${route} ${status}`;
    let s = series.get(id);
    if (!s) {
      const labels = { method, route, status: String(status) };
      s = { count: requests.labels(labels), latency: duration.labels(labels) };
      series.set(id, s);
    }
    return s;
  };
  const { logger } = options;

  const middleware: Middleware = async (ctx, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const ms = performance.now() - start;
      const method = ctx.method.length <= 10 ? ctx.method : 'OTHER';
      const route: string = ctx.state.route ?? 'unmatched';
      const status = ctx.status;
      const s = seriesFor(method, route, status);
      s.count.inc();
      s.latency.observe(ms / 1000);
      const fields = {
        req_id: ctx.state.requestId,
        method,
        path: ctx.path.length > 200 ? ctx.path.slice(0, 200) + '…' : ctx.path,
        route,
        status,
        ms: Math.round(ms * 100) / 100,
        key_id: ctx.state.principal?.keyId ?? null,
      };
      if (status >= 500) logger.error(fields, 'request failed');
      else logger.info(fields, 'request');
    }
  };
  return { registry, middleware };
}
