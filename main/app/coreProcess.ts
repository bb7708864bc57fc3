import type { UtilityProcess } from 'electron';

export interface CoreHandle {
  url: string;
  token: string;
  process: Pick<UtilityProcess, 'kill' | 'pid'>;
}

type Fork = (
  modulePath: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; serviceName: string; stdio: 'inherit' },
) => Pick<UtilityProcess, 'on' | 'once' | 'kill' | 'pid'>;

/**
 * Starts the core (API, database, engines) in an Electron utility process, so the main thread
 * never runs inference, SQLite or ffmpeg. Resolves once the core reports its URL.
 */
export function startCoreProcess(
  fork: Fork,
  options: { entry: string; token: string; dataDir?: string; timeoutMs?: number },
): Promise<CoreHandle> {
  const env: NodeJS.ProcessEnv = { ...process.env, SPATIALFORGE_DESKTOP_TOKEN: options.token };
  if (options.dataDir) env.SPATIALFORGE_DATA_DIR = options.dataDir;
  const child = fork(options.entry, [], { env, serviceName: 'SpatialForge core', stdio: 'inherit' });
  return new Promise<CoreHandle>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the core did not start within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    child.on('message', (message: unknown) => {
      const m = message as { type?: unknown; url?: unknown; error?: unknown };
      if (m?.type === 'ready' && typeof m.url === 'string') {
        clearTimeout(timer);
        resolve({ url: m.url, token: options.token, process: child });
      } else if (m?.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`the core failed to start: ${String(m.error)}`));
      }
    });
    child.once('exit', (code: number) => {
      clearTimeout(timer);
      reject(new Error(`the core exited with code ${code} before it was ready`));
    });
  });
}
