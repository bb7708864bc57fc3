import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferPool } from '../../main/engine-host/bufferPool.js';

describe('BufferPool', () => {
  it('hands back an array of the same type and length, once', () => {
    const pool = new BufferPool();
    const a = pool.float32(1000);
    const m = pool.uint8(1000);
    pool.give(a, m);
    assert.equal(pool.bytes, 5000);
    assert.equal(pool.float32(1000), a);
    assert.equal(pool.uint8(1000), m);
    assert.notEqual(pool.float32(1000), a, 'taken arrays are gone from the pool');
    assert.equal(pool.bytes, 0);
    assert.notEqual(pool.float32(999), a);
  });

  it('never keeps views into larger buffers, duplicates, too many per size, or more than its limits', () => {
    const pool = new BufferPool(4000, 10_000, 2);
    const big = new Float32Array(100);
    pool.give(big.subarray(0, 10));
    pool.give(new Float32Array(1001)); // 4004 bytes > 4000 per array
    assert.equal(pool.bytes, 0);
    const a = new Float32Array(500);
    pool.give(a, a);
    assert.equal(pool.bytes, 2000, 'the same array is kept once');
    pool.give(new Float32Array(500), new Float32Array(500));
    assert.equal(pool.bytes, 4000, 'two per size');
    pool.give(new Uint8Array(4000), new Uint8Array(3000), new Uint8Array(2000));
    assert.equal(pool.bytes, 10_000, 'the total limit holds');
  });
});
