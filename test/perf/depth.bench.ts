// npm run bench:depth — one model, one image, three ways, in the same run:
//   raw:    onnxruntime's session.run on a prepared input tensor (the floor);
//   engine: our DepthService (decode → intrinsics → resize → worker inference → post → artifacts);
//   http:   POST /v1/depth over loopback, multipart upload to JSON answer.
// The image is at the model's native input size, so no resize is needed (issue 3's condition).
// Target: http ≤ 1.10 × raw. Also reports peak RSS, and the longest event-loop stall of the
// server while it serves a 12 MP photo (probe: a 1 ms timer, max gap).
//
// Model: the real PyDNet++ (../shared/data) when present, else a tiny generated DA2-signature
// model (then the ratio mostly measures our overhead against a near-zero inference).
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import http from 'node:http';
import pino from 'pino';
import sharp from 'sharp';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { startServer } from '../../main/api/server.js';
import type { DepthOutput } from '../../main/common/api/depthContract.js';
import { openCore } from '../../main/core/core.js';
import { createDepthEngine } from '../../main/engine-host/index.js';
import { sessionConfig } from '../../engines/runtime/index.js';
import { installTiny, tinyModelSet } from '../helpers/depthModels.js';
import { SHARED_DATA } from '../helpers/rgbd.js';
import { tmpDataDir } from '../helpers/server.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const PYDNET = path.join(SHARED_DATA, 'depth-model-pydnet', 'pydnet_pp_448x640.onnx');
const real = fs.existsSync(PYDNET);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

const data = tmpDataDir('sf-bench-depth-');
const set = tinyModelSet();
const core = openCore({ dataDir: data.dir, researchMode: true, modelManifest: set.manifest });
let modelId: string;
let inputName: string;
let width: number;
let height: number;
if (real) {
  modelId = 'pydnet-pp-448x640-local';
  await core.models.import(PYDNET, modelId);
  [inputName, width, height] = ['im0', 640, 448];
} else {
  modelId = 'tiny-da2-relative';
  await installTiny(core, set, [modelId]);
  [inputName, width, height] = ['pixel_values', 518, 518];
}
const modelFile = core.models.pathOf(modelId);
console.log(`model ${modelId} (${real ? 'real' : 'tiny, generated'}), input ${width}×${height}, ${RUNS} runs each`);

// A photo-like test image at the native size (the TUM frame resized, or noise).
const tum = path.join(SHARED_DATA, 'slambook2-tum-pair', '1.png');
const photo = fs.existsSync(tum)
  ? await sharp(tum).resize(width, height, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer()
  : await sharp({
      create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .jpeg()
      .toBuffer();

// Rounds interleave raw, engine and HTTP so machine noise hits all of them alike.
// The same session options as the engine's (engines/runtime: spinning within a run, stopped at its end).
const session = await InferenceSession.create(modelFile, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  extra: sessionConfig(),
});
const feed = {
  [inputName]: new Tensor('float32', new Float32Array(3 * width * height).fill(0.5), [1, 3, height, width]),
};
const engine = createDepthEngine(core, pino({ level: 'silent' }));
const server = await startServer(core, {
  port: 0,
  logger: pino({ level: 'silent' }),
  desktopToken: null,
  depthEngine: engine,
  processMetrics: false,
  cleanupIntervalMs: 0,
});
const key = core.keys.create('bench', 'admin').key;

// The client shares this process and its cores with the server, so it is kept cheap (as autocannon
// is in bench:api): the multipart body is built once per image and sent over a keep-alive agent.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const bodies = new Map<string, Buffer>();
function multipart(image: Buffer, outputs: readonly DepthOutput[]): Buffer {
  const id = `${image.length}:${outputs.join(',')}`;
  let body = bodies.get(id);
  if (!body) {
    const field = (name: string, value: string) =>
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    body = Buffer.concat([
      Buffer.from(field('model', modelId) + field('outputs', outputs.join(','))),
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      image,
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    bodies.set(id, body);
  }
  return body;
}
const BOUNDARY = 'spatialforge-bench-boundary';
function postOnce(image: Buffer, outputs: readonly DepthOutput[]): Promise<void> {
  const body = multipart(image, outputs);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}/v1/depth`,
      {
        method: 'POST',
        agent,
        headers: {
          'x-api-key': key,
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'content-length': body.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks)}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const time = async (f: () => Promise<unknown>) => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};

const MINIMAL: DepthOutput[] = ['npy'];
const ALL: DepthOutput[] = ['png16', 'npy', 'preview', 'mask', 'ply'];
const primary = real ? 'PSD/resize_images/ResizeBilinear' : 'predicted_depth';
const cases = {
  raw: () => session.run(feed),
  rawPrimary: () => session.run(feed, [primary]),
  engineMinimal: () => engine.depth.estimate({ image: photo, modelId, outputs: MINIMAL, ownerKeyId: null }),
  httpMinimal: () => postOnce(photo, MINIMAL),
  engineAll: () => engine.depth.estimate({ image: photo, modelId, outputs: ALL, ownerKeyId: null }),
  httpAll: () => postOnce(photo, ALL),
};
const times: Record<keyof typeof cases, number[]> = {
  raw: [],
  rawPrimary: [],
  engineMinimal: [],
  httpMinimal: [],
  engineAll: [],
  httpAll: [],
};
for (const f of Object.values(cases)) await f(); // warm-up: sessions loaded, code paths compiled
for (let i = 0; i < RUNS; i++) {
  for (const [name, f] of Object.entries(cases) as [keyof typeof cases, () => Promise<unknown>][]) {
    // One untimed call first: every case is timed with its own model warm in the caches, not the
    // previous case's (the raw session and the worker hold separate copies of the weights).
    await f();
    times[name].push(await time(f));
  }
}
await session.release();
const rawMs = median(times.raw);
const rows: [string, number, number][] = [
  ['outputs=npy', median(times.engineMinimal), median(times.httpMinimal)],
  [`outputs=${ALL.join(',')}`, median(times.engineAll), median(times.httpAll)],
];

// Event-loop stall while the server takes a 12 MP photo. The client is curl in its own process, so
// the probe (a 1 ms timer in the server's process; the largest gap between ticks) sees the server only.
const big = await sharp(photo).resize(4032, 3024, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
const bigFile = path.join(data.dir, 'big.jpg');
fs.writeFileSync(bigFile, big);
const curl = (outputs: readonly DepthOutput[]) =>
  new Promise<void>((resolve, reject) => {
    execFile(
      'curl',
      [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-H',
        `x-api-key: ${key}`,
        '-F',
        `image=@${bigFile}`,
        '-F',
        `outputs=${outputs.join(',')}`,
        '-F',
        `model=${modelId}`,
        `${server.url}/v1/depth`,
      ],
      (err, out) => (err ? reject(err) : out === '200' ? resolve() : reject(new Error(`HTTP ${out}`))),
    );
  });
await curl(ALL);
let maxGap = 0;
let big12 = 0;
const stalls: number[] = [];
for (let i = 0; i < 3; i++) {
  const pending = curl(ALL); // spawned before the probe starts: fork costs are not the server's
  let gap = 0;
  let last = performance.now();
  const t = last;
  const probe = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 1);
  await pending;
  clearInterval(probe);
  big12 = performance.now() - t;
  stalls.push(gap);
  maxGap = Math.max(maxGap, gap);
}

console.log(`\nraw session.run (median)        ${ms(rawMs)}`);
const rawPrimaryMs = median(times.rawPrimary);
console.log(`raw session.run, only the output we read (median) ${ms(rawPrimaryMs)}`);
for (const [name, e, hms] of rows) {
  console.log(
    `${name.padEnd(44)} engine ${ms(e)} (×${(e / rawMs).toFixed(3)})   http ${ms(hms)} (×${(hms / rawMs).toFixed(3)})`,
  );
}
// Paired: each round's time over the same round's raw time, then the median of those ratios. The
// machine's speed drifts by several per cent between rounds (shared host); a pair taken within
// one round shares the drift, so this is the steadier estimate — the target is judged on it.
const paired = (xs: number[]) => median(xs.map((x, i) => x / times.raw[i]!));
const quartiles = (xs: number[]) => {
  const r = xs.map((x, i) => x / times.raw[i]!).sort((a, b) => a - b);
  return `${r[Math.floor(r.length / 4)]!.toFixed(3)}–${r[Math.floor((3 * r.length) / 4)]!.toFixed(3)}`;
};
console.log('\npaired (median over rounds of case / raw in the same round; interquartile range)');
for (const [name, e, h] of [
  ['outputs=npy', times.engineMinimal, times.httpMinimal],
  [`outputs=${ALL.join(',')}`, times.engineAll, times.httpAll],
] as const) {
  console.log(
    `${name.padEnd(44)} engine ×${paired(e).toFixed(3)} (${quartiles(e)})   http ×${paired(h).toFixed(3)} (${quartiles(h)})`,
  );
}
console.log(
  `\n12 MP JPEG (4032×3024), all outputs, over HTTP (curl): ${ms(big12)}; longest event-loop stall per run ` +
    `${stalls.map(ms).join(', ')} (max ${ms(maxGap)})`,
);
console.log(
  `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (this process: server + worker + raw session)`,
);
const target = paired(times.httpMinimal);
console.log(
  `\ntarget http ≤ 1.10 × raw at native size: ${target.toFixed(3)} (paired) with outputs=npy → ${target <= 1.1 ? 'MET' : 'NOT MET'}` +
    ` (ratio of medians ${(rows[0]![2] / rawMs).toFixed(3)})`,
);
console.log(`(against session.run fetching only the output we read: ×${(rows[0]![2] / rawPrimaryMs).toFixed(3)})`);

agent.destroy();
await server.close();
await engine.close();
core.close();
data.remove();
