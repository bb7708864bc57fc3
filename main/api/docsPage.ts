import crypto from 'node:crypto';
import { CONTENT_SECURITY_POLICY } from './middleware/securityHeaders.js';

type Json = Record<string, unknown>;

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d232a}
h1{margin-bottom:0}code,pre{font:13px ui-monospace,monospace;background:#f3f5f7;border-radius:4px}
pre{padding:.6rem;overflow:auto}code{padding:0 .2rem}
section{border-top:1px solid #dde2e6;padding:.6rem 0}
.m{display:inline-block;min-width:4.2rem;font-weight:700;text-transform:uppercase}
.get{color:#0a7}.post{color:#07c}.delete{color:#c33}.put,.patch{color:#a60}
.auth{color:#666;font-size:13px}table{border-collapse:collapse}td{padding:.1rem .6rem .1rem 0;vertical-align:top}
@media (prefers-color-scheme:dark){body{background:#111518;color:#dfe4e8}code,pre{background:#1c2227}section{border-color:#2a3238}}
`;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** CSP for the docs page: the global policy plus the hash of its one inline style block. */
export const DOCS_CSP = CONTENT_SECURITY_POLICY.replace(
  "style-src 'self'",
  `style-src 'self' 'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'`,
);

/** A readable, self-contained HTML reference rendered from the OpenAPI document (no CDN, no script). */
export function renderDocsPage(doc: Json): string {
  const info = doc.info as { title: string; version: string; description: string };
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const security = (op.security as Json[]).length ? 'API key or desktop token' : 'no authentication';
      const params = ((op.parameters as Json[] | undefined) ?? [])
        .map(
          (p) =>
            `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}${p.required ? ', required' : ''}</td><td><code>${escapeHtml(JSON.stringify(p.schema))}</code></td></tr>`,
        )
        .join('');
      const body = op.requestBody
        ? `<p>Body (JSON):</p><pre>${escapeHtml(JSON.stringify((op.requestBody as Json).content, null, 2))}</pre>`
        : '';
      const responses = Object.entries(op.responses as Record<string, Json>)
        .map(([status, r]) => `<tr><td>${status}</td><td>${escapeHtml(String(r.description))}</td></tr>`)
        .join('');
      sections.push(`<section id="${escapeHtml(String(op.operationId))}">
<h3><span class="m ${method}">${method}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(String(op.summary))}${op.description ? ' — ' + escapeHtml(String(op.description)) : ''}</p>
<p class="auth">${security}</p>
${params ? `<table>${params}</table>` : ''}${body}<table>${responses}</table></section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)} API</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>
<h1>${escapeHtml(info.title)} API <small>${escapeHtml(info.version)}</small></h1>
<p>${escapeHtml(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are always
<code>{"error":{"code","message","details"?}}</code>; every response carries <code>X-Request-ID</code>.</p>
${sections.join('\n')}
<h2>Schemas</h2><pre>${escapeHtml(JSON.stringify((doc.components as Json).schemas, null, 2))}</pre>
</body></html>`;
}
