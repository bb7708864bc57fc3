// End to end on the synthetic furnished room (test/fixtures/poseScenes.ts): fuse a walkthrough's
// depth maps and measure the surface against the true room — first with the true depth, then
// with relative depth of unknown per-frame scale and shift, noise, outliers and flying pixels,
// put to metres by fitScaleShift against sparse "SfM" points and cleaned by the filters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TsdfVolume,
  applyScaleShift,
  evaluateSurface,
  extractMesh,
  extractPointCloud,
  filterDepthEdges,
  fitScaleShift,
  multiViewConsistency,
  type DepthView,
  type SurfaceEvaluation,
} from '../../../engines/recon/index.js';
import {
  keepVisiblePoints,
  renderRoom,
  renderRoomDepth,
  roomWalkCameras,
  sampleRoomSurfaces,
} from '../../fixtures/poseScenes.js';
import { gaussian, mulberry32 } from '../../fixtures/scenes.js';
import { edgeReport, faceNormalAgreement } from './meshChecks.js';

const W = 320;
const H = 240;
const K = { fx: 260, fy: 260, cx: W / 2, cy: H / 2 };
const FRAMES = 30;
const VOXEL = 0.02;
const cams = roomWalkCameras(FRAMES);
const depths = cams.map((c) => renderRoomDepth(K, W, H, c));
const rgbs = cams.map((c) => renderRoom(K, W, H, c));
// The true surfaces the walkthrough sees, sampled every 1 cm (well under the 2 cm threshold).
const gt = keepVisiblePoints(sampleRoomSurfaces(0.01), K, W, H, cams, depths, 0.02);

const summary = (label: string, e: SurfaceEvaluation) =>
  `${label}: accuracy@2cm ${(100 * e.accuracy[0]!).toFixed(1)} % @5cm ${(100 * e.accuracy[1]!).toFixed(1)} %, ` +
  `completeness@2cm ${(100 * e.completeness[0]!).toFixed(1)} % @5cm ${(100 * e.completeness[1]!).toFixed(1)} %, ` +
  `median error ${(1000 * e.accuracyMedianM).toFixed(1)} mm (${e.predCount} points vs ${e.gtCount} true)`;

test('fusion › true depth of 30 room views at 2 cm voxels: accurate, complete, coloured, clean mesh', () => {
  const volume = new TsdfVolume({ voxelSizeM: VOXEL });
  for (let i = 0; i < FRAMES; i++) volume.integrate(depths[i]!, W, H, K, cams[i]!, rgbs[i]!);
  const cloud = extractPointCloud(volume);
  const e = evaluateSurface(cloud.positions, gt, [0.02, 0.05]);
  console.log(summary('true depth, point cloud', e));
  assert.ok(e.accuracy[0]! >= 0.98 && e.accuracy[1]! >= 0.995, summary('accuracy', e));
  assert.ok(e.completeness[0]! >= 0.98 && e.completeness[1]! >= 0.995, summary('completeness', e));
  // The median includes the ground truth's own 1 cm sampling (≈ 4 mm from a point on the surface).
  assert.ok(e.accuracyMedianM < 0.008, `median error ${e.accuracyMedianM}`);

  const mesh = extractMesh(volume);
  const m = evaluateSurface(mesh.positions, gt, [0.02, 0.05]);
  console.log(summary('true depth, mesh vertices', m));
  assert.ok(m.accuracy[0]! >= 0.98 && m.completeness[0]! >= 0.98, summary('mesh', m));
  const edges = edgeReport(mesh.indices);
  assert.equal(edges.repeated, 0, 'every directed edge at most once');
  const agreement = faceNormalAgreement(mesh);
  assert.ok(agreement > 0.99, `face/vertex normal agreement ${agreement}`);

  // Colours: each point against the rendered colour where the first frame sees it.
  const cam = cams[0]!;
  let diff = 0;
  let n = 0;
  for (let p = 0; p < cloud.count; p++) {
    const X = cloud.positions[3 * p]!;
    const Y = cloud.positions[3 * p + 1]!;
    const Z = cloud.positions[3 * p + 2]!;
    const z = cam.R[6]! * X + cam.R[7]! * Y + cam.R[8]! * Z + cam.t[2]!;
    if (!(z > 0)) continue;
    const u = Math.floor((K.fx * (cam.R[0]! * X + cam.R[1]! * Y + cam.R[2]! * Z + cam.t[0]!)) / z + K.cx);
    const v = Math.floor((K.fy * (cam.R[3]! * X + cam.R[4]! * Y + cam.R[5]! * Z + cam.t[1]!)) / z + K.cy);
    if (u < 0 || u >= W || v < 0 || v >= H || Math.abs(depths[0]![v * W + u]! - z) > 0.01) continue;
    for (let c = 0; c < 3; c++) diff += Math.abs(cloud.colors[3 * p + c]! - rgbs[0]![3 * (v * W + u) + c]!);
    n += 3;
  }
  console.log(`true depth, colour: mean |Δ| ${(diff / n).toFixed(1)} levels over ${n / 3} points`);
  assert.ok(n > 3000 && diff / n < 25, `mean colour difference ${diff / n}`);
});

test('fusion › relative depth with noise, outliers and flying pixels, scaled by sparse points and filtered', () => {
  const rand = mulberry32(42);
  const gauss = gaussian(rand);
  const metric: Float32Array[] = [];
  let fitted = 0;
  let worstRelErr = 0;
  for (let f = 0; f < FRAMES; f++) {
    const z = depths[f]!;
    // What a depth network gives: z·(1 + 1.5 % noise + a smooth 1 % warp), flying pixels where
    // the true depth jumps, 0.5 % wild values — then an unknown affine map per frame, as depth
    // or as inverse depth (every other frame).
    const inverse = f % 2 === 1;
    const s = 0.5 + 1.5 * rand();
    const b = inverse ? 0.05 * rand() : rand() - 0.5;
    const pred = new Float32Array(W * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        let d = z[i]!;
        let lo = d;
        let hi = d;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const e = z[Math.min(H - 1, Math.max(0, y + dy)) * W + Math.min(W - 1, Math.max(0, x + dx))]!;
            lo = Math.min(lo, e);
            hi = Math.max(hi, e);
          }
        if (hi > 1.1 * lo) d = lo + (hi - lo) * rand(); // smeared across the edge
        d *= 1 + 0.015 * gauss() + 0.01 * Math.sin(x / 40 + f) * Math.cos(y / 30);
        if (rand() < 0.005) d = 0.5 + 6 * rand();
        pred[i] = inverse ? (1 / d - b) / s : (d - b) / s;
      }
    // Sparse SfM points: 200 pixels with their true depth (1 % noise), 20 % of them wrong matches.
    const uvz = new Float64Array(600);
    for (let k = 0; k < 200; k++) {
      const u = rand() * W;
      const v = rand() * H;
      let depth = z[Math.floor(v) * W + Math.floor(u)]! * (1 + 0.01 * gauss());
      if (rand() < 0.2) depth *= 0.5 + 1.5 * rand();
      uvz.set([u, v, depth], 3 * k);
    }
    const fit = fitScaleShift(pred, W, H, uvz, { mode: inverse ? 'inverse_depth' : 'depth', seed: f });
    assert.ok(fit.ok, fit.ok ? '' : `frame ${f}: ${fit.message}`);
    fitted++;
    const m = new Float32Array(W * H);
    applyScaleShift(m, pred, fit, 8);
    // Median relative depth error of the scaled map (noise included).
    const rel = new Float32Array(W * H);
    let n = 0;
    for (let i = 0; i < W * H; i += 7) if (m[i]! > 0) rel[n++] = Math.abs(m[i]! / z[i]! - 1);
    const sorted = rel.subarray(0, n).sort();
    worstRelErr = Math.max(worstRelErr, sorted[n >> 1]!);
    const clean = new Float32Array(W * H);
    filterDepthEdges(clean, m, W, H, { relThreshold: 0.06 });
    metric.push(clean);
  }
  const views: DepthView[] = metric.map((d, f) => ({ depthM: d, width: W, height: H, K, camFromWorld: cams[f]! }));
  // A wider band than for exact depth: the per-pixel noise (σ ≈ 4 cm at 3 m) must fit inside it.
  const volume = new TsdfVolume({ voxelSizeM: VOXEL, truncationM: 0.12 });
  let kept = 0;
  for (let f = 0; f < FRAMES; f++) {
    const nbs = [views[f - 2], views[f - 1], views[f + 1], views[f + 2]].filter((v) => v !== undefined);
    const out = new Float32Array(W * H);
    kept += multiViewConsistency(out, views[f]!, nbs, { relTolerance: 0.05, minAgree: 1 });
    volume.integrate(out, W, H, K, cams[f]!, rgbs[f]!);
  }
  const cloud = extractPointCloud(volume, { minWeight: 2 });
  const e = evaluateSurface(cloud.positions, gt, [0.02, 0.05]);
  console.log(
    `noisy relative depth: ${fitted}/${FRAMES} frames scaled (worst median depth error ${(100 * worstRelErr).toFixed(2)} %), ` +
      `${((100 * kept) / (FRAMES * W * H)).toFixed(0)} % of pixels kept by the filters`,
  );
  console.log(summary('noisy relative depth, point cloud', e));
  assert.ok(worstRelErr < 0.025, `median relative depth error ${worstRelErr}`);
  // Each frame keeps a scale error of about 1 % after the fit (3 cm at 3 m), hence the 2 cm figures.
  assert.ok(e.accuracy[0]! >= 0.6 && e.accuracy[1]! >= 0.97, summary('accuracy', e));
  assert.ok(e.completeness[0]! >= 0.8 && e.completeness[1]! >= 0.9, summary('completeness', e));
});
