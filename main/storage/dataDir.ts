import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DATA_DIR_ENV = 'SPATIALFORGE_DATA_DIR';

/**
 * Where SpatialForge keeps its database, secret and artifacts, by OS convention:
 * Linux `$XDG_DATA_HOME/spatialforge` (else `~/.local/share/spatialforge`), macOS
 * `~/Library/Application Support/SpatialForge`, Windows `%APPDATA%\SpatialForge`.
 * `--data-dir` beats `SPATIALFORGE_DATA_DIR`, which beats the convention.
 */
export function resolveDataDir(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (explicit) return path.resolve(explicit);
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  switch (platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'SpatialForge');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'SpatialForge');
    default:
      return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'spatialforge');
  }
}

/** Creates the data folder (owner-only on POSIX) and checks that it is a writable directory. */
export function ensureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) throw new Error(`data folder ${dir} is not a directory`);
  fs.accessSync(dir, fs.constants.W_OK | fs.constants.R_OK);
}
