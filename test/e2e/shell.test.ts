import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { rendererDir } from '../../main/paths.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = fs.existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

describe('renderer in a real browser against the headless server', { skip }, () => {
  let s: TestServer;
  let browser: Browser;
  before(async () => {
    const dir = rendererDir();
    assert.ok(dir, 'the renderer must be built (npm run build)');
    s = await startTestServer({ rendererDir: dir });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('the link with #token connects, and the token leaves the address bar', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${s.url}/#token=${s.desktopToken}`);
    const status = page.getByTestId('connection-status');
    await status.and(page.locator('[data-status="connected"]')).waitFor({ timeout: 10_000 });
    assert.match((await status.textContent()) ?? '', /Core 0\.1\.0 connected/);
    assert.ok(!page.url().includes('token'), page.url());
    await page.reload();
    await page.locator('[data-status="connected"]').waitFor({ timeout: 10_000 });
    assert.deepEqual(errors, [], 'no script errors, no CSP violations');
    await page.close();
  });

  test('without a token the page says how to get in; a wrong token is refused', async () => {
    const page = await browser.newPage();
    await page.goto(`${s.url}/`);
    await page.locator('[data-status="no-token"]').waitFor({ timeout: 10_000 });
    assert.match((await page.getByRole('alert').textContent()) ?? '', /spatialforge serve/);
    await page.goto(`${s.url}/#token=wrong-token-wrong-token-1234`);
    await page.locator('[data-status="no-token"]').waitFor({ timeout: 10_000 });
    await page.close();
  });

  test('the theme toggle switches and persists', async () => {
    const page = await browser.newPage({ colorScheme: 'light' });
    await page.goto(`${s.url}/#token=${s.desktopToken}`);
    await page.getByRole('button', { name: /toggle dark and light theme/i }).click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await page.reload();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await page.close();
  });

  test('hostile static paths never escape the renderer folder', async () => {
    for (const p of [
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fpackage.json',
      '/.env',
      '/assets/../../package.json',
    ]) {
      const res = await fetch(s.url + p);
      const text = await res.text();
      assert.ok(!text.includes('root:x:0:0') && !text.includes('"allowScripts"'), `${p} leaked a file`);
      assert.ok(
        res.status === 404 || res.status === 400 || (res.status === 200 && text.includes('<div id="root">')),
        `${p} → ${res.status}`,
      );
    }
  });

  test('the renderer is served precompressed (brotli, gzip) to browsers that accept it, and plain to others', async () => {
    const dir = rendererDir()!;
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'index.html names its script');
    const raw = fs.readFileSync(path.join(dir, script));
    const get = (encoding: string | null) =>
      new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        // node:http, not fetch: fetch would decode the body and hide the encoding.
        const req = http.get(s.url + script, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
      });
    const br = await get('gzip, deflate, br');
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(br.headers['content-type'] ?? '', /javascript/);
    assert.match(br.headers.vary ?? '', /Accept-Encoding/i);
    assert.ok(br.body.length < raw.length / 2, `${br.body.length} vs ${raw.length}`);
    assert.deepEqual(zlib.brotliDecompressSync(br.body), raw);
    const gz = await get('gzip');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(zlib.gunzipSync(gz.body), raw);
    const plain = await get(null);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.body, raw);
    const refused = await get('br;q=0, gzip;q=0');
    assert.equal(refused.headers['content-encoding'], undefined);
    assert.deepEqual(refused.body, raw);
  });
});
