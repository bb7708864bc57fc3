// Builds the three bundles: the core and CLI (Node), the Electron main process and its preload,
// and the renderer (Vite). Output goes to dist/.
import { build as esbuild } from 'esbuild';
import { build as vite } from 'vite';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

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
// Precompressed copies of the renderer's text files: koa-send serves `x.br` or `x.gz` in place of
// `x` when the browser accepts it, so nothing is compressed per request.
let compressed = 0;
for (const entry of fs.readdirSync('dist/renderer', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.(js|css|html|svg|json)$/.test(entry.name)) continue;
  const file = path.join(entry.parentPath, entry.name);
  const data = fs.readFileSync(file);
  if (data.length < 1024) continue;
  fs.writeFileSync(
    `${file}.br`,
    zlib.brotliCompressSync(data, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }),
  );
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(data, { level: 9 }));
  compressed++;
}
console.log(
  `built dist/ in ${Math.round(performance.now() - started)} ms (${compressed} renderer files precompressed, br and gzip)`,
);
