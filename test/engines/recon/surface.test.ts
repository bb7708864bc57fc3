import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { encodePlyMesh } from '../../../engines/core/index.js';
import {
  BLOCK_VOXELS,
  TsdfVolume,
  extractMesh,
  extractPointCloud,
  meshArea,
  meshSignedVolume,
} from '../../../engines/recon/index.js';
import { MC_EDGE_AXIS, MC_EDGE_OWNER, MC_OFFSETS, MC_TRIANGLES } from '../../../engines/recon/marchingCubesTable.js';
import { lookAt, mulberry32, type V3 } from '../../fixtures/scenes.js';
import { edgeReport, faceNormalAgreement } from './meshChecks.js';

// Open3D comes from the system's Python (apt's python3-open3d).
const PYTHON = '/usr/bin/python3';
const hasOpen3d = spawnSync(PYTHON, ['-c', 'import open3d'], { encoding: 'utf8' }).status === 0;

const IDENTITY = { R: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), t: new Float64Array(3) };

/** z-depth of the plane n·X = c (camera frame) at every pixel centre; 0 where it is behind. */
function planeDepth(K: { fx: number; fy: number; cx: number; cy: number }, w: number, h: number, n: V3, c: number) {
  const depth = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const rx = (x + 0.5 - K.cx) / K.fx;
      const ry = (y + 0.5 - K.cy) / K.fy;
      const z = c / (n[0] * rx + n[1] * ry + n[2]);
      depth[y * w + x] = z > 0 ? z : 0;
    }
  return depth;
}

test('marching cubes table › every case uses exactly its crossing edges, at most 5 triangles', () => {
  for (let c = 0; c < 256; c++) {
    const used = new Set<number>();
    for (let k = MC_OFFSETS[c]!; k < MC_OFFSETS[c + 1]!; k++) used.add(MC_TRIANGLES[k]!);
    const crossing = new Set<number>();
    for (let e = 0; e < 12; e++) {
      const a = MC_EDGE_OWNER[e]!;
      const b = a | (1 << MC_EDGE_AXIS[e]!);
      if (((c >> a) & 1) !== ((c >> b) & 1)) crossing.add(e);
    }
    assert.deepEqual([...used].sort(), [...crossing].sort(), `case ${c}`);
    assert.ok(MC_OFFSETS[c + 1]! - MC_OFFSETS[c]! <= 15, `case ${c} has more than 5 triangles`);
  }
  assert.equal(MC_OFFSETS[1]! - MC_OFFSETS[0]!, 0);
  assert.equal(MC_OFFSETS[256]! - MC_OFFSETS[255]!, 0);
});

test('surface › a tilted plane: mesh vertices on the plane within voxel/10, normals towards the camera', () => {
  const voxel = 0.02;
  // Pixels of 5 mm at 1.5 m: the nearest-pixel depth lookup costs at most slope × half a pixel.
  const w = 320;
  const h = 240;
  const K = { fx: 300, fy: 300, cx: 160, cy: 120 };
  const len = Math.hypot(0.25, -0.15, 1);
  const n: V3 = [0.25 / len, -0.15 / len, 1 / len];
  const c = 1.5 / len; // passes through (0, 0, 1.5)
  const volume = new TsdfVolume({ voxelSizeM: voxel });
  volume.integrate(planeDepth(K, w, h, n, c), w, h, K, IDENTITY);
  const mesh = extractMesh(volume);
  assert.ok(mesh.faceCount > 2000, `only ${mesh.faceCount} faces`);
  let worst = 0;
  for (let v = 0; v < mesh.vertexCount; v++) {
    const p = mesh.positions.subarray(3 * v, 3 * v + 3);
    worst = Math.max(worst, Math.abs(n[0] * p[0]! + n[1] * p[1]! + n[2] * p[2]! - c));
    // Free space is on the camera's side: the normal is −n.
    const dot = n[0] * mesh.normals[3 * v]! + n[1] * mesh.normals[3 * v + 1]! + n[2] * mesh.normals[3 * v + 2]!;
    assert.ok(dot < -0.99, `vertex ${v} normal · n = ${dot}`);
  }
  assert.ok(worst < voxel / 10, `worst distance to the plane ${worst} m`);
  assert.ok(faceNormalAgreement(mesh) > 0.999);
  const report = edgeReport(mesh.indices);
  assert.equal(report.repeated, 0);
  assert.equal(report.degenerate, 0);
  // The point cloud is the same zero crossings.
  const cloud = extractPointCloud(volume);
  assert.ok(cloud.count >= mesh.vertexCount);
  for (let i = 0; i < cloud.count; i++) {
    const p = cloud.positions.subarray(3 * i, 3 * i + 3);
    assert.ok(Math.abs(n[0] * p[0]! + n[1] * p[1]! + n[2] * p[2]! - c) < voxel / 10);
  }
});

/** TSDF of a sphere of radius r (metres) at the origin, fused from 26 surrounding views. */
function sphereVolume(r: number, voxel: number): TsdfVolume {
  const size = 128;
  const K = { fx: 160, fy: 160, cx: size / 2, cy: size / 2 };
  const volume = new TsdfVolume({ voxelSizeM: voxel });
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        if (!dx && !dy && !dz) continue;
        const d = Math.hypot(dx, dy, dz);
        const eye: V3 = [(1.1 * dx) / d + 0.013, (1.1 * dy) / d - 0.007, (1.1 * dz) / d + 0.003];
        const cam = lookAt(eye, [0, 0, 0], dx === 0 && dy === 0 ? [0, 1, 0] : [0, 0, 1]);
        const C = eye;
        const depth = new Float32Array(size * size);
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++) {
            const xn = (x + 0.5 - K.cx) / K.fx;
            const yn = (y + 0.5 - K.cy) / K.fy;
            const ray = [0, 1, 2].map((a) => cam.R[a]! * xn + cam.R[3 + a]! * yn + cam.R[6 + a]!);
            // |C + s·ray|² = r²; s is the z-depth because ray has unit z in the camera.
            const A = ray[0]! ** 2 + ray[1]! ** 2 + ray[2]! ** 2;
            const B = 2 * (C[0] * ray[0]! + C[1] * ray[1]! + C[2] * ray[2]!);
            const Cc = C[0] ** 2 + C[1] ** 2 + C[2] ** 2 - r * r;
            const disc = B * B - 4 * A * Cc;
            depth[y * size + x] = disc > 0 ? (-B - Math.sqrt(disc)) / (2 * A) : 0;
          }
        volume.integrate(depth, size, size, K, cam);
      }
  return volume;
}

test('surface › a sphere seen from 26 directions: closed, outward, area and volume within 2 %', () => {
  const r = 0.3;
  const voxel = 0.01;
  const volume = sphereVolume(r, voxel);
  const mesh = extractMesh(volume);
  const report = edgeReport(mesh.indices);
  assert.deepEqual(report, { boundary: 0, repeated: 0, degenerate: 0 });
  const area = meshArea(mesh.positions, mesh.indices);
  const vol = meshSignedVolume(mesh.positions, mesh.indices);
  const trueArea = 4 * Math.PI * r * r;
  const trueVol = (4 / 3) * Math.PI * r ** 3;
  console.log(
    `sphere r = ${r} m at ${voxel * 100} cm voxels: ${mesh.vertexCount} vertices, ${mesh.faceCount} faces, ` +
      `area ${((100 * area) / trueArea - 100).toFixed(2)} %, volume ${((100 * vol) / trueVol - 100).toFixed(2)} % off`,
  );
  assert.ok(Math.abs(area / trueArea - 1) < 0.02, `area ${area} vs ${trueArea}`);
  assert.ok(Math.abs(vol / trueVol - 1) < 0.02, `volume ${vol} vs ${trueVol}`);
  let radial = 0;
  for (let v = 0; v < mesh.vertexCount; v++) {
    const [x, y, z] = [mesh.positions[3 * v]!, mesh.positions[3 * v + 1]!, mesh.positions[3 * v + 2]!];
    radial = Math.max(radial, Math.abs(Math.hypot(x, y, z) - r));
  }
  assert.ok(radial < voxel / 2, `worst radial error ${radial}`);
  assert.ok(faceNormalAgreement(mesh) > 0.999);
});

test(
  'surface › Open3D reads the sphere mesh from PLY as watertight, orientable, outward',
  { skip: !hasOpen3d && `${PYTHON} cannot import open3d` },
  () => {
    const mesh = extractMesh(sphereVolume(0.3, 0.02));
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-mesh-'));
    try {
      const file = path.join(dir, 'sphere.ply');
      writeFileSync(file, encodePlyMesh(mesh));
      const script = `
import open3d as o3d, numpy as np, sys
m = o3d.io.read_triangle_mesh(sys.argv[1])
assert m.is_edge_manifold() and m.is_vertex_manifold() and m.is_watertight() and m.is_orientable()
v = np.asarray(m.vertices); n = np.asarray(m.vertex_normals)
print(len(v), len(m.triangles), round(m.get_volume(), 4), bool(((v * n).sum(1) > 0).all()))
`;
      const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const [nv, nf, volume, outward] = r.stdout.trim().split(' ');
      assert.deepEqual([Number(nv), Number(nf), outward], [mesh.vertexCount, mesh.faceCount, 'True']);
      assert.ok(Math.abs(Number(volume) / ((4 / 3) * Math.PI * 0.027) - 1) < 0.03, `Open3D volume ${volume}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('surface › random fields across block boundaries give closed, consistently wound meshes', () => {
  // Allocate a slab of blocks with a wide truncation band, then overwrite the voxels with a random
  // field inside a box of voxels (positive on its border so the surface closes inside it).
  const voxel = 0.02;
  const volume = new TsdfVolume({ voxelSizeM: voxel, truncationM: 0.4 });
  const w = 64;
  const h = 64;
  const K = { fx: 40, fy: 40, cx: 32, cy: 32 };
  volume.integrate(planeDepth(K, w, h, [0, 0, 1], 1), w, h, K, IDENTITY);
  const rand = mulberry32(5);
  const lo = [-12, -12, 38];
  const hi = [12, 12, 62];
  const tsdf = volume.tsdf;
  const weight = volume.weight;
  weight.fill(0);
  for (let gz = lo[2]!; gz <= hi[2]!; gz++)
    for (let gy = lo[1]!; gy <= hi[1]!; gy++)
      for (let gx = lo[0]!; gx <= hi[0]!; gx++) {
        const slot = volume.findBlock(gx >> 3, gy >> 3, gz >> 3);
        assert.ok(slot >= 0, `block of voxel ${gx},${gy},${gz} is not allocated`);
        const i = slot * BLOCK_VOXELS + ((gz & 7) << 6) + ((gy & 7) << 3) + (gx & 7);
        const border = gx === lo[0] || gx === hi[0] || gy === lo[1] || gy === hi[1] || gz === lo[2] || gz === hi[2];
        tsdf[i] = border ? 1 : rand() * 2 - 1 + 0.15; // many small blobs and tunnels, every ambiguous case
        weight[i] = 1;
      }
  const mesh = extractMesh(volume);
  assert.ok(mesh.faceCount > 10000, `only ${mesh.faceCount} faces`);
  assert.deepEqual(edgeReport(mesh.indices), { boundary: 0, repeated: 0, degenerate: 0 });
  // Every vertex lies on a lattice edge inside the box.
  for (let v = 0; v < mesh.vertexCount; v++)
    for (let a = 0; a < 3; a++) {
      const g = mesh.positions[3 * v + a]! / voxel;
      assert.ok(g > lo[a]! - 1e-3 && g < hi[a]! + 1e-3);
    }
  // Unobserved corners (weight below minWeight) drop their cubes: an empty mesh.
  assert.equal(extractMesh(volume, { minWeight: 2 }).faceCount, 0);
});

test('surface › refuses a non-positive minWeight', () => {
  const volume = new TsdfVolume();
  assert.throws(() => extractMesh(volume, { minWeight: 0 }), RangeError);
  assert.equal(extractPointCloud(volume).count, 0);
  assert.equal(extractMesh(volume).faceCount, 0);
});
