// Runs every test/**/*.test.ts with Node's test runner (TypeScript through tsx). Builds dist/
// first when it is missing, because the end-to-end and process tests run the built product.
// Usage: node build/run-tests.mjs [substring filter...]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'perf' && entry.name !== 'fixtures') walk(p);
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(p);
  }
})('test');
const selected = files.sort().filter((f) => !filters.length || filters.some((s) => f.includes(s)));
if (!selected.length) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Rebuild when dist/ is missing or older than any source file: the end-to-end and process tests
// run the built product, and a stale build would test yesterday's code.
function newestSource() {
  let newest = 0;
  (function walk(dir) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  })('.');
  return newest;
}
const builtAt = (f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0);
const stale = () => {
  const built = Math.min(builtAt('dist/main/cli.js'), builtAt('dist/renderer/index.html'));
  if (!built) return true;
  let newest = 0;
  for (const dir of ['main', 'engines', 'renderer', 'resources']) {
    if (!fs.existsSync(dir)) continue;
    const cwd = process.cwd();
    process.chdir(dir);
    newest = Math.max(newest, newestSource());
    process.chdir(cwd);
  }
  return newest > built;
};
if (stale()) {
  const b = spawnSync(process.execPath, ['build/build.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...selected],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(r.status ?? 1);
