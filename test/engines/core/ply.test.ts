import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  DEFAULT_PLY_COMMENT,
  DEFAULT_PLY_MESH_COMMENT,
  decodePly,
  decodePlyMesh,
  encodePly,
  encodePlyMesh,
} from '../../../engines/core/index.js';

// Open3D comes from the system's Python (apt's python3-open3d), not whichever python3 is first on PATH.
const PYTHON = '/usr/bin/python3';
const hasOpen3d = spawnSync(PYTHON, ['-c', 'import open3d'], { encoding: 'utf8' }).status === 0;

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

test('ply › Open3D reads the file', { skip: !hasOpen3d && `${PYTHON} cannot import open3d` }, () => {
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
    const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A tetrahedron, wound counter-clockwise seen from outside.
const tetra = {
  positions: new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]),
  normals: new Float32Array(
    [-1, -1, -1, 1, 0, 0, 0, 1, 0, 0, 0, 1].map(
      (v, i, a) => v / Math.hypot(a[i - (i % 3)]!, a[i - (i % 3) + 1]!, a[i - (i % 3) + 2]!),
    ),
  ),
  colors: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7]),
  indices: new Uint32Array([0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3]),
};

test('ply mesh › header with normals, colours and a uchar/int face list; 27 bytes a vertex, 13 a face', () => {
  const file = encodePlyMesh(tetra);
  const header =
    'ply\nformat binary_little_endian 1.0\n' +
    `comment ${DEFAULT_PLY_MESH_COMMENT}\n` +
    'element vertex 4\nproperty float x\nproperty float y\nproperty float z\n' +
    'property float nx\nproperty float ny\nproperty float nz\n' +
    'property uchar red\nproperty uchar green\nproperty uchar blue\n' +
    'element face 4\nproperty list uchar int vertex_indices\nend_header\n';
  assert.equal(Buffer.from(file.subarray(0, header.length)).toString('latin1'), header);
  assert.equal(file.length, header.length + 4 * 27 + 4 * 13);
  const view = new DataView(file.buffer, file.byteOffset + header.length);
  assert.equal(view.getUint8(4 * 27), 3);
  assert.equal(view.getInt32(4 * 27 + 5, true), 2);
});

test('ply mesh › parses back exactly with and without normals and colours, honouring counts', () => {
  const back = decodePlyMesh(encodePlyMesh(tetra));
  assert.deepEqual(Array.from(back.positions), Array.from(tetra.positions));
  assert.deepEqual(Array.from(back.normals ?? []), Array.from(tetra.normals));
  assert.deepEqual(Array.from(back.colors ?? []), Array.from(tetra.colors));
  assert.deepEqual(Array.from(back.indices), Array.from(tetra.indices));
  assert.deepEqual([back.vertexCount, back.faceCount], [4, 4]);
  const bare = decodePlyMesh(
    encodePlyMesh({ positions: tetra.positions, indices: tetra.indices, faceCount: 2, comments: ['x'] }),
  );
  assert.equal(bare.normals, null);
  assert.equal(bare.colors, null);
  assert.deepEqual(Array.from(bare.indices), Array.from(tetra.indices.subarray(0, 6)));
  assert.deepEqual(bare.comments, ['x']);
  const onlyColours = decodePlyMesh(encodePlyMesh({ ...tetra, normals: undefined }));
  assert.equal(onlyColours.normals, null);
  assert.deepEqual(Array.from(onlyColours.colors ?? []), Array.from(tetra.colors));
  // Point clouds are not meshes, and meshes are not point clouds.
  assert.throws(() => decodePlyMesh(encodePly({ positions })), /no face element/);
  assert.throws(() => decodePly(encodePlyMesh(tetra)), Error);
});

test('ply mesh › refuses out-of-range indices and counts', () => {
  assert.throws(() => encodePlyMesh({ ...tetra, indices: new Uint32Array([0, 1, 4]) }), RangeError);
  assert.throws(() => encodePlyMesh({ ...tetra, vertexCount: 3 }), RangeError);
  assert.throws(() => encodePlyMesh({ ...tetra, faceCount: 5 }), RangeError);
  assert.throws(() => encodePlyMesh({ ...tetra, normals: tetra.normals.subarray(0, 9) }), RangeError);
  assert.throws(() => encodePlyMesh({ ...tetra, comments: ['a\nb'] }), RangeError);
});

test(
  'ply mesh › Open3D reads it: counts, normals, colours, a closed oriented surface; no faces → a cloud with normals',
  { skip: !hasOpen3d && `${PYTHON} cannot import open3d` },
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-ply-'));
    try {
      const file = path.join(dir, 'mesh.ply');
      writeFileSync(file, encodePlyMesh(tetra));
      const cloud = path.join(dir, 'cloud.ply');
      writeFileSync(cloud, encodePlyMesh({ ...tetra, indices: new Uint32Array(0) }));
      const script = `
import open3d as o3d, numpy as np, sys
pc = o3d.io.read_point_cloud(sys.argv[2])
assert len(pc.points) == 4 and pc.has_normals() and np.allclose(np.asarray(pc.normals)[2], [0, 1, 0]), pc
m = o3d.io.read_triangle_mesh(sys.argv[1])
v = np.asarray(m.vertices); t = np.asarray(m.triangles); n = np.asarray(m.vertex_normals); c = np.asarray(m.vertex_colors)
assert v.shape == (4, 3) and t.shape == (4, 3), (v.shape, t.shape)
assert np.allclose(v[3], [0, 0, 1]) and np.allclose(t[1], [0, 1, 3]), (v, t)
assert np.allclose(n[1], [1, 0, 0]) and np.allclose(c[0], [1, 0, 0]), (n, c)
assert m.is_watertight() and m.is_orientable()
print('ok', abs(m.get_volume() - 1 / 6) < 1e-6)
`;
      const r = spawnSync(PYTHON, ['-c', script, file, cloud], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'ok True');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
