import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AccessLog } from './accessLog.js';

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
 * Logs: the path without the query string (signed links carry their signature there). Every
 * request gets its line (5xx at `error`, the rest at `info`), built by `AccessLog`.
 */
export function observe(options: { logger: Logger; processMetrics: boolean }): Observability {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'spatialforge_' });
  const labelNames = ['method', 'route', 'status'] as const;
  type Labels = Record<(typeof labelNames)[number], string>;
  interface Series {
    labels: Labels;
    latency: Histogram.Internal<(typeof labelNames)[number]>;
    /** Requests not yet added to the counter: it is brought up to date when scraped. */
    uncounted: number;
  }
  const all: Series[] = [];
  new Counter({
    name: 'spatialforge_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames,
    registers: [registry],
    // Counting on the request path costs a label hash per request; the scrape adds the tally.
    collect() {
      for (const s of all) {
        if (s.uncounted === 0) continue;
        this.inc(s.labels, s.uncounted);
        s.uncounted = 0;
      }
    },
  });
  const duration = new Histogram({
    name: 'spatialforge_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // Series by route → method → status, found without building a key string per request.
  const series = new Map<string, Map<string, Map<number, Series>>>();
  const seriesFor = (method: string, route: string, status: number): Series => {
    let byMethod = series.get(route);
    if (!byMethod) series.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let s = byStatus.get(status);
    if (!s) {
      const labels = { method, route, status: String(status) };
      s = { labels, latency: duration.labels(labels), uncounted: 0 };
      byStatus.set(status, s);
      all.push(s);
    }
    return s;
  };
  const access = new AccessLog(options.logger);

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
      s.uncounted++;
      s.latency.observe(ms / 1000);
      const path = ctx.path;
      access.write({
        req_id: ctx.state.requestId,
        method,
        path: path.length > 200 ? path.slice(0, 200) + '…' : path,
        route,
        status,
        ms: Math.round(ms * 100) / 100,
        key_id: ctx.state.principal?.keyId ?? null,
      });
    }
  };
  return { registry, middleware };
}
