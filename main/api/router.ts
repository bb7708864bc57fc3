import type { Middleware, ParameterizedContext } from 'koa';
import { AppError } from '../common/errors.js';

export interface RouteInfo {
  method: string;
  /** OpenAPI path template, e.g. `/v1/keys/{id}`. */
  template: string;
}

interface PathEntry {
  template: string;
  methods: Map<string, Middleware>;
}

interface PatternEntry extends PathEntry {
  regex: RegExp;
  paramNames: string[];
}

/**
 * The contract's router, written for the request path: a path without parameters is one `Map`
 * lookup; templated paths are tried in registration order against one anchored regex each. A known
 * path with another method gets a 405 with `Allow`; `HEAD` is served by the `GET` route.
 * (A general-purpose router costs several microseconds per request here; this costs well under one.)
 */
export class ContractRouter {
  private readonly exact = new Map<string, PathEntry>();
  private readonly patterns: PatternEntry[] = [];

  add(method: string, template: string, handler: Middleware): void {
    const upper = method.toUpperCase();
    if (!template.includes('{')) {
      const entry = this.exact.get(template) ?? { template, methods: new Map() };
      entry.methods.set(upper, handler);
      this.exact.set(template, entry);
      return;
    }
    let entry = this.patterns.find((p) => p.template === template);
    if (!entry) {
      const paramNames: string[] = [];
      const source = template
        .split(/(\{\w+\})/)
        .map((part) => {
          const m = /^\{(\w+)\}$/.exec(part);
          if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          paramNames.push(m[1]!);
          return '([^/]+)';
        })
        .join('');
      entry = { template, methods: new Map(), regex: new RegExp(`^${source}$`), paramNames };
      this.patterns.push(entry);
    }
    entry.methods.set(upper, handler);
  }

  /** Every (method, template) registered, for the contract test. */
  routes(): RouteInfo[] {
    return [...this.exact.values(), ...this.patterns].flatMap((e) =>
      [...e.methods.keys()].map((method) => ({ method, template: e.template })),
    );
  }

  middleware(): Middleware {
    return (ctx, next) => {
      let entry: PathEntry | undefined = this.exact.get(ctx.path);
      let params: Record<string, string> = {};
      if (!entry) {
        for (const p of this.patterns) {
          const m = p.regex.exec(ctx.path);
          if (!m) continue;
          entry = p;
          params = decodeParams(p.paramNames, m);
          break;
        }
      }
      if (!entry) return next();
      const handler = entry.methods.get(ctx.method) ?? (ctx.method === 'HEAD' ? entry.methods.get('GET') : undefined);
      if (!handler) {
        const allow = [...entry.methods.keys()];
        if (allow.includes('GET')) allow.push('HEAD');
        throw new AppError('method_not_allowed', `${ctx.method.slice(0, 10)} is not allowed on ${entry.template}`, {
          headers: { Allow: allow.join(', ') },
        });
      }
      (ctx as ParameterizedContext & { params: Record<string, string> }).params = params;
      return handler(ctx, next);
    };
  }
}

function decodeParams(names: readonly string[], match: RegExpExecArray): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) {
    try {
      params[names[i]!] = decodeURIComponent(match[i + 1]!);
    } catch {
      throw new AppError('bad_request', 'the path contains a malformed percent-encoding');
    }
  }
  return params;
}
