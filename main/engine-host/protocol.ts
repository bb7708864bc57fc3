import type { ExplicitIntrinsics, IntrinsicsSource } from '../../engines/core/camera.js';
import type { Distortion } from '../../engines/core/distortion.js';
import type { DepthModelSpec, ScaleSource } from '../../engines/depth/index.js';
import type { MeasureResult } from '../../engines/measure/index.js';
import type { ModelSignature, Provider } from '../../engines/runtime/index.js';
import type { FrameStatus } from '../../engines/pose/index.js';
import type { DepthOutput } from '../common/api/depthContract.js';
import type { PoseOutput } from '../common/api/poseContract.js';
import type { KnownScale } from '../common/api/reconstructContract.js';

/** Messages between the core's main thread and the inference worker (structured clone + transfer). */

export interface WorkerConfig {
  providers: Provider[];
  intraOpThreads: number;
  idleUnloadMs: number;
  maxQueue: number;
}

export interface PinholeIntrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

export interface DepthJob {
  type: 'depth';
  jobId: number;
  model: { id: string; file: string; signature: ModelSignature; spec: DepthModelSpec };
  /** The uploaded file, as received (transferred, not copied). */
  image: Uint8Array;
  limits: { maxPixels: number; maxBytes: number };
  intrinsics: ExplicitIntrinsics | undefined;
  outputs: DepthOutput[];
  plyMaxPoints: number;
  previewMaxSide: number;
  /** Folder the worker writes artifact files into (the artifact store's temp folder). */
  tmpDir: string;
}

/** An artifact file the worker wrote into `tmpDir`, hashed there. */
export interface WrittenArtifact {
  file: string;
  sha256: string;
  bytes: number;
  contentType: string;
}

export interface DepthJobResult {
  provider: Provider;
  image: { width: number; height: number; format: string; orientation: number };
  modelInput: { width: number; height: number };
  intrinsics: { K: PinholeIntrinsics; source: IntrinsicsSource };
  metric: boolean;
  scaleSource: ScaleSource;
  meaning: string;
  stats: { min: number; median: number; max: number; validFraction: number };
  artifacts: Partial<Record<DepthOutput, WrittenArtifact>>;
  timingsMs: { decode: number; preprocess: number; inference: number; postprocess: number };
}

/** An error crossing the thread boundary; `app` errors keep their code, status and details. */
export interface WireError {
  name: string;
  message: string;
  app?: { code: string; details: unknown; headers: Record<string, string> };
  runtime?: string;
}

export interface MeasureJob {
  type: 'measure';
  jobId: number;
  /** Null: no depth model (only the reference plane can be used). */
  model: DepthJob['model'] | null;
  image: Uint8Array;
  limits: DepthJob['limits'];
  intrinsics: ExplicitIntrinsics | undefined;
  distortion: Distortion | undefined;
  p1: [number, number];
  p2: [number, number];
  reference:
    | { kind: 'rectangle'; corners: number[]; widthM: number; heightM: number; label: string }
    | { kind: 'length'; a: [number, number]; b: [number, number]; lengthM: number }
    | undefined;
  onPlane: 'auto' | boolean;
  clickSigmaPx: number;
}

export interface MeasureJobResult {
  provider: Provider | null;
  image: DepthJobResult['image'];
  intrinsics: DepthJobResult['intrinsics'];
  measurement: MeasureResult;
  notes: string[];
  timingsMs: { total: number; inference: number };
}

/** Frames → camera poses (see poseJob.ts). */
export interface PoseJob {
  type: 'pose';
  jobId: number;
  input:
    | { kind: 'video'; data: Uint8Array }
    /** A video file the caller owns (the CLI); read in place, never deleted. */
    | { kind: 'video_file'; path: string }
    | { kind: 'images'; images: { data: Uint8Array; name: string }[] };
  /** Video sampling rate, frames per second. */
  fps: number;
  /** More frames than this → 413 (or, with `fitFps`, a lower rate). */
  maxFrames: number;
  /** A video that would give more than `maxFrames` at `fps` is sampled at the rate that fits instead. */
  fitFps?: boolean;
  /** Frames are tracked at most this size (longer side, px). */
  maxSide: number;
  limits: { maxPixels: number; maxBytes: number };
  intrinsics: ExplicitIntrinsics | undefined;
  outputs: PoseOutput[];
  tmpDir: string;
}

export interface PoseFrameResult {
  name: string;
  timeS: number | null;
  status: FrameStatus;
  reason: string;
  /** camFromWorld, row-major R then t; null when not registered. */
  R: number[] | null;
  t: number[] | null;
}

export interface PoseJobResult {
  input: {
    kind: 'video' | 'images';
    width: number;
    height: number;
    processing: { width: number; height: number };
    video: { fpsSampled: number; durationS: number; codec: string; rotationDeg: number } | null;
  };
  frames: PoseFrameResult[];
  initialPair: [number, number] | null;
  registered: number;
  /** Final intrinsics in full-size pixels, and the ones the reconstruction started from. */
  intrinsics: { K: PinholeIntrinsics; initial: PinholeIntrinsics; source: IntrinsicsSource; refined: boolean };
  points: number;
  rmsReprojectionPx: number;
  reprojection: { observations: number; median: number; p90: number; max: number };
  artifacts: Partial<Record<'cameras.txt' | 'images.txt' | 'points3D.txt' | 'points.ply', WrittenArtifact>>;
  timingsMs: { decode: number; tracking: number; sfm: number; write: number };
}

/** Settings of one reconstruction quality preset (see reconstructContract.ts for the table). */
export interface ReconPresetSettings {
  fps: number;
  maxFrames: number;
  /** Frames are tracked, and depth is fused, at most this size (longer side, px). */
  maxSide: number;
  maxKeyframes: number;
  /** Voxel size in metres when the scale is metric. */
  voxelM: number;
  /** Voxel size as a fraction of the median scene depth when it is not. */
  voxelRelative: number;
}

export interface ReconJob {
  type: 'reconstruct';
  jobId: number;
  /** Files on disk (the job's stored upload): one video, or photos. */
  input: { kind: 'video_file'; path: string } | { kind: 'image_files'; files: { path: string; name: string }[] };
  preset: ReconPresetSettings;
  /** The depth model; the job needs one. */
  model: { id: string; file: string; signature: ModelSignature; spec: DepthModelSpec; family: string };
  intrinsics: ExplicitIntrinsics | undefined;
  /** A known distance between two pixels of one input frame (full-size pixels) fixes the scale. */
  /** A known length, or a rectangle's edges and diagonals, in one frame: fixes the scale. */
  knownScale: KnownScale | null;
  limits: { maxPixels: number; maxBytes: number };
  tmpDir: string;
}

export interface ReconJobResult {
  pose: PoseJobResult;
  scale: {
    kind: 'metric' | 'relative';
    source: 'metric_model' | 'known_length' | 'known_rectangle' | 'none';
    note: string;
  };
  frames: { total: number; keyframes: number; posed: number; fused: number };
  keyframes: number[];
  points: number;
  mesh: { vertices: number; faces: number };
  bounds: { min: [number, number, number]; max: [number, number, number] } | null;
  voxelSize: number;
  /** World units per metre-less SfM unit applied to the poses (1 when relative). */
  worldScale: number;
  depth: {
    model: string;
    provider: Provider;
    perFrameFit: { frame: number; scale: number; shift: number; inliers: number }[];
  };
  memory: { peakRssMiB: number; tsdfMiB: number };
  artifacts: Partial<
    Record<'points.ply' | 'mesh.ply' | 'cameras.txt' | 'images.txt' | 'points3D.txt', WrittenArtifact>
  >;
  timingsMs: { poses: number; depth: number; fusion: number; mesh: number; write: number; total: number };
}

export type ToWorker =
  DepthJob | MeasureJob | PoseJob | ReconJob | { type: 'cancel'; jobId: number } | { type: 'unload'; modelId: string };

export type FromWorker =
  | { type: 'result'; jobId: number; result: DepthJobResult | MeasureJobResult | PoseJobResult | ReconJobResult }
  | { type: 'progress'; jobId: number; stage: string; fraction: number; message: string }
  | { type: 'error'; jobId: number; error: WireError }
  | { type: 'log'; level: 'info' | 'warn'; message: string; fields?: Record<string, unknown> };
