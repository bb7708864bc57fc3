import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { rendererDir } from '../../main/paths.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser, screenshot, skipWithoutChromium } from './browser.js';

describe('API keys workspace in a real browser', { skip: skipWithoutChromium }, () => {
  let s: TestServer;
  let browser: Browser;

  before(async () => {
    const dir = rendererDir();
    assert.ok(dir, 'the renderer must be built (npm run build)');
    s = await startTestServer({ rendererDir: dir });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('create a key: its secret is shown once with a copy button, works, counts against its quota; revoke ends it', async () => {
    const context = await browser.newContext({
      viewport: { width: 1400, height: 1000 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${s.url}/#token=${s.desktopToken}`);
    await page.locator('[data-status="connected"]').waitFor({ timeout: 15_000 });
    await page.keyboard.press('k'); // the shortcut opens the workspace
    await page.getByTestId('workspace-keys').waitFor();
    await page.getByTestId('empty-state').filter({ hasText: 'No active keys' }).waitFor();

    // A name is required; the form says so without asking the core.
    await page.getByTestId('create-key').click();
    await page.getByTestId('error-panel').filter({ hasText: 'Give the key a name' }).waitFor();

    await page.getByTestId('key-name').fill('nightly scan');
    await page.getByTestId('key-plan').selectOption('builder');
    const created = page.waitForResponse((r) => r.url().endsWith('/v1/keys') && r.request().method() === 'POST');
    await page.getByTestId('create-key').click();
    assert.equal((await created).status(), 201);
    const panel = page.getByTestId('new-key');
    await panel.waitFor();
    assert.match((await panel.textContent()) ?? '', /cannot be shown again/);
    const secret = await page.getByTestId('new-key-secret').inputValue();
    assert.match(secret, /^sf_/);

    await page.getByTestId('copy-key').click();
    await page.getByTestId('copy-status').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret, 'the clipboard holds the secret');
    await screenshot(page, 'keys-created');

    // The key works, and its use shows against its quota.
    const me = await fetch(`${s.url}/v1/me`, { headers: { 'x-api-key': secret } });
    assert.equal(me.status, 200);
    const row = page.getByTestId('key-row').filter({ hasText: 'nightly scan' });
    await page.keyboard.press('u');
    await row
      .getByTestId('key-usage')
      .filter({ hasText: /^1 \/ 5,000/ })
      .waitFor();

    // Once dismissed it is gone for good: not on the page, not after a reload.
    await page.getByTestId('dismiss-key').click();
    await panel.waitFor({ state: 'detached' });
    assert.ok(!(await page.content()).includes(secret));
    await page.reload();
    await page.locator('[data-status="connected"]').waitFor();
    await row.waitFor();
    assert.ok(!(await page.content()).includes(secret), 'a reload does not bring the secret back');

    // Revoke asks first, then the key stops working.
    await row.getByTestId('revoke-key').click();
    await row.getByTestId('confirm-revoke').waitFor();
    await screenshot(page, 'keys-confirm-revoke');
    await row.getByTestId('confirm-revoke').click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await fetch(`${s.url}/v1/me`, { headers: { 'x-api-key': secret } })).status, 401);
    await page.getByTestId('show-revoked').check();
    await row.getByTestId('key-revoked').waitFor();
    await screenshot(page, 'keys-revoked');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
