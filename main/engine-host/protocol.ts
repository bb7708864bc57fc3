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
  /** The image resized to the model input, packed RGB. */
  input: { rgb: Uint8Array; width: number; height: number };
  /** Size of the oriented original; full-resolution outputs are made at this size. */
  full: { width: number; height: number };
  /** Intrinsics of the oriented original. */
  K: PinholeIntrinsics;
  trustedFocal: boolean;
  outputs: DepthOutput[];
  plyMaxPoints: number;
  previewMaxSide: number;
}

export interface EncodedArtifact {
  data: Uint8Array;
  sha256: string;
  contentType: string;
  extension: string;
}

export interface DepthJobResult {
  provider: Provider;
  metric: boolean;
  scaleSource: ScaleSource;
  meaning: string;
  /** Set when the model estimated the focal (MoGe-2 without trusted intrinsics); full resolution. */
  estimatedK: PinholeIntrinsics | null;
  stats: { min: number; median: number; max: number; validFraction: number };
  artifacts: Partial<Record<DepthOutput, EncodedArtifact>>;
  timingsMs: { preprocess: number; inference: number; postprocess: number };
}

export type ToWorker = DepthJob | { type: 'cancel'; jobId: number } | { type: 'unload'; modelId: string };

export type FromWorker =
  | { type: 'result'; jobId: number; result: DepthJobResult }
  | { type: 'error'; jobId: number; error: { name: string; code?: string; message: string } }
  | { type: 'log'; level: 'info' | 'warn'; message: string; fields?: Record<string, unknown> };
