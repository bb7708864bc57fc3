import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { decodeNpy, encodeNpy, encodeNpyHeader } from '../../../engines/core/index.js';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

test('npy › header is 64-byte aligned, newline-terminated, and the data round-trips', () => {
  const depth = new Float32Array([0.5, 1.25, Number.NaN, 1e6, -0, 3.5]);
  const file = encodeNpy(depth, [2, 3]);
  const headerLen = file[8]! | (file[9]! << 8);
  assert.equal((10 + headerLen) % 64, 0);
  assert.equal(file[10 + headerLen - 1], 0x0a);
  const header = String.fromCharCode(...file.subarray(10, 10 + headerLen));
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} +\n$/);
  assert.equal(file.length, 10 + headerLen + 24);
  const back = decodeNpy(file);
  assert.deepEqual(back.shape, [2, 3]);
  assert.equal(back.dtype, '<f4');
  assert.deepEqual(Array.from(back.data), Array.from(depth));

  const u16 = decodeNpy(encodeNpy(new Uint16Array([0, 1, 65535]), [3]));
  assert.equal(u16.dtype, '<u2');
  assert.deepEqual(u16.shape, [3]);
  assert.deepEqual(Array.from(u16.data), [0, 1, 65535]);
  const u8 = decodeNpy(encodeNpy(new Uint8Array([7, 8, 9, 10]), [2, 2]));
  assert.equal(u8.dtype, '|u1');
  assert.deepEqual(Array.from(u8.data), [7, 8, 9, 10]);
});

test('npy › header + the array bytes is the same file (the zero-copy path for large maps)', () => {
  const depth = new Float32Array([1.5, 2.5, 3.5, 4.5]);
  const header = encodeNpyHeader(depth, [2, 2]);
  assert.equal(header.length % 64, 0);
  const joined = Buffer.concat([header, new Uint8Array(depth.buffer)]);
  assert.deepEqual(new Uint8Array(joined), encodeNpy(depth, [2, 2]));
  // A first axis with many digits still aligns.
  assert.equal(encodeNpyHeader(new Uint8Array(0), [0, 123456789]).length % 64, 0);
  assert.equal(encodeNpyHeader(new Uint8Array(3), [3]).length % 64, 0);
});

test('npy › a shape that does not match the data is refused', () => {
  assert.throws(() => encodeNpy(new Float32Array(6), [4, 2]), RangeError);
  assert.throws(() => encodeNpy(new Float32Array(6), [2, -3]), RangeError);
});

test(
  'npy › bytes identical to numpy.save, and numpy reads our files',
  { skip: !hasNumpy && 'python3 with numpy is not installed' },
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-npy-'));
    try {
      const h = 3;
      const w = 5;
      const depth = new Float32Array(h * w);
      for (let i = 0; i < depth.length; i++) depth[i] = 0.25 * i + 0.125; // exact in float32, so both sides agree bit for bit
      writeFileSync(path.join(dir, 'ours_f4.npy'), encodeNpy(depth, [h, w]));
      writeFileSync(path.join(dir, 'ours_u2.npy'), encodeNpy(new Uint16Array([1, 2, 65535, 4]), [4]));
      writeFileSync(path.join(dir, 'ours_u1.npy'), encodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 2]));
      const script = `
import numpy as np, sys, os
d = sys.argv[1]
a = np.load(os.path.join(d, 'ours_f4.npy'))
assert a.dtype == np.float32 and a.shape == (3, 5), (a.dtype, a.shape)
expect = (0.25 * np.arange(15, dtype=np.float32) + np.float32(0.125)).reshape(3, 5)
assert np.array_equal(a, expect), a
b = np.load(os.path.join(d, 'ours_u2.npy'))
assert b.dtype == np.uint16 and b.tolist() == [1, 2, 65535, 4]
c = np.load(os.path.join(d, 'ours_u1.npy'))
assert c.dtype == np.uint8 and c.shape == (2, 2, 2) and c[1, 1, 1] == 8
np.save(os.path.join(d, 'theirs_f4.npy'), expect)
np.save(os.path.join(d, 'theirs_u2.npy'), np.array([1, 2, 65535, 4], dtype=np.uint16))
np.save(os.path.join(d, 'theirs_u1.npy'), np.arange(1, 9, dtype=np.uint8).reshape(2, 2, 2))
print('ok')
`;
      const r = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'ok');
      for (const name of ['f4', 'u2', 'u1']) {
        assert.deepEqual(
          readFileSync(path.join(dir, `ours_${name}.npy`)),
          readFileSync(path.join(dir, `theirs_${name}.npy`)),
          `ours_${name}.npy differs from numpy.save's bytes`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
