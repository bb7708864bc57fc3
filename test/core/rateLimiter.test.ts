import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlidingWindowLimiter } from '../../main/core/rateLimiter.js';

test('sliding window › allows exactly `limit` in any 60 s window, then frees slots one by one', () => {
  let t = 0;
  const limiter = new SlidingWindowLimiter(60_000, () => t);
  for (let i = 0; i < 3; i++) {
    t = i * 10_000; // 0, 10 s, 20 s
    assert.equal(limiter.check('k', 3).allowed, true);
  }
  t = 59_999;
  const denied = limiter.check('k', 3);
  assert.equal(denied.allowed, false);
  assert.equal(denied.retryAfterS, 1);
  t = 60_000; // the event at 0 s has left the window
  assert.equal(limiter.check('k', 3).allowed, true);
  t = 65_000;
  const d2 = limiter.check('k', 3);
  assert.equal(d2.allowed, false);
  assert.equal(d2.retryAfterS, 5, 'the next slot frees when the 10 s event leaves, at 70 s');
});

test('sliding window › remaining counts only events inside the window', () => {
  let t = 0;
  const limiter = new SlidingWindowLimiter(60_000, () => t);
  assert.equal(limiter.check('k', 5).remaining, 4);
  t = 1000;
  assert.equal(limiter.check('k', 5).remaining, 3);
  t = 61_000; // the first event (at 0) is out; the second (at 1 s) leaves only at 61 s exactly
  assert.equal(limiter.check('k', 5).remaining, 4);
});

test('sliding window › keys are independent and idle keys are swept', () => {
  let t = 0;
  const limiter = new SlidingWindowLimiter(60_000, () => t);
  assert.equal(limiter.check('a', 1).allowed, true);
  assert.equal(limiter.check('a', 1).allowed, false);
  assert.equal(limiter.check('b', 1).allowed, true);
  t = 60_000;
  limiter.sweep();
  assert.equal(limiter.size, 0);
});
