import { startServer } from './api/server.js';
import { openCore } from './core/core.js';
import { createLogger } from './core/logger.js';
import { rendererDir } from './paths.js';
import { resolveDataDir } from './storage/dataDir.js';

/**
 * The core as the desktop app runs it: an Electron utility process (or any Node child process)
 * that serves the API on a free loopback port and reports its URL to the parent.
 */
interface ParentPort {
  postMessage(message: unknown): void;
}
const parent: ParentPort | null =
  (process as unknown as { parentPort?: ParentPort }).parentPort ??
  (process.send ? { postMessage: (m: unknown) => process.send?.(m) } : null);

try {
  const token = process.env.SPATIALFORGE_DESKTOP_TOKEN;
  if (!token) throw new Error('SPATIALFORGE_DESKTOP_TOKEN is not set');
  const core = openCore({ dataDir: resolveDataDir(undefined) });
  const server = await startServer(core, {
    port: 0,
    logger: createLogger(process.env.SPATIALFORGE_LOG_LEVEL ?? 'info'),
    desktopToken: token,
    rendererDir: rendererDir(),
  });
  parent?.postMessage({ type: 'ready', url: server.url });
} catch (err) {
  parent?.postMessage({ type: 'failed', error: (err as Error).message });
  process.exitCode = 1;
}
