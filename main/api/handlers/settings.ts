import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SETTINGS_APPLY_NOTE,
  SETTINGS_FILE,
  type SettingsView,
  type StoredSettings,
} from '../../common/api/settingsContract.js';
import { AppError } from '../../common/errors.js';
import type { Core } from '../../core/core.js';
import { readSettingsFile, type DepthEngine } from '../../engine-host/index.js';
import type { Handlers } from '../routes.js';

/**
 * Replaces `file` with `text` so that a reader (or a crash) sees the old file or the new one,
 * never half of either: write a temp file beside it, flush it, rename it over.
 */
function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** `GET` / `PATCH /v1/settings`: settings.json in the data folder, and what the running core uses. */
export function settingsHandlers(
  core: Pick<Core, 'dataDir' | 'models'>,
  engine: Pick<DepthEngine, 'inference'>,
): Pick<Handlers, 'getSettings' | 'updateSettings'> {
  const file = path.join(core.dataDir, SETTINGS_FILE);
  const { config, source } = engine.inference;

  const view = (settings: StoredSettings, problem: string | null): SettingsView => {
    const wanted = settings.execution_provider === 'cpu' ? ['cpu'] : [settings.execution_provider, 'cpu'];
    const providersDiffer = source.providers !== 'environment' && wanted.join() !== config.providers.join();
    // The engine caps threads at the cores there are; compare what the saved value would become.
    const threads = settings.threads > 0 ? Math.min(settings.threads, os.availableParallelism()) : 0;
    const threadsDiffer = source.threads !== 'environment' && threads !== config.intraOpThreads;
    return {
      ...settings,
      data_dir: core.dataDir,
      research_mode: core.models.researchMode,
      running: { providers: config.providers, threads: config.intraOpThreads, source },
      restart_required: providersDiffer || threadsDiffer,
      apply_note: SETTINGS_APPLY_NOTE,
      problem,
    };
  };

  return {
    getSettings() {
      const { settings, problem } = readSettingsFile(core.dataDir);
      return view(settings, problem);
    },
    updateSettings({ body }) {
      const current = readSettingsFile(core.dataDir);
      const next: StoredSettings = { ...current.settings };
      if (body.execution_provider !== undefined) next.execution_provider = body.execution_provider;
      if (body.threads !== undefined) next.threads = body.threads;
      try {
        // A damaged file is kept beside the new one, so nothing the user wrote by hand is lost.
        if (current.problem && fs.existsSync(file)) fs.copyFileSync(file, `${file}.damaged`);
        writeAtomically(file, `${JSON.stringify(next, null, 2)}\n`);
      } catch (err) {
        throw new AppError('unavailable', `the settings could not be saved in ${core.dataDir}`, { cause: err });
      }
      return view(next, null);
    },
  };
}
