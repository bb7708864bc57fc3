// The reconstruction pipeline, run inside a worker thread of its own (one per job, so a cancel can
// terminate it mid-computation): frames → poses (poseJob.ts) → keyframes (sharpness, parallax) →
// depth per keyframe (the depth model, fitted to the SfM points) → filtering (edges, multi-view
// consistency) → TSDF fusion → a coloured point cloud and a mesh, plus the COLMAP text model.
import fs from 'node:fs';
import type { Intrinsics } from '../../engines/core/index.js';
import { encodePly, encodePlyMesh } from '../../engines/core/ply.js';
import { createGray, laplacianVariance, rgbToGray } from '../../engines/features/index.js';
import type { RgbImage } from '../../engines/image/index.js';
import {
  applyScaleShift,
  extractMesh,
  extractPointCloud,
  filterDepthEdges,
  fitScaleShift,
  multiViewConsistency,
  TsdfVolume,
  type DepthView,
} from '../../engines/recon/index.js';
import type { Provider } from '../../engines/runtime/index.js';
import { AppError } from '../common/errors.js';
import { writeArtifactFile } from './artifactFile.js';
import { solvePoses, writePoseResult, type SolvedPoses } from './poseJob.js';
import type { PoseJob, ReconJob, ReconJobResult, WrittenArtifact } from './protocol.js';
import type { KnownScale } from '../common/api/reconstructContract.js';

/** A depth map at the size of the image given, from the job's model. */
export interface KeyframeDepth {
  depth: Float32Array;
  valid: Uint8Array;
  /** Metres (metric families), else relative. */
  metric: boolean;
  /** The map is 1 / (model disparity): its true relation to depth is affine in the inverse. */
  inverse: boolean;
  provider: Provider;
}

export type DepthRunner = (
  rgb: RgbImage,
  K: Intrinsics,
  trustedFocal: boolean,
  signal: AbortSignal,
) => Promise<KeyframeDepth>;

export type ReconProgress = (stage: string, fraction: number, message: string) => void;

/** Stages and the share of the whole job each ends at (the job's progress bar). */
const STAGE_END = { frames: 0.25, poses: 0.4, depth: 0.75, fusion: 0.9, mesh: 0.95, writing: 1 } as const;

/** Keyframe rules: a frame this much blurrier than the median is skipped; parallax to the last keyframe. */
const BLUR_RATIO = 0.5;
const MIN_BASELINE_OF_DEPTH = 0.04;
const MIN_ROTATION_DEG = 4;
/** Fewest SfM points a keyframe needs for its depth fit. */
const MIN_FIT_POINTS = 12;
/** Depths beyond this multiple of the scene's median depth are dropped (a relative fit's far tail). */
const MAX_DEPTH_OF_MEDIAN = 4;
/** A neighbour this much nearer or farther (relative) marks a depth edge. */
const EDGE_JUMP = 0.05;

const cancelled = () => new AppError('timeout', 'the job was canceled');

export async function runReconstruct(
  job: ReconJob,
  signal: AbortSignal,
  written: string[],
  progress: ReconProgress,
  depthOf: DepthRunner,
): Promise<ReconJobResult> {
  const t0 = performance.now();
  let peakRss = process.memoryUsage().rss;
  const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

  // 1. Frames and poses. Every frame's pixels are kept at processing size (the keyframes are picked
  //    after the SfM, by parallax) with its sharpness.
  const rgbs: Uint8Array[] = [];
  const sharpness: number[] = [];
  let gray: ReturnType<typeof createGray> | null = null;
  const poseJob = await toPoseJob(job);
  progress('frames', 0, 'reading frames');
  const solved = await solvePoses(poseJob, signal, {
    onFrame(rgb, width, height) {
      rgbs.push(rgb.slice(0, width * height * 3));
      gray ??= createGray(width, height);
      rgbToGray(gray.data, rgb, width, height, 3);
      sharpness.push(laplacianVariance(gray));
    },
    progress(f, message) {
      if (f < 0.6) progress('frames', (STAGE_END.frames * f) / 0.6, message);
      else progress('poses', STAGE_END.frames, message);
    },
  });
  sampleRss();
  if (signal.aborted) throw cancelled();
  const { sfm, frames } = solved;
  const { width: W, height: H } = frames.processing;
  const F = rgbs.length;
  if (sfm.registeredCount < 2)
    throw new AppError(
      'reconstruction_failed',
      'no camera poses could be found: the frames share too little texture or parallax',
      {
        details: { reason: 'no_poses', frames: F, registered: sfm.registeredCount },
      },
    );
  const t1 = performance.now();
  progress('poses', STAGE_END.poses, `${sfm.registeredCount} of ${F} frames posed`);

  // SfM observations per frame: pixel (processing size) and camera-frame depth of each point.
  const obs = observationsPerFrame(solved);
  const medianDepth = obs.map((o) => median(o.z));

  // 2. Keyframes.
  const forced = job.knownScale ? knownFrameIndex(job, solved) : -1;
  const keyframes = selectKeyframes(solved, sharpness, medianDepth, job.preset.maxKeyframes, forced);
  if (keyframes.length < 1)
    throw new AppError('reconstruction_failed', 'no keyframe has enough reconstructed points to fit depth to', {
      details: { reason: 'no_keyframes' },
    });

  // 3. Depth per keyframe, fitted to the SfM points (relative families) or checked against them
  //    (metric families: they fix the world's scale).
  const K = solved.Kproc;
  const trusted = solved.source !== 'heuristic' || solved.refine;
  const depths: Float32Array[] = [];
  const valids: Uint8Array[] = [];
  const fits: ReconJobResult['depth']['perFrameFit'] = [];
  const metricRatios: number[] = [];
  let metric = false;
  let provider: Provider = 'cpu';
  const tDepth = performance.now();
  for (const [i, f] of keyframes.entries()) {
    if (signal.aborted) throw cancelled();
    const d = await depthOf({ data: rgbs[f]!, width: W, height: H, channels: 3 }, K, trusted, signal);
    provider = d.provider;
    metric = d.metric;
    const o = obs[f]!;
    if (d.metric) {
      const sampled = sampleAt(d.depth, d.valid, W, H, o.uv);
      const ratios: number[] = [];
      for (let k = 0; k < o.z.length; k++) if (sampled[k]! > 0 && o.z[k]! > 0) ratios.push(sampled[k]! / o.z[k]!);
      if (ratios.length >= MIN_FIT_POINTS) metricRatios.push(median(ratios));
      fits.push({ frame: f, scale: 1, shift: 0, inliers: ratios.length });
    } else {
      const fit = fitToPoints(d.depth, d.inverse, W, H, o);
      if (!fit) {
        depths.push(new Float32Array(0));
        valids.push(new Uint8Array(0));
        fits.push({ frame: f, scale: NaN, shift: NaN, inliers: 0 });
        progress('depth', lerp(STAGE_END.poses, STAGE_END.depth, (i + 1) / keyframes.length), `keyframe ${i + 1}`);
        continue;
      }
      // z = s·d + b (or 1/z = s·(1/d) + b), 0 where it is not a positive depth.
      applyScaleShift(d.depth, d.depth, fit, MAX_DEPTH_OF_MEDIAN * medianDepth[f]!);
      fits.push({ frame: f, scale: fit.scale, shift: fit.shift, inliers: fit.inlierCount });
    }
    depths.push(d.depth);
    valids.push(d.valid);
    sampleRss();
    progress(
      'depth',
      lerp(STAGE_END.poses, STAGE_END.depth, (i + 1) / keyframes.length),
      `depth of keyframe ${i + 1} of ${keyframes.length}`,
    );
  }
  const tDepthEnd = performance.now();

  // World scale: SfM units are arbitrary. A metric model fixes them (the median over keyframes of
  // its depth ÷ the SfM depth); a known length fixes them after the fit; else they stay relative.
  let worldScale = 1;
  let scale: ReconJobResult['scale'] = {
    kind: 'relative',
    source: 'none',
    note: 'relative scale: the depth model is relative and no known length was given; units are arbitrary (the first two cameras are about 1 apart)',
  };
  if (metric) {
    if (metricRatios.length === 0)
      throw new AppError('reconstruction_failed', 'the metric depth could not be matched to the reconstructed points', {
        details: { reason: 'metric_check_failed' },
      });
    worldScale = median(metricRatios);
    const spread = iqr(metricRatios) / worldScale;
    scale = {
      kind: 'metric',
      source: 'metric_model',
      note: `metres, from the metric depth model; its scale agreed across keyframes within ±${(50 * spread).toFixed(1)} % (interquartile)`,
    };
  }
  const used = keyframes.map((f, i) => ({ f, i })).filter(({ i }) => depths[i]!.length > 0);
  if (used.length === 0)
    throw new AppError('reconstruction_failed', 'no keyframe depth could be fitted to the reconstructed points', {
      details: { reason: 'depth_fit_failed' },
    });
  // Cameras in world units (metric: SfM translations × worldScale; depths stay in metres).
  const cams = sfm.cameras.map((c) =>
    c ? { R: c.R, t: Float64Array.from(c.t, (v) => v * (metric ? worldScale : 1)) } : null,
  );
  if (job.knownScale) {
    const ks = job.knownScale;
    const i = keyframes.indexOf(forced);
    const known =
      i >= 0 && depths[i]!.length ? knownScaleFactor(ks, depths[i]!, valids[i]!, W, H, K, frames.full) : null;
    if (known === null)
      throw new AppError(
        'reconstruction_failed',
        ks.kind === 'length'
          ? 'the known length could not be measured: no depth at its end points in that frame'
          : 'the rectangle could not be measured: no depth at enough of its corners in that frame',
        {
          details: {
            reason: ks.kind === 'length' ? 'known_length_unmeasurable' : 'known_rectangle_unmeasurable',
            frame: ks.frame,
          },
        },
      );
    const { factor, spread, used: measured } = known;
    worldScale = metric ? worldScale * factor : factor;
    for (const c of cams) if (c) for (let k = 0; k < 3; k++) c.t[k] = c.t[k]! * factor;
    for (const { i } of used) {
      const d = depths[i]!;
      for (let k = 0; k < d.length; k++) d[k] = d[k]! * factor;
    }
    const agreement =
      ks.kind === 'rectangle'
        ? `; its ${measured} edges and diagonals agree within ±${(spread * 100).toFixed(1)} % (relative depth keeps the frame's perspective only approximately)`
        : '';
    scale = {
      kind: 'metric',
      source: ks.kind === 'length' ? 'known_length' : 'known_rectangle',
      note: `metres, from ${ks.label} in frame ${ks.frame}${agreement}${metric ? ' (overriding the metric model, which was off by ' + ((1 / factor - 1) * 100).toFixed(1) + ' %)' : ''}`,
    };
  }
  const isMetric = scale.kind === 'metric';

  // 4. Filtering: depth edges, then agreement with the neighbouring keyframes (0 = dropped).
  const views: DepthView[] = used.map(({ f, i }) => {
    const out = new Float32Array(W * H);
    filterDepthEdges(out, depths[i]!, W, H, { relThreshold: EDGE_JUMP });
    return { depthM: out, width: W, height: H, K, camFromWorld: cams[f]! };
  });
  const fused: Float32Array[] = views.map((view, u) => {
    const neighbours = [u - 2, u - 1, u + 1, u + 2].filter((n) => n >= 0 && n < views.length).map((n) => views[n]!);
    if (neighbours.length === 0) return view.depthM;
    const out = new Float32Array(W * H);
    multiViewConsistency(out, view, neighbours, { relTolerance: isMetric ? 0.03 : 0.05, minAgree: 1 });
    return out;
  });

  // 5. Fusion.
  const sceneDepth = median(used.map(({ f }) => medianDepth[f]! * (isMetric ? worldScale : 1)));
  const voxel = isMetric ? job.preset.voxelM : Math.max(1e-6, job.preset.voxelRelative * sceneDepth);
  const volume = new TsdfVolume({ voxelSizeM: voxel, truncationM: 4 * voxel });
  const tFusion = performance.now();
  for (const [u, { f }] of used.entries()) {
    if (signal.aborted) throw cancelled();
    volume.integrate(fused[u]!, W, H, K, cams[f]!, rgbs[f]!, { maxDepthM: MAX_DEPTH_OF_MEDIAN * sceneDepth });
    progress(
      'fusion',
      lerp(STAGE_END.depth, STAGE_END.fusion, (u + 1) / used.length),
      `fused ${u + 1} of ${used.length}`,
    );
  }
  sampleRss();
  const tMesh = performance.now();
  progress('mesh', STAGE_END.fusion, 'extracting the surface');
  const cloud = extractPointCloud(volume);
  const mesh = extractMesh(volume);
  sampleRss();
  const tsdfMiB = volume.stats().bytes / 2 ** 20;
  const tWrite = performance.now();
  progress('writing', STAGE_END.mesh, 'writing files');

  // 6. Files: the dense cloud, the mesh, and the COLMAP model (in the same world units).
  const unit = isMetric ? 'metres' : 'relative units (unknown scale)';
  const frameNote = `world frame = camera of the first frame of the initial pair (OpenCV axes: x right, y down, z forward); ${unit}`;
  const artifacts: ReconJobResult['artifacts'] = {};
  const put = async (name: keyof ReconJobResult['artifacts'], data: Uint8Array, type: string) => {
    artifacts[name] = (await writeArtifactFile(job.tmpDir, 'recon', written, data, type)) as WrittenArtifact;
  };
  await put(
    'points.ply',
    encodePly({
      positions: cloud.positions,
      colors: cloud.colors,
      count: cloud.count,
      comments: [`SpatialForge reconstruction: fused surface points; ${frameNote}`],
    }),
    'application/octet-stream',
  );
  await put(
    'mesh.ply',
    encodePlyMesh({
      ...mesh,
      comments: [`SpatialForge reconstruction: TSDF mesh, voxel ${voxel.toPrecision(3)}; ${frameNote}`],
    }),
    'application/octet-stream',
  );
  // The COLMAP model gets the same world units as the cloud.
  if (worldScale !== 1 && isMetric) {
    for (const c of sfm.cameras) if (c) for (let k = 0; k < 3; k++) c.t[k] = c.t[k]! * worldScale;
    for (let k = 0; k < sfm.points.length; k++) sfm.points[k] = sfm.points[k]! * worldScale;
  }
  const pose = await writePoseResult({ ...poseJob, outputs: ['colmap'] }, solved, written);
  for (const name of ['cameras.txt', 'images.txt', 'points3D.txt'] as const) {
    const a = pose.artifacts[name];
    if (a) artifacts[name] = a;
  }
  pose.artifacts = {};
  const t2 = performance.now();

  return {
    pose,
    scale,
    frames: { total: F, keyframes: keyframes.length, posed: sfm.registeredCount, fused: used.length },
    keyframes,
    points: cloud.count,
    mesh: { vertices: mesh.vertexCount, faces: mesh.faceCount },
    bounds: bounds(cloud.positions, cloud.count),
    voxelSize: voxel,
    worldScale,
    depth: { model: job.model.id, provider, perFrameFit: fits },
    memory: { peakRssMiB: peakRss / 2 ** 20, tsdfMiB },
    artifacts,
    timingsMs: {
      poses: t1 - t0,
      depth: tDepthEnd - tDepth,
      fusion: tMesh - tFusion,
      mesh: tWrite - tMesh,
      write: t2 - tWrite,
      total: t2 - t0,
    },
  };
}

/** The job's files as the pose pipeline's input: a video is read in place, photos are read into memory. */
async function toPoseJob(job: ReconJob): Promise<PoseJob> {
  const input: PoseJob['input'] =
    job.input.kind === 'video_file'
      ? { kind: 'video_file', path: job.input.path }
      : {
          kind: 'images',
          images: await Promise.all(
            job.input.files.map(async (f) => ({
              data: new Uint8Array(await fs.promises.readFile(f.path)),
              name: f.name,
            })),
          ),
        };
  return {
    type: 'pose',
    jobId: job.jobId,
    input,
    fps: job.preset.fps,
    fitFps: true,
    maxFrames: job.preset.maxFrames,
    maxSide: job.preset.maxSide,
    limits: job.limits,
    intrinsics: job.intrinsics,
    outputs: [],
    tmpDir: job.tmpDir,
  };
}

interface FrameObservations {
  /** Packed pixel coordinates (processing size). */
  uv: Float64Array;
  /** Depth of each point in this camera (SfM units). */
  z: Float64Array;
}

function observationsPerFrame(solved: SolvedPoses): FrameObservations[] {
  const { sfm, tracks } = solved;
  const F = sfm.cameras.length;
  const pointOf = new Int32Array(tracks.trackCount).fill(-1);
  for (let i = 0; i < sfm.pointTrack.length; i++) pointOf[sfm.pointTrack[i]!] = i;
  const lists: { uv: number[]; z: number[] }[] = Array.from({ length: F }, () => ({ uv: [], z: [] }));
  for (let o = 0; o < tracks.count; o++) {
    const f = tracks.frameIndex[o]!;
    const p = pointOf[tracks.trackId[o]!]!;
    const cam = sfm.cameras[f];
    if (p < 0 || !cam) continue;
    const X = sfm.points;
    const R = cam.R;
    const z = R[6]! * X[3 * p]! + R[7]! * X[3 * p + 1]! + R[8]! * X[3 * p + 2]! + cam.t[2]!;
    if (!(z > 0)) continue;
    lists[f]!.uv.push(tracks.xy[2 * o]!, tracks.xy[2 * o + 1]!);
    lists[f]!.z.push(z);
  }
  return lists.map((l) => ({ uv: Float64Array.from(l.uv), z: Float64Array.from(l.z) }));
}

/**
 * Registered, sharp frames with parallax: a frame becomes a keyframe when the camera has moved at
 * least 4 % of the scene depth or turned 4° since the last one; then evenly thinned to `max`.
 * `forced` (the known-length frame) is always kept when registered.
 */
function selectKeyframes(
  solved: SolvedPoses,
  sharpness: number[],
  medianDepth: number[],
  max: number,
  forced: number,
): number[] {
  const { sfm } = solved;
  const posed: number[] = [];
  for (let f = 0; f < sfm.cameras.length; f++) if (sfm.cameras[f] && Number.isFinite(medianDepth[f]!)) posed.push(f);
  if (posed.length === 0) return [];
  const sharpMedian = median(posed.map((f) => sharpness[f]!));
  const sharp = posed.filter((f) => sharpness[f]! >= BLUR_RATIO * sharpMedian || f === forced);
  const centre = (f: number) => {
    const { R, t } = sfm.cameras[f]!;
    return [0, 1, 2].map((i) => -(R[i]! * t[0]! + R[3 + i]! * t[1]! + R[6 + i]! * t[2]!));
  };
  const picked: number[] = [];
  for (const f of sharp) {
    const last = picked[picked.length - 1];
    if (last === undefined || f === forced) {
      picked.push(f);
      continue;
    }
    const a = centre(last);
    const b = centre(f);
    const baseline = Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
    const turn = rotationDeg(sfm.cameras[last]!.R, sfm.cameras[f]!.R);
    if (baseline >= MIN_BASELINE_OF_DEPTH * medianDepth[f]! || turn >= MIN_ROTATION_DEG) picked.push(f);
  }
  if (picked.length <= max) return picked;
  const thinned = new Set<number>();
  for (let k = 0; k < max; k++) thinned.add(picked[Math.round((k * (picked.length - 1)) / Math.max(1, max - 1))]!);
  if (forced >= 0 && picked.includes(forced)) thinned.add(forced);
  return [...thinned].sort((x, y) => x - y);
}

function rotationDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let tr = 0;
  for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) tr += a[3 * r + k]! * b[3 * r + k]!;
  return (Math.acos(Math.min(1, Math.max(-1, (tr - 1) / 2))) * 180) / Math.PI;
}

/** The frame index (in the sampled sequence) the known length or rectangle refers to. */
function knownFrameIndex(job: ReconJob, solved: SolvedPoses): number {
  const F = solved.frames.sink.names.length;
  const f = job.knownScale!.frame;
  if (!(Number.isInteger(f) && f >= 0 && f < F))
    throw new AppError(
      'validation_failed',
      `known_frame ${f} is out of range: the input gave ${F} frames (0–${F - 1})`,
      {
        details: { reason: 'known_frame_out_of_range', frames: F },
      },
    );
  if (!solved.sfm.cameras[f])
    throw new AppError(
      'reconstruction_failed',
      `frame ${f}, which holds the known ${job.knownScale!.kind}, could not be posed`,
      {
        details: { reason: 'known_frame_not_posed' },
      },
    );
  return f;
}

/** The model's depth at each observation's pixel (nearest pixel; 0 where invalid). */
function sampleAt(depth: Float32Array, valid: Uint8Array, W: number, H: number, uv: Float64Array): Float64Array {
  const out = new Float64Array(uv.length / 2);
  for (let k = 0; k < out.length; k++) {
    const x = Math.floor(uv[2 * k]!);
    const y = Math.floor(uv[2 * k + 1]!);
    if (x < 0 || y < 0 || x >= W || y >= H) continue;
    const i = y * W + x;
    const d = depth[i]!;
    out[k] = valid[i] && d > 0 ? d : 0;
  }
  return out;
}

/**
 * SfM depth ≈ s·d + b (or 1/z ≈ s/d + b for maps that are inverted disparity), robustly (RANSAC,
 * 10 % relative residual); null when it cannot be trusted. Rewrites `depth` as the prediction the
 * fit is made on (the disparity for inverse maps, 0 where invalid).
 */
function fitToPoints(depth: Float32Array, inverse: boolean, W: number, H: number, o: FrameObservations) {
  for (let k = 0; k < depth.length; k++) {
    const d = depth[k]!;
    depth[k] = d > 0 && d < Infinity ? (inverse ? 1 / d : d) : NaN;
  }
  const n = o.z.length;
  const samples = new Float64Array(3 * n);
  for (let k = 0; k < n; k++) {
    samples[3 * k] = o.uv[2 * k]!;
    samples[3 * k + 1] = o.uv[2 * k + 1]!;
    samples[3 * k + 2] = o.z[k]!;
  }
  const fit = fitScaleShift(depth, W, H, samples, {
    mode: inverse ? 'inverse_depth' : 'depth',
    thresholdRel: 0.1,
    minSamples: MIN_FIT_POINTS,
  });
  return fit.ok ? fit : null;
}

/**
 * Metres per world unit from segments of known length between pixels (full size) of one keyframe:
 * each end lifted to 3-D with the median valid depth of its 5 × 5 window (robust at edges), the
 * factor the median of known / measured over the segments that could be measured. A rectangle
 * needs at least four of its six (edges and diagonals); `spread` is their largest deviation from it.
 */
function knownScaleFactor(
  ks: KnownScale,
  depth: Float32Array,
  valid: Uint8Array,
  W: number,
  H: number,
  K: Intrinsics,
  full: { width: number; height: number },
): { factor: number; spread: number; used: number } | null {
  const sx = W / full.width;
  const sy = H / full.height;
  const point = ([u, v]: [number, number]) => {
    const x = Math.min(W - 1, Math.max(0, Math.floor(u * sx)));
    const y = Math.min(H - 1, Math.max(0, Math.floor(v * sy)));
    const zs: number[] = [];
    for (let dy = -2; dy <= 2; dy++)
      for (let dx = -2; dx <= 2; dx++) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
        const i = yy * W + xx;
        if (valid[i] && depth[i]! > 0) zs.push(depth[i]!);
      }
    if (zs.length === 0) return null;
    const z = median(zs);
    return [((u * sx - K.cx) / K.fx) * z, ((v * sy - K.cy) / K.fy) * z, z];
  };
  const ratios: number[] = [];
  for (const seg of ks.segments) {
    const a = point(seg.from);
    const b = point(seg.to);
    if (!a || !b) continue;
    const d = Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
    if (d > 0) ratios.push(seg.length_m / d);
  }
  if (ratios.length === 0 || (ks.kind === 'rectangle' && ratios.length < 4)) return null;
  const factor = median(ratios);
  const spread = Math.max(...ratios.map((r) => Math.abs(r / factor - 1)));
  return { factor, spread, used: ratios.length };
}

function bounds(p: Float32Array, n: number): ReconJobResult['bounds'] {
  if (n === 0) return null;
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++)
    for (let a = 0; a < 3; a++) {
      const v = p[3 * i + a]!;
      if (v < min[a]!) min[a] = v;
      if (v > max[a]!) max[a] = v;
    }
  return { min, max };
}

function median(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[(s.length - 1) >> 1]!;
}

function iqr(xs: number[]): number {
  const s = Float64Array.from(xs).sort();
  return s[Math.floor(0.75 * (s.length - 1))]! - s[Math.floor(0.25 * (s.length - 1))]!;
}

const lerp = (a: number, b: number, f: number) => a + (b - a) * f;
