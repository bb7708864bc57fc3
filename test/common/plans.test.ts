import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PLAN_LIMITS, quotaPeriod, quotaPeriodEndMs } from '../../main/common/plans.js';

test('plans › monthly quotas as published', () => {
  assert.deepEqual(Object.fromEntries(Object.entries(PLAN_LIMITS).map(([p, l]) => [p, l.monthlyQuota])), {
    free: 100,
    builder: 5000,
    pro: 50000,
    enterprise: null,
    admin: null,
  });
});

test('quota period › UTC calendar month, including the December roll-over', () => {
  assert.equal(quotaPeriod(Date.UTC(2026, 10, 30, 23, 59, 59)), '2026-11');
  assert.equal(quotaPeriod(Date.UTC(2026, 11, 31, 23, 59, 59)), '2026-12');
  assert.equal(quotaPeriodEndMs(Date.UTC(2026, 11, 15)), Date.UTC(2027, 0, 1));
  assert.equal(quotaPeriodEndMs(Date.UTC(2026, 0, 31)), Date.UTC(2026, 1, 1));
});
