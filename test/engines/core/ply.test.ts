import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_PLY_COMMENT, decodePly, encodePly } from '../../../engines/core/index.js';

const hasOpen3d = spawnSync('python3', ['-c', 'import open3d'], { encoding: 'utf8' }).status === 0;

const positions = new Float32Array([0, 0, 1, -0.5, 0.25, 2.5, 1e-3, -7.125, 30]);
const colors = new Uint8Array([255, 0, 0, 0, 128, 255, 1, 2, 3]);

test('ply › binary little-endian header with units and frame, 15 bytes per coloured point', () => {
  const file = encodePly({ positions, colors });
  const header =
    'ply\nformat binary_little_endian 1.0\n' +
    `comment ${DEFAULT_PLY_COMMENT}\n` +
    'element vertex 3\nproperty float x\nproperty float y\nproperty float z\n' +
    'property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n';
  assert.equal(Buffer.from(file.subarray(0, header.length)).toString('latin1'), header);
  assert.equal(file.length, header.length + 3 * 15);
  assert.match(DEFAULT_PLY_COMMENT, /metres/);
  // Second point's y at offset 15 + 4, little-endian float32.
  const view = new DataView(file.buffer, file.byteOffset + header.length);
  assert.equal(view.getFloat32(15 + 4, true), 0.25);
  assert.equal(view.getUint8(15 + 14), 255);
});

test('ply › parses back exactly, with and without colours, honouring count', () => {
  const back = decodePly(encodePly({ positions, colors }));
  assert.equal(back.count, 3);
  assert.deepEqual(Array.from(back.positions), Array.from(positions));
  assert.deepEqual(Array.from(back.colors ?? []), Array.from(colors));
  assert.deepEqual(back.comments, [DEFAULT_PLY_COMMENT]);

  const two = decodePly(encodePly({ positions, count: 2, comments: ['a', 'b c'] }));
  assert.equal(two.count, 2);
  assert.equal(two.colors, null);
  assert.deepEqual(Array.from(two.positions), Array.from(positions.subarray(0, 6)));
  assert.deepEqual(two.comments, ['a', 'b c']);
  assert.equal(decodePly(encodePly({ positions: new Float32Array(0) })).count, 0);
});

test('ply › refuses counts beyond the arrays and comments with line breaks', () => {
  assert.throws(() => encodePly({ positions, count: 4 }), RangeError);
  assert.throws(() => encodePly({ positions, colors: colors.subarray(0, 6) }), RangeError);
  assert.throws(() => encodePly({ positions, comments: ['x\nelement face 1'] }), RangeError);
});

test('ply › Open3D reads the file', { skip: !hasOpen3d && 'python3 with open3d is not installed' }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sf-ply-'));
  try {
    const file = path.join(dir, 'cloud.ply');
    writeFileSync(file, encodePly({ positions, colors }));
    const script = `
import open3d as o3d, numpy as np, sys
pc = o3d.io.read_point_cloud(sys.argv[1])
p = np.asarray(pc.points); c = np.asarray(pc.colors)
assert p.shape == (3, 3), p.shape
assert np.allclose(p[1], [-0.5, 0.25, 2.5]) and np.allclose(c[0], [1, 0, 0]), (p, c)
print('ok')
`;
    const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
