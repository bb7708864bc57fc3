import os from 'node:os';
import type { Logger } from 'pino';
import { PROVIDERS, type Provider } from '../../engines/runtime/index.js';
import type { Core } from '../core/core.js';
import { DepthService } from './depthService.js';
import { InferenceHost } from './inferenceHost.js';
import { PoseService } from './poseService.js';
import type { WorkerConfig } from './protocol.js';

export {
  DepthService,
  DEFAULT_MODEL_ORDER,
  type DepthRequest,
  type DepthResponse,
  type MeasureRequest,
  type MeasureResponse,
} from './depthService.js';
export { InferenceHost } from './inferenceHost.js';
export { PoseService, type PoseRequest, type PoseResponse, type PoseArtifactName } from './poseService.js';

/**
 * Inference settings from the environment:
 * `SPATIALFORGE_PROVIDERS` (comma list, best first, e.g. `cuda,cpu`; default `cpu`),
 * `SPATIALFORGE_THREADS` (threads per inference; default: onnxruntime's choice, one per core),
 * `SPATIALFORGE_MODEL_IDLE_MS` (unload a model unused this long; default 10 minutes).
 */
export function inferenceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const providers = (env.SPATIALFORGE_PROVIDERS ?? 'cpu')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  for (const p of providers) {
    if (!(PROVIDERS as readonly string[]).includes(p)) {
      throw new Error(`SPATIALFORGE_PROVIDERS: unknown provider "${p}"; choose from ${PROVIDERS.join(', ')}`);
    }
  }
  const threads = Number(env.SPATIALFORGE_THREADS ?? 0);
  const idle = Number(env.SPATIALFORGE_MODEL_IDLE_MS ?? 10 * 60_000);
  return {
    providers: providers as Provider[],
    intraOpThreads: Number.isInteger(threads) && threads > 0 ? Math.min(threads, os.availableParallelism()) : 0,
    idleUnloadMs: Number.isFinite(idle) && idle >= 0 ? idle : 10 * 60_000,
    maxQueue: 16,
  };
}

export interface DepthEngine {
  depth: DepthService;
  pose: PoseService;
  host: InferenceHost;
  close(): Promise<void>;
}

export function createDepthEngine(
  core: Core,
  logger: Logger,
  config: WorkerConfig = inferenceConfigFromEnv(),
): DepthEngine {
  const host = new InferenceHost(config, logger);
  // Poses get a worker thread of their own (started on first use): seconds of tracking and bundle
  // adjustment never hold up a depth request, nor a loaded model a pose request.
  const poseHost = new InferenceHost(config, logger);
  return {
    depth: new DepthService(core.models, core.artifacts, host),
    pose: new PoseService(core.artifacts, poseHost),
    host,
    close: () => Promise.all([host.close(), poseHost.close()]).then(() => undefined),
  };
}
