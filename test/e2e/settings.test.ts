import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { SETTINGS_FILE } from '../../main/common/api/settingsContract.js';
import { rendererDir } from '../../main/paths.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser, openApp, screenshot, skipWithoutChromium } from './browser.js';

describe('Settings workspace in a real browser', { skip: skipWithoutChromium }, () => {
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

  test('shows the data folder and research mode, saves provider and threads, says a restart applies them', async () => {
    const { page, errors } = await openApp(browser, s.url, s.desktopToken);
    await page.getByTestId('nav-settings').click();
    assert.equal(await page.getByTestId('settings-data-dir').textContent(), s.dataDir);
    assert.match((await page.getByTestId('settings-research').textContent()) ?? '', /Off.*--research-mode/);
    assert.match(
      (await page.getByTestId('settings-apply-note').textContent()) ?? '',
      /after SpatialForge is restarted/,
    );

    await page.getByTestId('settings-threads').fill('-3');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('error-panel').filter({ hasText: 'not a number of threads' }).waitFor();

    await page.getByTestId('settings-threads').fill('2');
    await page.getByTestId('settings-provider').selectOption('cuda');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-status').filter({ hasText: 'Restart SpatialForge' }).waitFor();
    await page.getByTestId('settings-restart').waitFor();
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(s.dataDir, SETTINGS_FILE), 'utf8')), {
      execution_provider: 'cuda',
      threads: 2,
    });

    // The theme is this window's: it switches at once and survives a reload.
    await page.getByTestId('theme-dark').click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await screenshot(page, 'settings-dark');
    await page.reload();
    await page.locator('[data-status="connected"]').waitFor();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    assert.equal(await page.getByTestId('settings-provider').inputValue(), 'cuda', 'the saved value reads back');
    await page.getByTestId('theme-light').click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'light');

    // A damaged file is reported, not fatal.
    fs.writeFileSync(path.join(s.dataDir, SETTINGS_FILE), '{"threads": oops');
    await page.reload();
    await page.getByTestId('settings-problem').filter({ hasText: 'not valid JSON' }).waitFor();
    await screenshot(page, 'settings-damaged');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
