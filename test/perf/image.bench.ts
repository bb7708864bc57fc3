// npx tsx test/perf/image.bench.ts — pre/post-processing of a 12 MP phone photo for depth:
// decodeImage (EXIF orientation 6, as a portrait phone photo) + resizeRgb to 518 px wide, and the
// depth artifacts (PNG16, preview, NPY) at full resolution. For each step: wall time and the
// longest event-loop stall while it ran (monitorEventLoopDelay at 1 ms resolution, plus a
// setInterval(1) max-gap probe). Baseline in the same run: bare sharp decode of the same file.
// Not a timed test; it prints numbers. BENCH_ROUNDS (default 7) rounds, median and worst shown.
// The idle control shows what the OS scheduler alone costs on this machine (on a shared 2-core
// box a 1 ms timer can be 50 ms late with no JavaScript running), so read the medians.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { encodeNpy, encodeNpyHeader } from '../../engines/core/index.js';
import { colorizeDepth } from '../../engines/image/index.js';
import { encodeDepthPng16, encodePreviewPng } from '../../main/engine-host/encode.js';
import { decodeImage, resizeRgb } from '../../main/engine-host/image.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const W = 4032;
const H = 3024;

/** A photo-like 12 MP JPEG (smooth shading, edges and sensor-like noise), orientation 6. */
async function makePhoto(): Promise<Buffer> {
  const raw = Buffer.alloc(W * H * 3);
  let seed = 12345;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const noise = (seed % 9) - 4;
      const o = (y * W + x) * 3;
      const edge = ((x >> 7) + (y >> 7)) & 1 ? 40 : 0;
      raw[o] = Math.max(0, Math.min(255, 90 + 80 * Math.sin(x / 300) + edge + noise));
      raw[o + 1] = Math.max(0, Math.min(255, 110 + 60 * Math.cos(y / 250) + noise));
      raw[o + 2] = Math.max(0, Math.min(255, 120 + 50 * Math.sin((x + y) / 400) - edge + noise));
    }
  }
  return sharp(raw, { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 90 })
    .withExif({ IFD2: { FocalLength: '5.7', FocalLengthIn35mmFilm: '26' } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

interface Sample {
  wallMs: number;
  stallMs: number;
  probeGapMs: number;
}

/** Runs `fn` while watching the event loop; returns wall time and the longest stall seen. */
async function measure(fn: () => Promise<unknown>): Promise<Sample> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let maxGap = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 20)); // let both monitors settle
  h.enable();
  last = performance.now();
  maxGap = 0;
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 5)); // a stall at the very end shows up in the next tick
  h.disable();
  clearInterval(probe);
  // monitorEventLoopDelay reports delay beyond the 1 ms sampling interval, in ns.
  return { wallMs, stallMs: h.max / 1e6, probeGapMs: maxGap };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => x.toFixed(1).padStart(7);

async function bench(name: string, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const samples: Sample[] = [];
  for (let i = 0; i < ROUNDS; i++) samples.push(await measure(fn));
  const wall = samples.map((s) => s.wallMs);
  const gap = samples.map((s) => s.probeGapMs);
  const stall = samples.map((s) => s.stallMs);
  console.log(
    `${name.padEnd(50)} wall ms median ${fmt(median(wall))} max ${fmt(Math.max(...wall))} | ` +
      `longest gap ms (median of rounds / worst): setInterval(1) ${fmt(median(gap))} /${fmt(Math.max(...gap))}, ` +
      `eventLoopDelay ${fmt(median(stall))} /${fmt(Math.max(...stall))}`,
  );
  return median(wall);
}

const photo = await makePhoto();
console.log(
  `12 MP JPEG ${W}×${H}, ${(photo.length / 1e6).toFixed(1)} MB, orientation 6; sharp concurrency ${sharp.concurrency()}, ${ROUNDS} rounds`,
);
const limits = { maxPixels: 50e6, maxBytes: 100e6 };
const decoded = await decodeImage(photo, limits);
const { width: ow, height: oh } = decoded.rgb;
const rw = 518;
const rh = Math.round((518 * oh) / ow);

await bench('control: idle 200 ms (scheduler noise)', () => new Promise((r) => setTimeout(r, 200)));
const base = await bench('baseline: bare sharp decode to raw RGB', () => sharp(photo).raw().toBuffer());
const dec = await bench('decodeImage (orient, sRGB, EXIF)', () => decodeImage(photo, limits));
const rs = await bench(`resizeRgb 12 MP → ${rw}×${rh} cubic`, () => resizeRgb(decoded.rgb, rw, rh, 'cubic'));
const both = await bench('decodeImage + resizeRgb', async () => {
  const img = await decodeImage(photo, limits);
  return resizeRgb(img.rgb, rw, rh, 'cubic');
});
console.log(
  `decodeImage / baseline: ${(dec / base).toFixed(2)}×; decode+resize: ${both.toFixed(0)} ms (${rs.toFixed(0)} ms resize)`,
);

const fused = await bench(`decodeImage with size → ${rw}×${rh} (one pipeline)`, () =>
  decodeImage(photo, limits, { size: () => ({ width: rw, height: rh }) }),
);
console.log(`fused / two-step: ${(fused / both).toFixed(2)}×`);

// Artifacts at full resolution (the worst case: depth upsampled to the photo's size).
const depth = new Float32Array(ow * oh);
for (let i = 0; i < depth.length; i++) depth[i] = 0.5 + (i % 5000) / 1000;
await bench('encodeDepthPng16 12 MP (sliced mm conversion)', () => encodeDepthPng16(depth, null, ow, oh));
const preview = new Uint8Array(ow * oh * 3);
await bench('encodePreviewPng 12 MP', () => encodePreviewPng(preview, ow, oh));
await bench('encodeNpy 12 MP float32 (synchronous copy)', async () => encodeNpy(depth, [oh, ow]));
await bench('encodeNpyHeader 12 MP (write header + array bytes)', async () => encodeNpyHeader(depth, [oh, ow]));
// At model resolution, which is where the depth engine should colorize before upsampling.
const small = depth.subarray(0, rw * rh);
await bench(`colorizeDepth ${rw}×${rh} (synchronous)`, async () =>
  colorizeDepth(new Uint8Array(rw * rh * 3), small, null, { nearIsWarm: true }),
);
await bench('colorizeDepth 12 MP (synchronous, for scale)', async () =>
  colorizeDepth(preview, depth, null, { nearIsWarm: true }),
);
