#!/usr/bin/env node
// The installed `spatialforge` command: runs the built CLI (dist/), which `npm install` builds.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('error: SpatialForge is not built; run `npm run build` in its folder first\n');
  process.exit(1);
}
await import(entry.href);
