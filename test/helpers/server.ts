import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startServer, type ServerOptions } from '../../main/api/server.js';
import type { Plan } from '../../main/common/plans.js';
import { openCore, type Core, type OpenCoreOptions } from '../../main/core/core.js';

/** A fresh, empty data folder under the OS temp dir; removed by the returned function. */
export function tmpDataDir(prefix = 'sf-test-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface TestServer {
  url: string;
  port: number;
  core: Core;
  dataDir: string;
  desktopToken: string;
  key(plan: Plan, name?: string): string;
  close(): Promise<void>;
}

/** The real server on a real loopback port over a real SQLite file in a temp data folder. */
export async function startTestServer(
  options: Partial<ServerOptions> = {},
  coreOptions: Omit<OpenCoreOptions, 'dataDir'> = {},
): Promise<TestServer> {
  const data = tmpDataDir();
  const core = openCore({ ...coreOptions, dataDir: data.dir });
  const desktopToken = 'test-desktop-token-0123456789abcdef';
  const server = await startServer(core, {
    port: 0,
    logger: pino({ level: 'silent' }),
    desktopToken,
    validateResponses: true,
    processMetrics: false,
    cleanupIntervalMs: 0,
    ...options,
  });
  return {
    url: server.url,
    port: server.port,
    core,
    dataDir: data.dir,
    desktopToken,
    key: (plan, name = `${plan} key`) => core.keys.create(name, plan).key,
    async close() {
      await server.close();
      core.close();
      data.remove();
    },
  };
}
