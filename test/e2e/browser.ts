import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Why the browser tests skip, or false when Chromium is there. */
export const skipWithoutChromium = fs.existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

/** Headless Chromium with WebGL on SwiftShader (software), so the 3-D view renders without a GPU. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--ignore-gpu-blocklist',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Opens the app with the launch token and waits for the core connection. */
export async function openApp(browser: Browser, url: string, token: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/#token=${token}`);
  await page.locator('[data-status="connected"]').waitFor({ timeout: 15_000 });
  return { page, errors };
}

/** A binary little-endian PLY of `n` points (float xyz, uchar rgb) on a wavy sheet in front of the camera. */
export function syntheticPly(n: number): Buffer {
  const header = Buffer.from(
    `ply\nformat binary_little_endian 1.0\nelement vertex ${n}\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n`,
  );
  const body = Buffer.alloc(n * 15);
  const side = Math.ceil(Math.sqrt(n));
  for (let i = 0; i < n; i++) {
    const u = (i % side) / side - 0.5;
    const v = Math.floor(i / side) / side - 0.5;
    const o = i * 15;
    body.writeFloatLE(u * 2, o);
    body.writeFloatLE(v * 1.5, o + 4);
    body.writeFloatLE(2 + 0.1 * Math.sin(u * 20) * Math.cos(v * 20), o + 8);
    body[o + 12] = Math.round((u + 0.5) * 255);
    body[o + 13] = Math.round((v + 0.5) * 255);
    body[o + 14] = 128;
  }
  return Buffer.concat([header, body]);
}

/** Where the end-to-end tests leave their screenshots (gitignored), to be looked at by a person. */
export const SCREENSHOT_DIR = '.prof/screenshots';

/** Saves a screenshot of the page as `.prof/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png` });
}

/**
 * Frames per second the page draws, from requestAnimationFrame over `ms` — while `during` runs
 * (e.g. a mouse drag that orbits a 3-D view), so that an on-demand renderer is actually drawing.
 */
export async function measureFps(page: Page, ms: number, during?: () => Promise<void>): Promise<number> {
  // A string, so the test transpiler's helpers (__name) do not leak into the page.
  const fps = page.evaluate(`new Promise((resolve) => {
    let frames = 0;
    const t0 = performance.now();
    const tick = () => {
      frames++;
      const dt = performance.now() - t0;
      if (dt < ${ms}) requestAnimationFrame(tick);
      else resolve((frames * 1000) / dt);
    };
    requestAnimationFrame(tick);
  })`) as Promise<number>;
  if (during) await during();
  return fps;
}
