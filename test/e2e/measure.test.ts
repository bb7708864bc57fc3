import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { rendererDir } from '../../main/paths.js';
import { floorSheetBoxScene, rectCornersW, type V3 } from '../fixtures/scenes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser, openApp, screenshot, skipWithoutChromium } from './browser.js';

const W = 640;
const H = 480;

interface MeasureBody {
  distance_m: number;
  sigma_m: number;
  scale_source: string;
  error?: { code: string; message: string };
}

/** "1.234 m ± 0.012 m" → numbers and the decimals shown. */
function parseLabel(text: string | null) {
  const m = /^(\d+\.(\d+)) m ± (\d+\.\d+) m$/.exec(text ?? '');
  assert.ok(m, `label "${text}"`);
  return { value: Number(m[1]), decimals: m[2]!.length, sigma: Number(m[3]) };
}

describe('Measure workspace in a real browser', { skip: skipWithoutChromium }, () => {
  let s: TestServer;
  let browser: Browser;
  const { scene, sheet } = floorSheetBoxScene({ width: W, height: H, focalPx: 560 });
  let photo: Buffer;
  const onSheet = (a: number, b: number): V3 => {
    const tl = rectCornersW(sheet)[0];
    return [tl[0] + a * sheet.uAxisW[0] + b * sheet.vAxisW[0], tl[1] + a * sheet.uAxisW[1] + b * sheet.vAxisW[1], 0];
  };

  before(async () => {
    const dir = rendererDir();
    assert.ok(dir, 'the renderer must be built (npm run build)');
    // No depth model: points on the A4 sheet's plane are measured through its homography.
    s = await startTestServer({ rendererDir: dir });
    photo = await sharp(Buffer.from(scene.rgb), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  /** Clicks an image pixel (u, v) of the photo on screen. */
  async function clickPixel(page: Page, p: readonly number[]) {
    const box = await page.getByTestId('measure-overlay').boundingBox();
    assert.ok(box);
    await page.mouse.click(box.x + (p[0]! / W) * box.width, box.y + (p[1]! / H) * box.height);
  }

  test('an A4 reference and two clicks show the API’s distance ± uncertainty on the photo; CSV export', async () => {
    const { page, errors } = await openApp(browser, s.url, s.desktopToken);
    await page.getByTestId('nav-measure').click();
    await page.getByTestId('empty-state').waitFor();
    await page.getByTestId('file-input').setInputFiles({ name: 'scene.png', mimeType: 'image/png', buffer: photo });
    await page.getByTestId('measure-overlay').waitFor();
    await page.getByTestId('reference-kind').selectOption('a4');
    assert.equal(await page.getByTestId('measure-hint').getAttribute('data-mode'), 'corners');
    for (const c of rectCornersW(sheet)) await clickPixel(page, scene.project(c));
    assert.equal(await page.getByTestId('measure-hint').getAttribute('data-mode'), 'points');

    const pairs: [V3, V3][] = [
      [onSheet(0.02, 0.03), onSheet(0.19, 0.27)],
      [onSheet(0.02, 0.03), [0.3, 0.5, 0]],
    ];
    for (const [i, [a, b]] of pairs.entries()) {
      const response = page.waitForResponse((r) => r.url().endsWith('/v1/measure'));
      await clickPixel(page, scene.project(a));
      await clickPixel(page, scene.project(b));
      const api = (await (await response).json()) as MeasureBody;
      assert.equal(api.scale_source, 'reference_plane', JSON.stringify(api));
      const label = page.getByTestId('measurement-label').filter({ hasText: / m ± / }).nth(i);
      await label.waitFor();
      const shown = parseLabel(await label.textContent());
      const step = 10 ** -shown.decimals;
      assert.ok(Math.abs(shown.value - api.distance_m) <= step / 2 + 1e-12, `${shown.value} vs ${api.distance_m}`);
      assert.ok(Math.abs(shown.sigma - api.sigma_m) <= step / 2 + 1e-12, `± ${shown.sigma} vs ${api.sigma_m}`);
      const truth = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      assert.ok(Math.abs(api.distance_m - truth) < 0.02 * truth, `${api.distance_m} vs truth ${truth}`);
    }
    assert.equal(await page.getByTestId('measurement-row').count(), 2);
    await screenshot(page, 'measure-two-distances');

    const download = page.waitForEvent('download');
    await page.getByTestId('export-csv').click();
    const file = await (await download).path();
    const csv = fs.readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(csv.length, 3);
    assert.match(csv[1]!, /reference_plane/);

    // Esc cancels a half-made measurement.
    await clickPixel(page, [100, 400]);
    assert.match((await page.getByTestId('measure-hint').textContent()) ?? '', /second point/);
    await page.keyboard.press('Escape');
    assert.match((await page.getByTestId('measure-hint').textContent()) ?? '', /Click two points/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the API’s refusal (the same point twice) shows its message beside the measurement', async () => {
    const { page } = await openApp(browser, s.url, s.desktopToken);
    await page.getByTestId('nav-measure').click();
    await page.getByTestId('file-input').setInputFiles({ name: 'scene.png', mimeType: 'image/png', buffer: photo });
    await page.getByTestId('measure-overlay').waitFor();
    const response = page.waitForResponse((r) => r.url().endsWith('/v1/measure'));
    await clickPixel(page, [320, 300]);
    await clickPixel(page, [320, 300]);
    const body = (await (await response).json()) as MeasureBody;
    assert.ok(body.error, JSON.stringify(body));
    const shown = page.getByTestId('measurement-error');
    await shown.waitFor();
    const text = (await shown.textContent()) ?? '';
    assert.ok(text.includes(body.error.message), text);
    await page.close();
  });
});
