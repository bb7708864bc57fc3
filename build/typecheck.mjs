// Type-checks every runtime's tsconfig; exits non-zero if any fails.
import { spawnSync } from 'node:child_process';

const projects = [
  'tsconfig.pure.json',
  'tsconfig.node.json',
  'tsconfig.electron.json',
  'tsconfig.preload.json',
  'tsconfig.web.json',
];
let failed = 0;
for (const p of projects) {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', p], { stdio: 'inherit' });
  console.log(`typecheck ${p}: ${r.status === 0 ? 'ok' : 'FAILED'}`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
