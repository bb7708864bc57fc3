import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { PROVIDERS, type Provider } from '../../engines/runtime/index.js';
import {
  DEFAULT_SETTINGS,
  EXECUTION_PROVIDERS,
  parseSettingsText,
  SETTINGS_FILE,
  type ExecutionProvider,
  type StoredSettings,
} from '../common/api/settingsContract.js';
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

/** Where each part of the inference configuration came from. */
export interface InferenceSource {
  providers: 'environment' | 'settings' | 'default';
  threads: 'environment' | 'settings' | 'default';
}

// The settings contract keeps its own copy of the provider list (main/common may not load the
// runtime); these two lines fail to compile when the lists drift apart.
const _sameProviders: readonly Provider[] = EXECUTION_PROVIDERS;
const _sameProviders2: readonly ExecutionProvider[] = PROVIDERS;

/**
 * Reads `<dataDir>/settings.json`. A missing file gives the defaults; an unreadable or invalid one
 * gives the defaults and a `problem` (the core starts anyway).
 */
export function readSettingsFile(dataDir: string): { settings: StoredSettings; problem: string | null } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, SETTINGS_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: DEFAULT_SETTINGS, problem: null };
    return { settings: DEFAULT_SETTINGS, problem: `settings.json could not be read (${(err as Error).message})` };
  }
  return parseSettingsText(text);
}

/**
 * The inference configuration: each of `SPATIALFORGE_PROVIDERS` (comma list, best first, e.g.
 * `cuda,cpu`) and `SPATIALFORGE_THREADS` (threads per inference) wins when set; otherwise the saved
 * settings (`settings`, from settings.json: a preferred provider with CPU as fallback, threads);
 * otherwise CPU and onnxruntime's thread choice. `SPATIALFORGE_MODEL_IDLE_MS` unloads a model
 * unused this long (default 10 minutes).
 */
export function resolveInferenceConfig(
  settings: StoredSettings | null,
  env: NodeJS.ProcessEnv = process.env,
): { config: WorkerConfig; source: InferenceSource } {
  const source: InferenceSource = { providers: 'default', threads: 'default' };
  let providers: string[] = ['cpu'];
  if (env.SPATIALFORGE_PROVIDERS?.trim()) {
    source.providers = 'environment';
    providers = env.SPATIALFORGE_PROVIDERS.split(',')
      .map((p) => p.trim().toLowerCase())
      .filter(Boolean);
    for (const p of providers) {
      if (!(PROVIDERS as readonly string[]).includes(p)) {
        throw new Error(`SPATIALFORGE_PROVIDERS: unknown provider "${p}"; choose from ${PROVIDERS.join(', ')}`);
      }
    }
  } else if (settings && settings.execution_provider !== DEFAULT_SETTINGS.execution_provider) {
    source.providers = 'settings';
    providers = [settings.execution_provider, 'cpu'];
  }
  let threads = 0;
  if (env.SPATIALFORGE_THREADS?.trim()) {
    source.threads = 'environment';
    threads = Number(env.SPATIALFORGE_THREADS);
  } else if (settings && settings.threads !== DEFAULT_SETTINGS.threads) {
    source.threads = 'settings';
    threads = settings.threads;
  }
  const idle = Number(env.SPATIALFORGE_MODEL_IDLE_MS ?? 10 * 60_000);
  return {
    config: {
      providers: providers as Provider[],
      intraOpThreads: Number.isInteger(threads) && threads > 0 ? Math.min(threads, os.availableParallelism()) : 0,
      idleUnloadMs: Number.isFinite(idle) && idle >= 0 ? idle : 10 * 60_000,
      maxQueue: 16,
    },
    source,
  };
}

/** Inference settings from the environment alone (see {@link resolveInferenceConfig}). */
export function inferenceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return resolveInferenceConfig(null, env).config;
}

export interface DepthEngine {
  depth: DepthService;
  pose: PoseService;
  host: InferenceHost;
  /** The configuration its workers started with, and where it came from (fixed until restart). */
  inference: { config: WorkerConfig; source: InferenceSource };
  close(): Promise<void>;
}

export function createDepthEngine(
  core: Core,
  logger: Logger,
  inference: { config: WorkerConfig; source: InferenceSource } = resolveInferenceConfig(
    readSettingsFile(core.dataDir).settings,
  ),
): DepthEngine {
  const { config } = inference;
  const host = new InferenceHost(config, logger);
  // Poses get a worker thread of their own (started on first use): seconds of tracking and bundle
  // adjustment never hold up a depth request, nor a loaded model a pose request.
  const poseHost = new InferenceHost(config, logger);
  return {
    depth: new DepthService(core.models, core.artifacts, host),
    pose: new PoseService(core.artifacts, poseHost),
    host,
    inference,
    close: () => Promise.all([host.close(), poseHost.close()]).then(() => undefined),
  };
}
