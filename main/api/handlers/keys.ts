import type { z } from 'zod';
import type { ApiKeySchema } from '../../common/api/schemas.js';
import { AppError } from '../../common/errors.js';
import type { ApiKeyId } from '../../common/ids.js';
import type { ApiKeyService } from '../../core/apiKeys.js';
import type { ApiKeyRow } from '../../db/repos/apiKeys.js';
import type { Handlers } from '../routes.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

// A period's reset instant is the same for every request of the month: format it once.
let lastReset = { ms: NaN, iso: '' };
const resetIso = (ms: number) => (lastReset.ms === ms ? lastReset : (lastReset = { ms, iso: iso(ms)! })).iso;

type UsageView = z.output<typeof ApiKeySchema>['usage'];

function usageView(keys: ApiKeyService, row: ApiKeyRow): UsageView {
  const u = keys.usageOf(row);
  return {
    period: u.period,
    used: u.used,
    monthly_quota: u.monthlyQuota,
    per_minute: u.perMinute,
    resets_at: resetIso(u.resetsAtMs),
  };
}

export function apiKeyView(keys: ApiKeyService, row: ApiKeyRow): z.output<typeof ApiKeySchema> {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    created_at: new Date(row.createdAt).toISOString(),
    last_used_at: iso(row.lastUsedAt),
    revoked_at: iso(row.revokedAt),
    usage: usageView(keys, row),
  };
}

export function keyHandlers(keys: ApiKeyService): Pick<Handlers, 'me' | 'listKeys' | 'createKey' | 'revokeKey'> {
  return {
    me({ principal }) {
      if (principal?.kind === 'api_key') {
        const row = keys.get(principal.keyId);
        if (!row) throw new AppError('unauthorized', 'the API key no longer exists');
        return { kind: 'api_key', key_id: row.id, name: row.name, plan: row.plan, usage: usageView(keys, row) };
      }
      return { kind: 'desktop', key_id: null, name: 'desktop app', plan: 'admin', usage: null };
    },
    listKeys({ query }) {
      return { keys: keys.list(query.include_revoked === 'true').map((row) => apiKeyView(keys, row)) };
    },
    createKey({ body }) {
      const { row, key } = keys.create(body.name, body.plan);
      return { ...apiKeyView(keys, row), key };
    },
    revokeKey({ params }) {
      const row = keys.revoke(params.id as ApiKeyId);
      if (!row) throw new AppError('not_found', `no API key ${params.id}`);
      return apiKeyView(keys, row);
    },
  };
}
