import type { Middleware } from 'koa';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  middleware: Middleware;
}

/**
 * Request count and latency by method, route template and status. Routes are the contract's
 * templates (`/v1/keys/{id}`), `static` for renderer files and `unmatched` otherwise, so label
 * cardinality stays bounded whatever paths clients send.
 */
export function httpMetrics(options: { processMetrics: boolean }): HttpMetrics {
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
  const middleware: Middleware = async (ctx, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const labels = {
        method: ctx.method.length <= 10 ? ctx.method : 'OTHER',
        route: ctx.state.route ?? 'unmatched',
        status: String(ctx.status),
      };
      requests.inc(labels);
      duration.observe(labels, (performance.now() - start) / 1000);
    }
  };
  return { registry, middleware };
}
