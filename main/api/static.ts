import fs from 'node:fs';
import path from 'node:path';
import type { Middleware } from 'koa';
import send from 'koa-send';

/**
 * Serves the built renderer for GET/HEAD requests that no route took (it sits after the router).
 * koa-send resolves paths inside `root` only (no `..`, no absolute paths, no dotfiles). Unknown
 * paths without an extension fall back to `index.html` so client-side routes survive a reload.
 * The build writes `.br` and `.gz` beside each text file; koa-send picks one the browser accepts.
 */
export function serveRenderer(root: string | null): Middleware {
  const index = root ? path.join(root, 'index.html') : null;
  return async (ctx) => {
    if (!root || !index) return;
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return;
    if (ctx.path.startsWith('/v1/')) return;
    const isAsset = ctx.path.startsWith('/assets/');
    try {
      await send(ctx, ctx.path === '/' ? 'index.html' : ctx.path, {
        root,
        immutable: isAsset,
        maxage: isAsset ? 365 * 24 * 3600 * 1000 : 0,
      });
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status !== 404 && status !== 400 && status !== 403) throw err;
      ctx.status = 404;
    }
    if (ctx.body === undefined && !path.extname(ctx.path) && fs.existsSync(index)) {
      await send(ctx, 'index.html', { root });
    }
    if (ctx.body !== undefined) {
      ctx.state.route = 'static';
      ctx.vary('Accept-Encoding'); // the same URL answers br, gzip or identity
      if (ctx.path === '/' || ctx.path.endsWith('.html') || !path.extname(ctx.path))
        ctx.set('Cache-Control', 'no-cache');
    }
  };
}
