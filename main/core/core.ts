import path from 'node:path';
import { openDatabase, DB_FILE, type Database } from '../db/database.js';
import { createApiKeyRepo } from '../db/repos/apiKeys.js';
import { createArtifactRepo } from '../db/repos/artifacts.js';
import { createJobRepo } from '../db/repos/jobs.js';
import { createModelRepo } from '../db/repos/models.js';
import { createUsageRepo } from '../db/repos/usage.js';
import { ArtifactStore } from '../storage/artifactStore.js';
import type { Manifest } from '../common/models.js';
import { MANIFEST_ENV, researchModeFromEnv } from '../models/manifest.js';
import { ModelStore } from '../models/modelStore.js';
import { ensureDataDir } from '../storage/dataDir.js';
import { loadOrCreateSecret } from '../storage/secret.js';
import { registerBuiltinJobTypes } from '../jobs/builtin.js';
import { JobInputStore } from '../jobs/inputs.js';
import { JobQueue, type JobQueueOptions } from '../jobs/queue.js';
import { webhookSigningKey } from '../jobs/webhooks.js';
import { ApiKeyService } from './apiKeys.js';
import { UsageMeter } from './usageMeter.js';

/** Everything the API, the CLI and (later) the job runner share: one data folder, opened once. */
export interface Core {
  readonly dataDir: string;
  readonly db: Database;
  readonly secret: Buffer;
  readonly keys: ApiKeyService;
  readonly artifacts: ArtifactStore;
  readonly usage: UsageMeter;
  /** Downloaded and imported models (`<dataDir>/models/`). */
  readonly models: ModelStore;
  /** The durable job queue; the server runs it (`jobs.start()`), any process may enqueue or cancel. */
  readonly jobs: JobQueue;
  /** Uploads stored with the jobs that need them (`<dataDir>/job-inputs/`). */
  readonly jobInputs: JobInputStore;
  /** Writes pending usage counts and closes the database. */
  close(): void;
}

export interface OpenCoreOptions {
  dataDir: string;
  now?: () => number;
  /** Allow research-only and unclear model weights; default: `SPATIALFORGE_RESEARCH_MODE=1`. */
  researchMode?: boolean;
  /** The model manifest (parsed, or a file); default: `$SPATIALFORGE_MODEL_MANIFEST`, else the bundled one. */
  modelManifest?: Manifest | string;
  /** Job queue settings (tests shorten intervals). */
  jobs?: Partial<Omit<JobQueueOptions, 'repo' | 'dataDir' | 'signingKey' | 'now'>>;
  /** Download retries and their delay (tests shorten them). */
  modelDownload?: { retries?: number; retryDelayMs?: number };
}

export function openCore(options: OpenCoreOptions): Core {
  const { dataDir } = options;
  const now = options.now ?? Date.now;
  ensureDataDir(dataDir);
  const secret = loadOrCreateSecret(dataDir);
  const db = openDatabase(path.join(dataDir, DB_FILE));
  const usage = new UsageMeter(createUsageRepo(db), now);
  const manifest = options.modelManifest ?? (process.env[MANIFEST_ENV] || undefined);
  const models = new ModelStore({
    dataDir,
    repo: createModelRepo(db),
    researchMode: options.researchMode ?? researchModeFromEnv(),
    now,
    ...(manifest !== undefined && { manifest }),
    ...options.modelDownload,
  });
  const jobs = new JobQueue({
    ...options.jobs,
    repo: createJobRepo(db),
    dataDir,
    signingKey: webhookSigningKey(secret),
    now,
  });
  registerBuiltinJobTypes(jobs);
  return {
    dataDir,
    jobs,
    jobInputs: new JobInputStore(dataDir, jobs),
    db,
    secret,
    usage,
    keys: new ApiKeyService(createApiKeyRepo(db), usage, secret, now),
    artifacts: new ArtifactStore(dataDir, createArtifactRepo(db), secret, now),
    models,
    close() {
      if (!db.open) return;
      models.close();
      usage.flush();
      db.close();
    },
  };
}
