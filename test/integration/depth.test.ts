import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeNpy } from '../../engines/core/npy.js';
import { request } from '../helpers/http.js';
import { installTiny, tinyModelSet } from '../helpers/depthModels.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const DA2_MEAN = [0.485, 0.456, 0.406];
const DA2_STD = [0.229, 0.224, 0.225];
const W = [0.5, 0.25, 0.125] as const;
const B = 0.1;
/** The tiny models' output for one RGB colour under DA2 normalisation. */
const da2Out = (rgb: number[]) => rgb.reduce((s, v, c) => s + W[c]! * ((v / 255 - DA2_MEAN[c]!) / DA2_STD[c]!), B);
const rawOut = (rgb: number[], scale = 1) => rgb.reduce((s, v, c) => s + W[c]! * v * scale, B);

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

/** An RGB PNG: `left` colour for x < split, `right` colour after. */
async function twoTone(width: number, height: number, split: number, left: number[], right: number[]) {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(x < split ? left : right, (y * width + x) * 3);
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

interface DepthBody {
  model: { id: string; family: string; provider: string };
  image: { width: number; height: number; format: string; exif_orientation: number };
  model_input: { width: number; height: number };
  depth: { kind: string; units: string; scale_source: string; meaning: string };
  intrinsics: { fx: number; fy: number; cx: number; cy: number; source: string };
  stats: { min: number | null; median: number | null; max: number | null; valid_fraction: number };
  png16: { units_per_count: number; meaning: string };
  artifacts: Record<string, { id: string; url: string; bytes: number; content_type: string; filename: string }>;
  error?: { code: string; message: string };
}

describe('POST /v1/depth', () => {
  let s: TestServer;
  let key: string;
  const set = tinyModelSet();

  async function post(image: Buffer | null, fields: Record<string, string> = {}, filename = 'photo.png') {
    const form = new FormData();
    if (image) form.append('image', new Blob([image]), filename);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const res = await fetch(`${s.url}/v1/depth`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
    return { status: res.status, body: (await res.json()) as DepthBody };
  }
  async function download(url: string): Promise<Buffer> {
    const res = await fetch(s.url + url);
    assert.equal(res.status, 200, `download ${url}`);
    return Buffer.from(await res.arrayBuffer());
  }
  async function npy(body: DepthBody) {
    const file = decodeNpy(new Uint8Array(await download(body.artifacts.npy!.url)));
    assert.deepEqual(file.shape, [body.image.height, body.image.width]);
    const at = (x: number, y: number) => (file.data as Float32Array)[y * body.image.width + x]!;
    return at;
  }

  before(async () => {
    s = await startTestServer({}, { modelManifest: set.manifest, researchMode: false });
    key = s.key('pro');
  });
  after(() => s.close());

  it('says which model to install when none is installed', async () => {
    const r = await post(await twoTone(32, 24, 8, [255, 255, 255], [128, 128, 128]));
    assert.equal(r.status, 409);
    assert.equal(r.body.error?.code, 'model_not_installed');
    assert.match(r.body.error!.message, /models pull/);
    await installTiny(s.core, set, Object.keys(set.models));
  });

  it('turns Depth Anything V2 disparity into labelled relative depth that grows with distance', async () => {
    // A quarter white (large disparity: near), the rest grey (far): relative depth is d_grey/d_white there.
    const white = [255, 255, 255];
    const grey = [128, 128, 128];
    const r = await post(await twoTone(640, 480, 160, white, grey), { model: 'tiny-da2-relative' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.model_input, { width: 686, height: 518 });
    assert.equal(r.body.depth.kind, 'relative');
    assert.equal(r.body.depth.units, 'relative');
    assert.equal(r.body.depth.scale_source, 'none');
    assert.match(r.body.png16.meaning, /relative/);
    const at = await npy(r.body);
    close(at(500, 240), 1, 1e-3, 'far region (the median) is 1');
    close(at(40, 240), da2Out(grey) / da2Out(white), 1e-3, 'near region');
    assert.ok(at(40, 240) < at(500, 240), 'nearer is smaller');
  });

  it('scales Metric3D canonical depth by the given focal length: depth = out × focal_model / 1000', async () => {
    const colour = [10, 20, 30];
    const r = await post(await twoTone(640, 480, 0, colour, colour), { model: 'tiny-metric3d', focal_px: '500' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.depth.kind, 'metric');
    assert.equal(r.body.depth.units, 'm');
    assert.equal(r.body.depth.scale_source, 'canonical_focal');
    assert.equal(r.body.intrinsics.source, 'explicit');
    assert.equal(r.body.intrinsics.fx, 500);
    const fModel = 0.5 * ((500 * 686) / 640 + (500 * 518) / 480);
    const expected = (rawOut(colour) * fModel) / 1000;
    close(r.body.stats.median!, expected, 1e-3 * expected, 'median');
    const at = await npy(r.body);
    close(at(320, 240), expected, 1e-4 * expected, 'centre pixel');
    // PNG16 holds the same depth in millimetres.
    const png = await sharp(await download(r.body.artifacts.png16!.url))
      .toColourspace('grey16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    assert.equal(png.info.channels, 1);
    const mm = new Uint16Array(png.data.buffer, png.data.byteOffset, png.data.byteLength / 2);
    assert.equal(mm[240 * 640 + 320], Math.round(expected * 1000));
  });

  it('takes the focal length from EXIF (35 mm equivalent) when the request gives none, and says so', async () => {
    const colour = [10, 20, 30];
    const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 10, g: 20, b: 30 } } })
      .jpeg({ quality: 100 })
      .withExif({ IFD0: { Make: 'Test', Model: 'Cam' }, IFD2: { FocalLengthIn35mmFilm: '50', FocalLength: '6' } })
      .toBuffer();
    const r = await post(jpeg, { model: 'tiny-metric3d', outputs: 'npy' }, 'exif.jpg');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.intrinsics.source, 'exif_35mm');
    const f = (50 * Math.hypot(640, 480)) / Math.hypot(36, 24);
    close(r.body.intrinsics.fx, f, 1e-6, 'fx');
    const fModel = 0.5 * ((f * 686) / 640 + (f * 518) / 480);
    // JPEG may move a flat colour by a level or so: compare with the tolerance of ±2 levels per channel.
    close(r.body.stats.median!, (rawOut(colour) * fModel) / 1000, (0.875 * 2 * fModel) / 1000, 'median');
  });

  it('keeps Depth Anything V2 metric output in metres, ignoring the focal length', async () => {
    const white = [255, 255, 255];
    const r = await post(await twoTone(64, 48, 0, white, white), { model: 'tiny-da2-metric', focal_px: '100' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.depth.scale_source, 'model_metric');
    close(r.body.stats.median!, da2Out(white), 1e-3, 'median metres');
  });

  it('reads MoGe-2 outputs: mask > 0.5 is valid, depth is metric from the point map', async () => {
    // Red above 0.5 → valid (tiny MoGe mask = sigmoid(20·(r − 0.5))).
    const r = await post(await twoTone(64, 48, 32, [230, 120, 200], [20, 120, 200]), {
      model: 'tiny-moge2',
      focal_px: '60',
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.depth.scale_source, 'point_map');
    assert.equal(r.body.depth.kind, 'metric');
    close(r.body.stats.valid_fraction, 0.5, 0.05, 'valid fraction');
  });

  it('runs the fixed-size PyDNet signature: stretched to 640×448, relative', async () => {
    const r = await post(await twoTone(320, 240, 80, [250, 250, 250], [60, 60, 60]), { model: 'tiny-pydnet' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.model_input, { width: 640, height: 448 });
    assert.equal(r.body.depth.kind, 'relative');
    const at = await npy(r.body);
    // PyDNet grows with distance already: the bright (larger output) region is farther.
    close(at(300, 120), 1, 1e-3, 'median region');
    close(at(20, 120), rawOut([250, 250, 250], 1 / 255) / rawOut([60, 60, 60], 1 / 255), 1e-3, 'bright region');
  });

  it('applies EXIF orientation before inference and reports the upright size', async () => {
    const jpeg = await sharp({ create: { width: 60, height: 20, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const r = await post(jpeg, { model: 'tiny-da2-relative', outputs: 'npy' }, 'rotated.jpg');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.image.width, r.body.image.height, r.body.image.exif_orientation], [20, 60, 6]);
    assert.deepEqual(Object.keys(r.body.artifacts), ['npy']);
  });

  it('produces every artifact by default, downloadable through its signed link, in formats other tools read', async () => {
    const r = await post(await twoTone(64, 48, 16, [255, 255, 255], [128, 128, 128]), {
      model: 'tiny-metric3d',
      focal_px: '50',
    });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body.artifacts).sort(), ['mask', 'npy', 'ply', 'png16', 'preview']);
    const ply = (await download(r.body.artifacts.ply!.url)).toString('latin1');
    const count = Number(/element vertex (\d+)/.exec(ply)?.[1]);
    assert.ok(count > 0 && count <= 686 * 518, `PLY vertex count ${count}`);
    assert.match(ply, /^ply\nformat binary_little_endian 1\.0\n/);
    const preview = await sharp(await download(r.body.artifacts.preview!.url)).metadata();
    assert.deepEqual([preview.width, preview.height, preview.channels], [64, 48, 3]);
    const mask = await sharp(await download(r.body.artifacts.mask!.url)).metadata();
    assert.deepEqual([mask.width, mask.height], [64, 48]);
    assert.match(r.body.artifacts.png16!.filename, /\.depth-mm\.png$/);
  });

  it('refuses a model whose graph does not match its manifest entry', async () => {
    const r = await post(await twoTone(32, 24, 0, [1, 2, 3], [1, 2, 3]), { model: 'tiny-broken' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error?.code, 'model_invalid');
    assert.match(r.body.error!.message, /rank 4/);
  });

  it('refuses research-only weights without research mode, and unknown models', async () => {
    const img = await twoTone(32, 24, 0, [1, 2, 3], [1, 2, 3]);
    const research = await post(img, { model: 'pydnet-pp-448x640-local' });
    assert.equal(research.status, 403);
    assert.equal(research.body.error?.code, 'forbidden');
    assert.match(research.body.error!.message, /research/i);
    const unknown = await post(img, { model: 'no-such-model' });
    assert.equal(unknown.status, 404);
  });

  it('answers bad input with a clear 4xx envelope and stores nothing', async () => {
    const before = s.core.db.prepare('SELECT COUNT(*) AS n FROM artifacts').get() as { n: number };
    const img = await twoTone(32, 24, 0, [1, 2, 3], [1, 2, 3]);
    const cases: [string, () => Promise<{ status: number; body: DepthBody }>, number, string][] = [
      ['empty file', () => post(Buffer.alloc(0), { model: 'tiny-metric3d' }), 400, 'bad_request'],
      [
        'not an image',
        () => post(Buffer.from('hello, not an image'), { model: 'tiny-metric3d' }),
        415,
        'unsupported_media_type',
      ],
      ['truncated PNG', () => post(img.subarray(0, img.length >> 1), { model: 'tiny-metric3d' }), 400, 'bad_request'],
      ['no image part', () => post(null, { model: 'tiny-metric3d' }), 400, 'validation_failed'],
      ['negative focal', () => post(img, { model: 'tiny-metric3d', focal_px: '-3' }), 400, 'validation_failed'],
      ['focal not a number', () => post(img, { model: 'tiny-metric3d', focal_px: 'abc' }), 400, 'validation_failed'],
      ['half of K', () => post(img, { model: 'tiny-metric3d', fx: '100', fy: '100' }), 400, 'validation_failed'],
      ['unknown output', () => post(img, { model: 'tiny-metric3d', outputs: 'npy,obj' }), 400, 'validation_failed'],
      ['unknown field', () => post(img, { model: 'tiny-metric3d', colour: 'red' }), 400, 'validation_failed'],
      ['hostile model id', () => post(img, { model: '../../etc/passwd' }), 400, 'validation_failed'],
    ];
    for (const [what, run, status, code] of cases) {
      const r = await run();
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.code, code, what);
    }
    const json = await request(`${s.url}/v1/depth`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(json.status, 415);
    const huge = await request(`${s.url}/v1/depth`, {
      method: 'POST',
      headers: {
        'x-api-key': key,
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(200 * 1024 * 1024),
      },
      body: '',
    });
    assert.equal(huge.status, 413);
    const after = s.core.db.prepare('SELECT COUNT(*) AS n FROM artifacts').get() as { n: number };
    assert.equal(after.n, before.n, 'failed requests stored no artifact');
    assert.deepEqual(fs.readdirSync(s.core.artifacts.tmpDir), [], 'and left no temp file behind');
  });

  it('needs an API key', async () => {
    const form = new FormData();
    form.append('image', new Blob([await twoTone(8, 8, 0, [1, 1, 1], [1, 1, 1])]), 'a.png');
    const res = await fetch(`${s.url}/v1/depth`, { method: 'POST', body: form });
    assert.equal(res.status, 401);
  });
});
