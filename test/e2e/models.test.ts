import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { rendererDir } from '../../main/paths.js';
import { loadManifest } from '../../main/models/manifest.js';
import { makeBlob, serveBlob, sha256, testEntry, type BlobServer } from '../models/helpers.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser, openApp, screenshot, skipWithoutChromium } from './browser.js';

describe('Models workspace in a real browser', { skip: skipWithoutChromium }, () => {
  let s: TestServer;
  let blobs: BlobServer;
  let browser: Browser;
  // Big enough that the download takes a few seconds at 16 KiB per 25 ms from the local server.
  const file = makeBlob(1024 * 1024, 7);

  before(async () => {
    const dir = rendererDir();
    assert.ok(dir, 'the renderer must be built (npm run build)');
    blobs = await serveBlob(file, ['slow'], { delayMs: 25 });
    const entry = { url: blobs.url, bytes: file.length, sha256: sha256(file) };
    s = await startTestServer(
      { rendererDir: dir },
      {
        modelManifest: {
          schema: 1,
          models: [
            ...loadManifest().models,
            testEntry({ id: 'test-small', name: 'Test small model', license: 'apache-2.0', ...entry }),
            testEntry({
              id: 'test-research',
              name: 'Test research model',
              license: 'cc-by-nc-4.0',
              commercial_use: false,
              ...entry,
            }),
          ],
        },
      },
    );
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    await blobs?.close();
  });

  test('lists installed and available models with licences; a download shows its progress and installs', async () => {
    const { page, errors } = await openApp(browser, s.url, s.desktopToken);
    await page.getByTestId('nav-models').click();
    const card = page.locator('[data-model-id="test-small"]');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-state'), 'not_installed');
    assert.equal(await card.getByTestId('model-license').textContent(), 'apache-2.0');
    assert.equal(await page.getByTestId('installed-models').count(), 0);
    assert.equal(await page.getByTestId('research-mode').textContent(), 'Research mode off');
    await screenshot(page, 'models-list');

    await card.getByTestId('model-download').click();
    // Progress from the download's event stream: bytes so far, a bar, a percentage.
    const text = card.getByTestId('model-progress-text');
    await text.filter({ hasText: /[1-9]\d* %/ }).waitFor({ timeout: 15_000 });
    const shown = (await text.textContent()) ?? '';
    assert.match(shown, /KiB of 1\.0 MiB/, shown);
    const pct = Number(await card.getByRole('progressbar').getAttribute('aria-valuenow'));
    assert.ok(pct > 0 && pct < 100, `bar at ${pct} %`);
    await screenshot(page, 'models-downloading');

    const installed = page.getByTestId('installed-models').locator('[data-model-id="test-small"]');
    await installed.and(page.locator('[data-state="installed"]')).waitFor({ timeout: 30_000 });
    assert.equal(s.core.models.get('test-small').state, 'installed', 'the core installed it');
    assert.ok(blobs.requests.length >= 1);

    // Verify re-hashes it; Remove takes it back to available.
    await installed.getByTestId('model-verify').click();
    await installed.getByText('The file matches its checksum.').waitFor();
    await installed.getByTestId('model-remove').click();
    await page
      .getByTestId('available-models')
      .locator('[data-model-id="test-small"][data-state="not_installed"]')
      .waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('research-only weights are marked, and the core’s refusal is shown in its own words', async () => {
    const { page } = await openApp(browser, s.url, s.desktopToken);
    await page.getByTestId('nav-models').click();
    const card = page.locator('[data-model-id="test-research"]');
    await card.waitFor();
    assert.match((await card.getByTestId('research-badge').textContent()) ?? '', /Research only · non-commercial/);
    assert.match((await card.textContent()) ?? '', /Research mode is off/);
    const refused = page.waitForResponse((r) => r.url().endsWith('/v1/models/test-research/pull'));
    await card.getByTestId('model-download').click();
    const res = await refused;
    assert.equal(res.status(), 403);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'forbidden');
    const panel = card.getByTestId('error-panel');
    await panel.waitFor();
    assert.equal(await panel.getByTestId('error-message').textContent(), body.error.message);
    assert.match(body.error.message, /research mode/);
    assert.equal(await card.getAttribute('data-state'), 'not_installed');
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'models-research-refused');
    await page.close();
  });
});
