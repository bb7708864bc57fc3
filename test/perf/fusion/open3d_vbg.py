"""Open3D's tensor VoxelBlockGrid (CPU) on the frames test/perf/fusion.bench.ts writes: the
reference side of `npm run bench:fusion`. Not the legacy ScalableTSDFVolume.

Input dir: frames.json (K with the pixel-centre convention of engines/core/camera.ts, size, depth
range, voxel size, truncation, camFromWorld per frame), depth_NNN.npy (float32 H×W, metres),
color_NNN.npy (uint8 H×W×3). Prints one JSON line: best and all integration times, blocks, and
extraction times; writes points.npy (the extracted point cloud, float32 N×3) into the dir. Times: wall clock (best run)
and process CPU time summed over threads (least of the runs).
"""
import gc
import json
import os
import resource
import sys
import time

import numpy as np
import open3d as o3d
import open3d.core as o3c


def main() -> None:
    src = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with open(os.path.join(src, 'frames.json')) as f:
        meta = json.load(f)
    dev = o3c.Device('CPU:0')
    K = meta['K']
    # Open3D puts pixel centres at integers; ours at +0.5: shift the principal point by half a pixel.
    intr = o3c.Tensor(np.array([[K['fx'], 0, K['cx'] - 0.5], [0, K['fy'], K['cy'] - 0.5], [0, 0, 1]], np.float64))
    voxel = meta['voxelSizeM']
    trunc_mult = float(meta['truncationM'] / voxel)
    depth_max = float(meta['maxDepthM'])
    depths, colors, exts = [], [], []
    for i, fr in enumerate(meta['frames']):
        d = np.load(os.path.join(src, 'depth_%03d.npy' % i))
        c = np.load(os.path.join(src, 'color_%03d.npy' % i)).astype(np.float32) / 255.0
        depths.append(o3d.t.geometry.Image(o3c.Tensor(d, device=dev)))
        colors.append(o3d.t.geometry.Image(o3c.Tensor(np.ascontiguousarray(c), device=dev)))
        E = np.eye(4)
        E[:3, :3] = np.array(fr['R'], np.float64).reshape(3, 3)
        E[:3, 3] = fr['t']
        exts.append(o3c.Tensor(E))

    times = []
    cpu = []
    vbg = None
    for _ in range(repeats):
        vbg = None
        gc.collect()
        # Initial hash capacity: enough for the scene (it would grow, but growing is not what we time).
        vbg = o3d.t.geometry.VoxelBlockGrid(
            attr_names=('tsdf', 'weight', 'color'),
            attr_dtypes=(o3c.float32, o3c.float32, o3c.float32),
            attr_channels=((1), (1), (3)),
            voxel_size=voxel,
            block_resolution=8,
            block_count=meta.get('blockCount', 16384),
            device=dev,
        )
        t0 = time.perf_counter()
        c0 = time.process_time()
        for d, c, e in zip(depths, colors, exts):
            blocks = vbg.compute_unique_block_coordinates(d, intr, e, 1.0, depth_max, trunc_mult)
            vbg.integrate(blocks, d, c, intr, intr, e, 1.0, depth_max, trunc_mult)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)

    t0 = time.perf_counter()
    pcd = vbg.extract_point_cloud(weight_threshold=1.0)
    t_pc = time.perf_counter() - t0
    t0 = time.perf_counter()
    mesh = vbg.extract_triangle_mesh(weight_threshold=1.0)
    t_mesh = time.perf_counter() - t0
    pts = pcd.point.positions.numpy().astype(np.float32)
    np.save(os.path.join(src, 'points.npy'), pts)
    print(json.dumps({
        'open3d': o3d.__version__,
        'threads': int(os.environ.get('OMP_NUM_THREADS', os.cpu_count())),
        'seconds': times,
        'best': min(times),
        'cpuSeconds': min(cpu),
        'blocks': int(vbg.hashmap().size()),
        'points': int(pts.shape[0]),
        'meshVertices': int(mesh.vertex.positions.shape[0]),
        'meshTriangles': int(mesh.triangle.indices.shape[0]),
        'pointCloudSeconds': t_pc,
        'meshSeconds': t_mesh,
        'maxRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == '__main__':
    main()
