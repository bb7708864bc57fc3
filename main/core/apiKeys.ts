import crypto from 'node:crypto';
import type { ApiKeyId } from '../common/ids.js';
import { PLAN_LIMITS, quotaPeriod, quotaPeriodEndMs, type Plan } from '../common/plans.js';
import type { ApiKeyRepo, ApiKeyRow } from '../db/repos/apiKeys.js';
import type { UsageRepo } from '../db/repos/usage.js';

/** `sf_` + 12 hex digits naming the key + `_` + 43 base64url characters of secret (256 bits). */
const KEY_PATTERN = /^sf_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface Usage {
  period: string;
  used: number;
  monthlyQuota: number | null;
  perMinute: number | null;
  resetsAtMs: number;
}

/**
 * API keys. Only HMAC-SHA256(dataFolderSecret, key) is stored; a stolen database alone does not
 * yield usable keys. Lookup is by the key's public id, then a constant-time comparison of HMACs.
 */
export class ApiKeyService {
  private readonly dummyHmac: Buffer;

  constructor(
    private readonly keys: ApiKeyRepo,
    private readonly usage: UsageRepo,
    private readonly secret: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.dummyHmac = this.hmac('sf_000000000000_' + 'A'.repeat(43));
  }

  create(name: string, plan: Plan): { row: ApiKeyRow; key: string } {
    const idHex = crypto.randomBytes(6).toString('hex');
    const key = `sf_${idHex}_${crypto.randomBytes(32).toString('base64url')}`;
    const row = {
      id: `key_${idHex}` as ApiKeyId,
      name,
      plan,
      keyHmac: this.hmac(key),
      createdAt: this.now(),
    };
    this.keys.insert(row);
    return { row: { ...row, lastUsedAt: null, revokedAt: null }, key };
  }

  /** The active key row for a presented key, or null. Timing does not depend on which check failed. */
  authenticate(presented: string): ApiKeyRow | null {
    const match = KEY_PATTERN.exec(presented);
    const row = match ? this.keys.get(`key_${match[1]}` as ApiKeyId) : undefined;
    const given = this.hmac(presented);
    const equal = crypto.timingSafeEqual(given, row ? row.keyHmac : this.dummyHmac);
    if (!row || !equal || row.revokedAt !== null) return null;
    const at = this.now();
    // Record use at most once a minute, so the hot path rarely writes for it.
    if (row.lastUsedAt === null || at - row.lastUsedAt >= 60_000) {
      this.keys.touch(row.id, at);
      row.lastUsedAt = at;
    }
    return row;
  }

  get(id: ApiKeyId): ApiKeyRow | undefined {
    return this.keys.get(id);
  }

  list(includeRevoked: boolean): ApiKeyRow[] {
    return this.keys.list(includeRevoked);
  }

  revoke(id: ApiKeyId): ApiKeyRow | undefined {
    if (!this.keys.revoke(id, this.now())) return undefined;
    return this.keys.get(id);
  }

  /** Counts one request against the monthly quota; null (nothing counted) when it is used up. */
  consume(row: ApiKeyRow): Usage | null {
    const at = this.now();
    const limits = PLAN_LIMITS[row.plan];
    const period = quotaPeriod(at);
    const used = this.usage.consume(row.id, period, limits.monthlyQuota);
    if (used === null) return null;
    return { period, used, ...limits, resetsAtMs: quotaPeriodEndMs(at) };
  }

  usageOf(row: Pick<ApiKeyRow, 'id' | 'plan'>): Usage {
    const at = this.now();
    const period = quotaPeriod(at);
    return { period, used: this.usage.used(row.id, period), ...PLAN_LIMITS[row.plan], resetsAtMs: quotaPeriodEndMs(at) };
  }

  private hmac(key: string): Buffer {
    return crypto.createHmac('sha256', this.secret).update(key).digest();
  }
}
