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

/** The month containing `atMs` (UTC): its `YYYY-MM` name and bounds. */
interface Month {
  period: string;
  startMs: number;
  endMs: number;
}

// The request path asks for the current month several times a request; the answer changes once a month.
let lastMonth: Month = monthOf(0);

function monthOf(atMs: number): Month {
  const d = new Date(atMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { period: `${y}-${String(m + 1).padStart(2, '0')}`, startMs: Date.UTC(y, m, 1), endMs: Date.UTC(y, m + 1, 1) };
}

function month(atMs: number): Month {
  if (atMs >= lastMonth.startMs && atMs < lastMonth.endMs) return lastMonth;
  return (lastMonth = monthOf(atMs));
}

/** The quota period a moment falls in: the UTC calendar month, as `YYYY-MM`. */
export function quotaPeriod(atMs: number): string {
  return month(atMs).period;
}

/** When the quota period containing `atMs` ends (the first instant of the next UTC month). */
export function quotaPeriodEndMs(atMs: number): number {
  return month(atMs).endMs;
}
