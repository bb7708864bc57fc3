import crypto from 'node:crypto';
import type { ApiKeyId } from '../common/ids.js';
import { PLAN_LIMITS, quotaPeriod, quotaPeriodEndMs, type Plan } from '../common/plans.js';
import type { ApiKeyRepo, ApiKeyRow } from '../db/repos/apiKeys.js';
import type { UsageMeter } from './usageMeter.js';

/** `sf_` + 12 hex digits naming the key + `_` + 43 base64url characters of secret (256 bits). */
const KEY_PATTERN = /^sf_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface Usage {
  period: string;
  used: number;
  monthlyQuota: number | null;
  perMinute: number | null;
  resetsAtMs: number;
}

/** How long a key row is trusted from memory; a revocation made by another process (the CLI) takes effect within it. */
export const KEY_CACHE_MS = 1_000;

interface CacheEntry {
  row: ApiKeyRow;
  loadedAtMs: number;
  /** The exact key string whose HMAC matched `row` since it was loaded; null until one does. */
  verified: string | null;
}

/** Equality of two strings in time that depends only on their lengths. */
function equalConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * API keys. Only HMAC-SHA256(dataFolderSecret, key) is stored; a stolen database alone does not
 * yield usable keys. Lookup is by the key's public id, then a constant-time comparison of HMACs.
 * Rows are cached for `KEY_CACHE_MS` so the request path does not query SQLite; revocations
 * through this process apply at once.
 */
export class ApiKeyService {
  private readonly dummyHmac: Buffer;
  /** The secret as a key object: HMAC setup then skips converting the buffer on every request. */
  private readonly hmacKey: crypto.KeyObject;
  private readonly cache = new Map<ApiKeyId, CacheEntry>();

  constructor(
    private readonly keys: ApiKeyRepo,
    private readonly usage: UsageMeter,
    secret: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.hmacKey = crypto.createSecretKey(secret);
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

  /**
   * The active key row for a presented key, or null. Timing does not depend on which check failed.
   * A key whose HMAC matched within the row's cache window (`KEY_CACHE_MS`) is recognised by a
   * constant-time string comparison instead of a new HMAC: the HMAC costs more than the rest of a
   * trivial request. So the plaintext of a key used in the last second stays in this process's
   * memory for at most that second — where the request that carried it is anyway.
   */
  authenticate(presented: string): ApiKeyRow | null {
    const match = KEY_PATTERN.exec(presented);
    const entry = match ? this.entry(`key_${match[1]}` as ApiKeyId) : undefined;
    const row = entry?.row;
    let equal: boolean;
    if (entry && entry.verified !== null && equalConstantTime(entry.verified, presented)) equal = true;
    else {
      equal = crypto.timingSafeEqual(this.hmac(presented), row ? row.keyHmac : this.dummyHmac);
      if (entry && equal) entry.verified = presented;
    }
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
    return this.entry(id)?.row;
  }

  list(includeRevoked: boolean): ApiKeyRow[] {
    return this.keys.list(includeRevoked);
  }

  revoke(id: ApiKeyId): ApiKeyRow | undefined {
    this.cache.delete(id);
    if (!this.keys.revoke(id, this.now())) return undefined;
    return this.keys.get(id);
  }

  /** Counts one request against the monthly quota; null (nothing counted) when it is used up. */
  consume(row: ApiKeyRow): Usage | null {
    const at = this.now();
    const limits = PLAN_LIMITS[row.plan];
    const used = this.usage.consume(row.id, limits.monthlyQuota);
    if (used === null) return null;
    return { period: quotaPeriod(at), used, ...limits, resetsAtMs: quotaPeriodEndMs(at) };
  }

  usageOf(row: Pick<ApiKeyRow, 'id' | 'plan'>): Usage {
    const at = this.now();
    return {
      period: quotaPeriod(at),
      used: this.usage.used(row.id),
      ...PLAN_LIMITS[row.plan],
      resetsAtMs: quotaPeriodEndMs(at),
    };
  }

  /** The row from memory if loaded within `KEY_CACHE_MS`, else from the database (forgetting the verified key). */
  private entry(id: ApiKeyId): CacheEntry | undefined {
    const at = this.now();
    const hit = this.cache.get(id);
    if (hit && at - hit.loadedAtMs < KEY_CACHE_MS) return hit;
    const row = this.keys.get(id);
    if (!row) {
      this.cache.delete(id);
      return undefined;
    }
    if (this.cache.size >= 10_000) this.cache.clear();
    const fresh: CacheEntry = { row, loadedAtMs: at, verified: null };
    this.cache.set(id, fresh);
    return fresh;
  }

  private hmac(key: string): Buffer {
    return crypto.createHmac('sha256', this.hmacKey).update(key).digest();
  }
}
