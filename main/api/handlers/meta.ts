import type { Registry } from 'prom-client';
import type { Database } from '../../db/database.js';
import { DOCS_CSP, renderDocsPage } from '../docsPage.js';
import type { Handlers } from '../routes.js';

export function metaHandlers(deps: {
  db: Database;
  version: string;
  startedAtMs: number;
  registry: Registry;
  openapi: Record<string, unknown>;
}): Pick<Handlers, 'health' | 'metrics' | 'openapi' | 'docs'> {
  const ping = deps.db.prepare('SELECT 1 AS ok');
  const openapiText = JSON.stringify(deps.openapi);
  const docsHtml = renderDocsPage(deps.openapi);
  return {
    health() {
      ping.get();
      return {
        status: 'ok',
        version: deps.version,
        uptime_s: Math.round((Date.now() - deps.startedAtMs) / 1000),
        database: 'ok',
      };
    },
    async metrics() {
      return { raw: true, contentType: deps.registry.contentType, body: await deps.registry.metrics() };
    },
    openapi() {
      return { raw: true, contentType: 'application/json; charset=utf-8', body: openapiText };
    },
    docs() {
      return {
        raw: true,
        contentType: 'text/html; charset=utf-8',
        body: docsHtml,
        headers: { 'Content-Security-Policy': DOCS_CSP },
      };
    },
  };
}
