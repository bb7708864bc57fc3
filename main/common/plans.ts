/**
 * Plans and their limits. `monthlyQuota` counts requests authenticated with an API key in one
 * calendar month (UTC); `perMinute` is a sliding 60-second window. `null` means unlimited.
 */

export const PLANS = ['free', 'builder', 'pro', 'enterprise', 'admin'] as const;
export type Plan = (typeof PLANS)[number];

export interface PlanLimits {
  readonly monthlyQuota: number | null;
  readonly perMinute: number | null;
}

export const PLAN_LIMITS: Readonly<Record<Plan, PlanLimits>> = {
  free: { monthlyQuota: 100, perMinute: 20 },
  builder: { monthlyQuota: 5_000, perMinute: 120 },
  pro: { monthlyQuota: 50_000, perMinute: 600 },
  enterprise: { monthlyQuota: null, perMinute: 3_000 },
  admin: { monthlyQuota: null, perMinute: null },
};

/** The quota period a moment falls in: the UTC calendar month, as `YYYY-MM`. */
export function quotaPeriod(atMs: number): string {
  const d = new Date(atMs);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** When the quota period containing `atMs` ends (the first instant of the next UTC month). */
export function quotaPeriodEndMs(atMs: number): number {
  const d = new Date(atMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
