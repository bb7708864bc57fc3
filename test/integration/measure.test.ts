import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { installTiny, tinyModelSet } from '../helpers/depthModels.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { floorSheetBoxScene, rectCornersW, type V3 } from '../fixtures/scenes.js';

interface MeasureBody {
  distance_m: number;
  sigma_m: number;
  scale_source: string;
  on_plane: boolean;
  from: { camera_m: number[]; depth: { depth_m: number; method: string } | null };
  model: { id: string } | null;
  intrinsics: { fx: number; source: string };
  notes: string[];
  uncertainty: Record<string, number>;
  error?: { code: string; message: string };
}

const W = 640;
const H = 480;
const dist = (a: V3, b: V3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const xy = (p: readonly number[]) => `${p[0]},${p[1]}`;

describe('POST /v1/measure', () => {
  let s: TestServer;
  let key: string;
  const set = tinyModelSet();
  const { scene, sheet } = floorSheetBoxScene({ width: W, height: H, focalPx: 560 });
  const K = scene.K;
  const intrinsics = { fx: String(K.fx), fy: String(K.fy), cx: String(K.cx), cy: String(K.cy) };
  let photo: Buffer;

  async function post(fields: Record<string, string>, image: Buffer = photo) {
    const form = new FormData();
    form.append('image', new Blob([image]), 'scene.png');
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const res = await fetch(`${s.url}/v1/measure`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
    return { status: res.status, body: (await res.json()) as MeasureBody };
  }

  before(async () => {
    s = await startTestServer({}, { modelManifest: set.manifest });
    key = s.key('pro');
    photo = await sharp(Buffer.from(scene.rgb), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
  });
  after(() => s.close());

  const sheetCorners = () => rectCornersW(sheet).flatMap((c) => scene.project(c));
  /** A point on the sheet's plane (the floor) at sheet coordinates (a, b) in metres from its top-left corner. */
  const onSheet = (a: number, b: number): V3 => {
    const tl = rectCornersW(sheet)[0];
    return [tl[0] + a * sheet.uAxisW[0] + b * sheet.vAxisW[0], tl[1] + a * sheet.uAxisW[1] + b * sheet.vAxisW[1], 0];
  };

  it('measures on the plane of an A4 sheet through its homography, with no depth model installed', async () => {
    const A = onSheet(0.02, 0.03);
    const B = onSheet(0.19, 0.27);
    const C: V3 = [0.3, 0.5, 0]; // on the floor beside the sheet: same plane
    for (const [p, q] of [
      [A, B],
      [A, C],
    ] as const) {
      const r = await post({
        from: xy(scene.project(p)),
        to: xy(scene.project(q)),
        reference: 'a4',
        reference_corners: sheetCorners().join(','),
        ...intrinsics,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.scale_source, 'reference_plane');
      assert.equal(r.body.model, null);
      assert.ok(
        r.body.notes.some((n) => /no depth model/.test(n)),
        r.body.notes.join('; '),
      );
      const truth = dist(p, q);
      assert.ok(Math.abs(r.body.distance_m - truth) < 1e-6 * truth, `${r.body.distance_m} vs ${truth}`);
      assert.ok(r.body.sigma_m > 0 && r.body.sigma_m < 0.02 * truth, `sigma ${r.body.sigma_m}`);
      assert.ok(r.body.uncertainty.click! > 0 && r.body.uncertainty.reference! > 0);
    }
  });

  it('says what to install when the measurement needs depth and no model is there', async () => {
    const r = await post({ from: '100,100', to: '200,200', ...intrinsics });
    assert.equal(r.status, 409);
    assert.equal(r.body.error?.code, 'model_not_installed');
    assert.match(r.body.error!.message, /models pull/);
    await installTiny(s.core, set, ['tiny-da2-metric', 'tiny-da2-relative']);
  });

  it('uses a metric model on its own, and a known length to rescale it', async () => {
    // A uniform photo: the tiny DA2-metric model sees one colour, so the depth is one constant d0
    // and a fronto-parallel distance is |Δpixel| · d0 / f.
    const flat = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 255, g: 255, b: 255 } } })
      .png()
      .toBuffer();
    const d0 = [255, 255, 255].reduce(
      (acc, v, c) => acc + [0.5, 0.25, 0.125][c]! * ((v / 255 - [0.485, 0.456, 0.406][c]!) / [0.229, 0.224, 0.225][c]!),
      0.1,
    );
    const metric = await post({ from: '100,240', to: '400,240', model: 'tiny-da2-metric', focal_px: '500' }, flat);
    assert.equal(metric.status, 200, JSON.stringify(metric.body));
    assert.equal(metric.body.scale_source, 'model_metric');
    const expected = (300 * d0) / 500;
    assert.ok(
      Math.abs(metric.body.distance_m - expected) < 1e-3 * expected,
      `${metric.body.distance_m} vs ${expected}`,
    );
    assert.ok(Math.abs(metric.body.sigma_m / metric.body.distance_m - 0.1) < 0.02, 'a metric model alone is ±10%');
    assert.equal(metric.body.from.depth?.method, 'window_median');

    const length = await post(
      {
        from: '100,240',
        to: '400,240',
        reference: 'length',
        reference_from: '100,100',
        reference_to: '250,100',
        reference_length_m: '0.5',
        model: 'tiny-da2-relative',
      },
      flat,
    );
    assert.equal(length.status, 200, JSON.stringify(length.body));
    assert.equal(length.body.scale_source, 'known_length');
    assert.ok(Math.abs(length.body.distance_m - 1.0) < 1e-3, `${length.body.distance_m}`); // 300 px vs 150 px = 0.5 m
  });

  it('refuses a relative model with no reference, saying what to add', async () => {
    const r = await post({ from: '100,100', to: '200,200', model: 'tiny-da2-relative' });
    assert.equal(r.status, 422);
    assert.equal(r.body.error?.code, 'no_scale');
    assert.match(r.body.error!.message, /reference/);
  });

  it('answers impossible clicks and references with 422 and malformed fields with 400', async () => {
    const corners = sheetCorners().join(',');
    const cases: [Record<string, string>, number, string][] = [
      [{ from: '-5,10', to: '100,100', reference: 'a4', reference_corners: corners }, 422, 'point_outside'],
      [{ from: '100,100', to: `${W + 1},100`, reference: 'a4', reference_corners: corners }, 422, 'point_outside'],
      [{ from: '100,100', to: '100.2,100.1', reference: 'a4', reference_corners: corners }, 422, 'identical_points'],
      [
        { from: '100,100', to: '300,300', reference: 'card', reference_corners: '10,10,20,20,30,30,40,40' },
        422,
        'degenerate_reference',
      ],
      [{ from: '100,100' }, 400, 'validation_failed'],
      [{ from: '100,100', to: '1,2,3' }, 400, 'validation_failed'],
      [{ from: '100,100', to: '200,200', reference: 'a4' }, 400, 'validation_failed'],
      [{ from: '100,100', to: '200,200', reference: 'custom', reference_corners: corners }, 400, 'validation_failed'],
      [
        { from: '100,100', to: '200,200', reference: 'a4', reference_corners: '1,2,3,4,5,6,7' },
        400,
        'validation_failed',
      ],
      [{ from: '100,100', to: '200,200', reference: 'length', reference_from: '1,1' }, 400, 'validation_failed'],
      [{ from: '100,100', to: '200,200', distortion: '0.1,0.2' }, 400, 'validation_failed'],
      [{ from: '100,100', to: '200,200', on_plane: 'maybe' }, 400, 'validation_failed'],
    ];
    for (const [fields, status, code] of cases) {
      const r = await post(fields);
      assert.equal(r.status, status, `${JSON.stringify(fields)} → ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.code, code, JSON.stringify(fields));
    }
  });
});
