// Builds the three bundles: the core and CLI (Node), the Electron main process and its preload,
// and the renderer (Vite). Output goes to dist/.
import { build as esbuild } from 'esbuild';
import { build as vite } from 'vite';
import fs from 'node:fs';

const started = performance.now();
fs.rmSync('dist/main', { recursive: true, force: true });
fs.rmSync('dist/preload', { recursive: true, force: true });

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  packages: 'external', // node_modules (native ones included) load from disk at run time
  logLevel: 'warning',
};

await Promise.all([
  esbuild({
    ...node,
    entryPoints: {
      cli: 'main/cli-entry.ts',
      core: 'main/core-entry.ts',
      app: 'main/app/main.ts',
      // Loaded by main/engine-host/inferenceHost.ts with new Worker(); must sit next to the bundles.
      'inference-worker': 'main/engine-host/inferenceWorker.ts',
    },
    outdir: 'dist/main',
  }),
  // A sandboxed preload must be CommonJS and may only require 'electron'.
  esbuild({
    ...node,
    packages: undefined,
    external: ['electron'],
    format: 'cjs',
    platform: 'browser',
    entryPoints: { preload: 'main/preload/preload.ts' },
    outdir: 'dist/preload',
    outExtension: { '.js': '.cjs' },
  }),
  vite({ configFile: 'vite.config.ts', logLevel: 'warn' }),
]);
console.log(`built dist/ in ${Math.round(performance.now() - started)} ms`);
