import { spawnSync } from 'node:child_process';

/**
 * Runs the built CLI (`bin/spatialforge.js` → dist/) as users run it, in its own process, with
 * `env` added to this process's environment. Returns the exit code and both streams.
 */
export function runBuiltCli(args: string[], env: Record<string, string>, timeoutMs = 60_000) {
  const r = spawnSync(process.execPath, ['bin/spatialforge.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: timeoutMs,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
