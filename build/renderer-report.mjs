// Renderer report: builds the app, prints the size of the renderer bundle (JS and CSS, raw and
// gzip, what loads at start versus on demand), then serves it from the real headless server and
// times, in headless Chromium, how long a cold page load takes until the shell is connected to
// the core and answers a click.
// Usage: npm run report:renderer [-- --runs 7] [-- --no-build]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ASSETS = 'dist/renderer/assets';

if (!args.includes('--no-build')) {
  const b = spawnSync(process.execPath, ['build/build.mjs'], { encoding: 'utf8' });
  if (b.status !== 0) {
    process.stderr.write(b.stdout + b.stderr);
    process.exit(b.status ?? 1);
  }
  const warned = /larger than 500 kB/.test(b.stdout + b.stderr);
  console.log(
    `build: ${b.stdout.trim().split('\n').at(-1)}${warned ? ' (with Vite’s chunk-size warning)' : ', no chunk-size warning'}`,
  );
}

// --- Sizes -------------------------------------------------------------------------------------
const html = fs.readFileSync('dist/renderer/index.html', 'utf8');
const initial = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]));
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(11);
const rows = fs
  .readdirSync(ASSETS)
  .filter((f) => /\.(js|css)$/.test(f))
  .map((f) => {
    const data = fs.readFileSync(path.join(ASSETS, f));
    return { f, raw: data.length, gz: zlib.gzipSync(data, { level: 9 }).length, start: initial.has(f) };
  })
  .sort((a, b) => Number(b.start) - Number(a.start) || b.raw - a.raw);
console.log('\nrenderer bundle (dist/renderer/assets)');
console.log(`${'file'.padEnd(36)}${'raw'.padStart(11)}${'gzip'.padStart(11)}  loads`);
for (const r of rows) console.log(`${r.f.padEnd(36)}${kb(r.raw)}${kb(r.gz)}  ${r.start ? 'at start' : 'on demand'}`);
const sum = (pred) => rows.filter(pred).reduce((t, r) => ({ raw: t.raw + r.raw, gz: t.gz + r.gz }), { raw: 0, gz: 0 });
for (const [label, pred] of [
  ['JS at start', (r) => r.start && r.f.endsWith('.js')],
  ['CSS at start', (r) => r.start && r.f.endsWith('.css')],
  ['JS on demand (3-D: three.js, r3f)', (r) => !r.start && r.f.endsWith('.js')],
  ['all', () => true],
]) {
  const t = sum(pred);
  console.log(`${label.padEnd(36)}${kb(t.raw)}${kb(t.gz)}`);
}

// --- Time to interactive -----------------------------------------------------------------------
if (!fs.existsSync(CHROMIUM)) {
  console.log(`\ntime to interactive: skipped, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
  process.exit(0);
}
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-report-'));
const server = spawn(process.execPath, ['bin/spatialforge.js', 'serve', '--port', '0', '--data-dir', dataDir], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
const link = await new Promise((resolve, reject) => {
  let err = '';
  const timer = setTimeout(() => reject(new Error(`the server did not start:\n${err}`)), 30_000);
  server.stderr.on('data', (c) => {
    err += c;
    const m = /Open the app: (\S+)/.exec(err);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  server.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${err}`)));
});
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run'],
});
const results = [];
try {
  for (let i = 0; i < runs + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } }); // cold cache
    const page = await context.newPage();
    await page.goto(link);
    await page.locator('[data-status="connected"]').waitFor({ timeout: 30_000 });
    const t0 = Date.now();
    await page.getByTestId('nav-jobs').click();
    await page.getByTestId('workspace-jobs').waitFor();
    const clickMs = Date.now() - t0;
    const m = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      const connected = performance.getEntriesByName('spatialforge:connected')[0];
      return {
        fcp: fcp?.startTime ?? NaN,
        dcl: nav?.domContentLoadedEventEnd ?? NaN,
        connected: connected?.startTime ?? NaN,
        transferred: performance
          .getEntriesByType('resource')
          .filter((r) => r.name.includes('/assets/'))
          .reduce((t, r) => t + r.transferSize, 0),
      };
    });
    if (i > 0) results.push({ ...m, clickMs }); // the first run warms the server's file cache
    await context.close();
  }
} finally {
  await browser.close();
  server.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
const median = (k) => {
  const v = results.map((r) => r[k]).sort((a, b) => a - b);
  return v[v.length >> 1];
};
const ms = (v) => `${Math.round(v)} ms`.padStart(8);
console.log(
  `\ntime to interactive, headless Chromium, cold cache, loopback, median of ${runs} loads (${os.cpus().length} CPUs)`,
);
console.log(`first contentful paint          ${ms(median('fcp'))}`);
console.log(`DOMContentLoaded                ${ms(median('dcl'))}`);
console.log(
  `shell connected to the core     ${ms(median('connected'))}  (token checked, /v1/me and /healthz answered)`,
);
console.log(`a click opens a workspace in    ${ms(median('clickMs'))}`);
console.log(`assets transferred at start     ${kb(median('transferred')).trim()}`);
