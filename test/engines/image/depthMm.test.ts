import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEPTH_MM_MAX, depthToMillimetres } from '../../../engines/image/index.js';

test('depthToMillimetres › rounds to mm, 0 for invalid, 1 for a valid sub-mm depth, clamps at 65.535 m', () => {
  const depth = new Float32Array([0.5, 1.2344, Number.NaN, -1, 70, 0.0004, 2, Number.POSITIVE_INFINITY, 65.535, 0]);
  const valid = new Uint8Array([1, 1, 1, 1, 1, 1, 0, 1, 1, 1]);
  const out = new Uint16Array(depth.length).fill(9);
  const clamped = depthToMillimetres(out, depth, valid);
  assert.deepEqual(Array.from(out), [500, 1234, 0, 0, DEPTH_MM_MAX, 1, 0, 0, 65535, 0]);
  assert.equal(clamped, 1);
});

test('depthToMillimetres › converts only the slice asked for', () => {
  const depth = new Float32Array([1, 2, 3, 4]);
  const out = new Uint16Array(4);
  depthToMillimetres(out, depth, null, 1, 3);
  assert.deepEqual(Array.from(out), [0, 2000, 3000, 0]);
  assert.throws(() => depthToMillimetres(new Uint16Array(2), depth, null), RangeError);
});
