import type { ExplicitIntrinsics, IntrinsicsSource } from '../../engines/core/camera.js';
import type { DepthModelSpec, ScaleSource } from '../../engines/depth/index.js';
import type { ModelSignature, Provider } from '../../engines/runtime/index.js';
import type { DepthOutput } from '../common/api/depthContract.js';

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

export type ToWorker = DepthJob | { type: 'cancel'; jobId: number } | { type: 'unload'; modelId: string };

export type FromWorker =
  | { type: 'result'; jobId: number; result: DepthJobResult }
  | { type: 'error'; jobId: number; error: WireError }
  | { type: 'log'; level: 'info' | 'warn'; message: string; fields?: Record<string, unknown> };
