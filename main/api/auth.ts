import crypto from 'node:crypto';
import type { Context } from 'koa';
import type { AuthMode } from '../common/api/endpoint.js';
import { AppError } from '../common/errors.js';
import type { ArtifactId } from '../common/ids.js';
import { PLAN_LIMITS, type Plan } from '../common/plans.js';
import type { ApiKeyService } from '../core/apiKeys.js';
import type { ApiKeyRow } from '../db/repos/apiKeys.js';
import type { SlidingWindowLimiter } from '../core/rateLimiter.js';
import type { ArtifactStore } from '../storage/artifactStore.js';
import type { Principal } from './principal.js';

export interface AuthDeps {
  keys: ApiKeyService;
  artifacts: ArtifactStore;
  limiter: SlidingWindowLimiter;
  /** SHA-256 of the per-launch desktop token, or null when none is accepted. */
  desktopTokenHash: Buffer | null;
  /** Per-plan per-minute overrides (benchmarks, tests); null = unlimited. */
  perMinute: Readonly<Record<Plan, number | null>>;
  now: () => number;
}

export function hashToken(token: string): Buffer {
  return crypto.createHash('sha256').update(token).digest();
}

/**
 * Establishes the caller for a route's auth mode, then applies the per-minute limit and the monthly
 * quota (in that order, so a rate-limited request does not use quota). Sets the limit headers.
 */
export function authenticate(ctx: Context, mode: AuthMode, deps: AuthDeps, artifactId?: ArtifactId): Principal | null {
  if (mode === 'none') return null;

  if (mode === 'signed-or-key' && artifactId && (ctx.query.sig !== undefined || ctx.query.exp !== undefined)) {
    const { sig, exp } = ctx.query;
    if (typeof sig !== 'string' || typeof exp !== 'string' || !/^\d{1,12}$/.test(exp)) {
      throw new AppError('invalid_signature', 'a signed link needs exactly one sig and one exp');
    }
    deps.artifacts.verify(artifactId, sig, exp);
    return { kind: 'signed', keyId: null };
  }

  const apiKey = ctx.req.headers['x-api-key']; // a repeated header arrives joined into one string
  if (typeof apiKey === 'string' && apiKey !== '') {
    const row = deps.keys.authenticate(apiKey);
    if (!row) throw new AppError('unauthorized', 'the API key is not valid or has been revoked');
    if (mode === 'admin' && row.plan !== 'admin') throw new AppError('forbidden', 'this endpoint needs an admin key');
    limit(ctx, row, deps);
    return { kind: 'api_key', keyId: row.id, name: row.name, plan: row.plan };
  }
  return desktop(ctx, deps);
}

function desktop(ctx: Context, deps: AuthDeps): Principal {
  const auth = ctx.get('authorization');
  if (auth) {
    const m = /^Bearer ([A-Za-z0-9_-]{16,200})$/.exec(auth);
    if (m && deps.desktopTokenHash && crypto.timingSafeEqual(hashToken(m[1]!), deps.desktopTokenHash)) {
      return { kind: 'desktop', keyId: null, plan: 'admin' };
    }
    throw new AppError('unauthorized', 'the bearer token is not valid for this server');
  }
  throw new AppError('unauthorized', 'an API key is required: send it in the X-API-Key header');
}

function limit(ctx: Context, row: ApiKeyRow, deps: AuthDeps): void {
  const perMinute = deps.perMinute[row.plan];
  // Plain string values straight onto the response: Koa's `ctx.set` adds a layer per header.
  const res = ctx.res;
  if (perMinute !== null) {
    const d = deps.limiter.check(row.id, perMinute);
    res.setHeader('X-RateLimit-Limit', String(d.limit));
    res.setHeader('X-RateLimit-Remaining', String(d.remaining));
    if (!d.allowed) {
      throw new AppError('rate_limited', `more than ${perMinute} requests in a minute; retry in ${d.retryAfterS} s`, {
        headers: { 'Retry-After': String(d.retryAfterS) },
      });
    }
  }
  const usage = deps.keys.consume(row);
  const quota = PLAN_LIMITS[row.plan].monthlyQuota;
  if (usage === null) {
    const reset = deps.keys.usageOf(row).resetsAtMs;
    const retryAfter = Math.max(1, Math.ceil((reset - deps.now()) / 1000));
    throw new AppError('quota_exceeded', `the ${row.plan} plan's monthly quota of ${quota} requests is used up`, {
      headers: {
        'Retry-After': String(retryAfter),
        'X-Quota-Limit': String(quota),
        'X-Quota-Remaining': '0',
        'X-Quota-Reset': new Date(reset).toISOString(),
      },
      details: { plan: row.plan, monthly_quota: quota, resets_at: new Date(reset).toISOString() },
    });
  }
  if (quota !== null) {
    res.setHeader('X-Quota-Limit', String(quota));
    res.setHeader('X-Quota-Remaining', String(Math.max(0, quota - usage.used)));
    res.setHeader('X-Quota-Reset', new Date(usage.resetsAtMs).toISOString());
  }
}

export function perMinuteLimits(overrides: Partial<Record<Plan, number | null>> = {}): Record<Plan, number | null> {
  const out = {} as Record<Plan, number | null>;
  for (const plan of Object.keys(PLAN_LIMITS) as Plan[]) {
    out[plan] = plan in overrides ? (overrides[plan] ?? null) : PLAN_LIMITS[plan].perMinute;
  }
  return out;
}
