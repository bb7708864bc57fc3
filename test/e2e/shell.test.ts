import assert from 'node:assert/strict';
import fs from 'node:fs';
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
});
