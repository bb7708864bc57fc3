import path from 'node:path';
import { openDatabase, DB_FILE, type Database } from '../db/database.js';
import { createApiKeyRepo } from '../db/repos/apiKeys.js';
import { createArtifactRepo } from '../db/repos/artifacts.js';
import { createUsageRepo } from '../db/repos/usage.js';
import { ArtifactStore } from '../storage/artifactStore.js';
import { ensureDataDir } from '../storage/dataDir.js';
import { loadOrCreateSecret } from '../storage/secret.js';
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
  /** Writes pending usage counts and closes the database. */
  close(): void;
}

export function openCore(options: { dataDir: string; now?: () => number }): Core {
  const { dataDir } = options;
  const now = options.now ?? Date.now;
  ensureDataDir(dataDir);
  const secret = loadOrCreateSecret(dataDir);
  const db = openDatabase(path.join(dataDir, DB_FILE));
  const usage = new UsageMeter(createUsageRepo(db), now);
  return {
    dataDir,
    db,
    secret,
    usage,
    keys: new ApiKeyService(createApiKeyRepo(db), usage, secret, now),
    artifacts: new ArtifactStore(dataDir, createArtifactRepo(db), secret, now),
    close() {
      if (!db.open) return;
      usage.flush();
      db.close();
    },
  };
}
