import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { JobId } from '../../main/common/ids.js';
import { registerTestJobTypes } from '../../main/jobs/testJobs.js';
import { rendererDir } from '../../main/paths.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser, openApp, screenshot, skipWithoutChromium } from './browser.js';

const percentOf = (text: string | null) => Number(/(\d+) %/.exec(text ?? '')?.[1] ?? NaN);

describe('Jobs workspace in a real browser', { skip: skipWithoutChromium }, () => {
  let s: TestServer;
  let browser: Browser;

  before(async () => {
    const dir = rendererDir();
    assert.ok(dir, 'the renderer must be built (npm run build)');
    s = await startTestServer({ rendererDir: dir }, { jobs: { pollIntervalMs: 50, progressIntervalMs: 100 } });
    registerTestJobTypes(s.core.jobs);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('a running job shows its stage, live progress and time left; Cancel stops it', async () => {
    const quick = s.core.jobs.enqueue('test.sleep', { ms: 10 }).id;
    for (let i = 0; i < 100 && s.core.jobs.get(quick)?.status !== 'succeeded'; i++)
      await new Promise((r) => setTimeout(r, 20));
    const long = s.core.jobs.enqueue('test.sleep', { ms: 60_000 }).id;

    const { page, errors } = await openApp(browser, s.url, s.desktopToken);
    const streams: string[] = [];
    page.on('request', (r) => r.url().endsWith('/events') && streams.push(r.url()));
    await page.getByTestId('nav-jobs').click();
    const row = page.locator(`[data-job-id="${long}"]`);
    await row.and(page.locator('[data-status="running"]')).waitFor({ timeout: 10_000 });
    assert.match((await row.getByTestId('job-detail').textContent()) ?? '', /sleeping/, 'the stage is shown');

    // Live: the percentage climbs without a reload, and a time-left estimate appears.
    const first = percentOf(await row.getByTestId('job-percent').textContent());
    await row.getByTestId('job-percent').filter({ hasText: /left/ }).waitFor({ timeout: 10_000 });
    const later = percentOf(await row.getByTestId('job-percent').textContent());
    assert.ok(later > first || later >= 2, `progress ${first} % → ${later} %`);
    const eta = (await row.getByTestId('job-percent').textContent()) ?? '';
    const seconds = Number(/about (\d+) s left/.exec(eta)?.[1] ?? NaN) || Number(/about (\d+) min/.exec(eta)?.[1]) * 60;
    assert.ok(seconds > 20 && seconds < 120, `a 60 s job ${later} % done: "${eta}"`);
    assert.ok(
      streams.some((u) => u.includes(long)),
      'progress came over the job’s event stream (fetch with the token, not EventSource)',
    );
    const bar = row.getByRole('progressbar');
    assert.ok(Number(await bar.getAttribute('aria-valuenow')) > 0);
    // The finished one shows as succeeded, at 100 %.
    const done = page.locator(`[data-job-id="${quick}"]`);
    assert.equal(await done.getAttribute('data-status'), 'succeeded');
    assert.equal(await done.getByTestId('job-cancel').count(), 0, 'nothing to cancel once a job has ended');
    await screenshot(page, 'jobs-running');

    await row.getByTestId('job-cancel').click();
    await row.and(page.locator('[data-status="canceled"]')).waitFor({ timeout: 10_000 });
    assert.equal(s.core.jobs.get(long as JobId)?.status, 'canceled', 'the core canceled it');
    assert.match((await row.getByTestId('job-detail').textContent()) ?? '', /Canceled during sleeping/);

    // The status filter asks the core for that status only.
    await page.getByTestId('job-filter-succeeded').click();
    await page.locator(`[data-job-id="${quick}"]`).waitFor();
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('job-filter-failed').click();
    await page.getByTestId('empty-state').filter({ hasText: 'No failed jobs' }).waitFor();
    await page.getByTestId('job-filter-all').click();
    await row.waitFor();
    await screenshot(page, 'jobs-canceled');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
