import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  MeasureError,
  REFERENCE_SIZES_M,
  measureDistance,
  type MeasureInput,
  type PixelXY,
} from '../../../engines/measure/index.js';
import { boxPointW, floorSheetBoxScene, rectCornersW, type V3 } from '../../fixtures/scenes.js';

type Fixture = ReturnType<typeof floorSheetBoxScene> & { corners: number[] };
let fx: Fixture;
before(() => {
  const f = floorSheetBoxScene({ width: 640, height: 480 });
  fx = { ...f, corners: rectCornersW(f.sheet).flatMap((p) => f.scene.project(p)) };
});

const [A4_W, A4_H] = REFERENCE_SIZES_M.a4;
const dist = (a: V3, b: V3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const rel = (got: number, want: number) => Math.abs(got - want) / want;
const base = (p1: PixelXY, p2: PixelXY): MeasureInput => ({
  p1,
  p2,
  K: fx.scene.K,
  width: fx.scene.width,
  height: fx.scene.height,
});
const rect = (corners: ArrayLike<number> = fx.corners) => ({
  kind: 'rectangle' as const,
  corners,
  widthM: A4_W,
  heightM: A4_H,
});
const metricMap = (factor = 1) => {
  const d = new Float32Array(fx.scene.depthM.length);
  for (let i = 0; i < d.length; i++) d[i] = fx.scene.depthM[i]! * factor;
  return { depthM: d, valid: fx.scene.valid, metric: true };
};
/** A relative map: d = (z − shift) / scale, as an affine-invariant model would give. */
const relativeMap = (scale: number, shift: number) => {
  const d = new Float32Array(fx.scene.depthM.length);
  for (let i = 0; i < d.length; i++) d[i] = fx.scene.valid[i] ? (fx.scene.depthM[i]! - shift) / scale : 0;
  return { depthM: d, valid: fx.scene.valid, metric: false };
};
const floorPx = (x: number, y: number) => fx.scene.project([x, y, 0]);
const boxTopW = (a: number, b: number) => boxPointW(fx.box, a, b, 1);

function expectCode(fn: () => unknown, code: string, pattern?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MeasureError, `expected MeasureError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.ok(e.status >= 400 && e.status < 500);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('measureDistance › reference rectangle, points on its plane', () => {
  it('measures in-plane distances through the homography exactly (< 1e-9 relative) with exact corners', () => {
    const pairs: [V3, V3][] = [
      [
        [-0.2, 0.55, 0],
        [0.0, 0.7, 0],
      ],
      [
        [-0.3, 0.45, 0],
        [0.05, 0.95, 0],
      ],
      [
        [-0.17, 0.5, 0],
        [-0.05, 0.74, 0],
      ],
    ];
    for (const [a, b] of pairs) {
      const r = measureDistance({ ...base(fx.scene.project(a), fx.scene.project(b)), reference: rect() });
      assert.equal(r.scaleSource, 'reference_plane');
      assert.equal(r.onPlane, true);
      assert.ok(rel(r.distanceM, dist(a, b)) < 1e-9, `${r.distanceM} vs ${dist(a, b)}`);
      // The 3D points are the true camera-frame points (K is exact here).
      assert.ok(dist(r.p1Cam, fx.scene.camFromWorldPoint(a)) < 1e-9);
      assert.ok(dist(r.p2Cam, fx.scene.camFromWorldPoint(b)) < 1e-9);
      assert.ok(r.sigmaM > 0 && r.sigmaM < 0.02 * r.distanceM, `sigma ${r.sigmaM}`);
    }
  });

  it('stays within 0.5% with every corner off by ±0.3 px, for points spanning most of the sheet', () => {
    // A narrower lens, so the sheet spans ~160 px (an A4 at 1 m spans ~600 px in a 12 MP photo).
    const f = floorSheetBoxScene({ width: 640, height: 480, focalPx: 1100 });
    const exact = rectCornersW(f.sheet).flatMap((p) => f.scene.project(p));
    const [tl, tr, br, bl] = rectCornersW(f.sheet);
    const inset = (p: V3, q: V3, s: number): V3 => [p[0] + (q[0] - p[0]) * s, p[1] + (q[1] - p[1]) * s, 0];
    const pairs: [V3, V3][] = [
      [inset(tl, br, 0.1), inset(tl, br, 0.9)],
      [inset(tr, bl, 0.1), inset(tr, bl, 0.9)],
      [inset(tl, tr, 0.05), inset(bl, br, 0.95)],
    ];
    const patterns = [
      [0.3, 0.3, -0.3, 0.3, -0.3, -0.3, 0.3, -0.3], // all outwards/inwards
      [0.3, -0.3, 0.3, -0.3, 0.3, -0.3, 0.3, -0.3],
      [-0.3, -0.3, 0.3, -0.3, 0.3, 0.3, -0.3, 0.3],
    ];
    let worst = 0;
    for (const pattern of patterns) {
      const corners = exact.map((c, i) => c + pattern[i]!);
      for (const [a, b] of pairs) {
        const r = measureDistance({
          p1: f.scene.project(a),
          p2: f.scene.project(b),
          K: f.scene.K,
          width: 640,
          height: 480,
          reference: rect(corners),
        });
        worst = Math.max(worst, rel(r.distanceM, dist(a, b)));
      }
    }
    assert.ok(worst < 0.005, `worst relative error ${worst}`);
  });

  it("'auto' with a depth map keeps floor points on the plane; onPlane: true skips the depth map", () => {
    const a: V3 = [-0.25, 0.5, 0];
    const b: V3 = [0.02, 0.72, 0];
    const input = { ...base(fx.scene.project(a), fx.scene.project(b)), reference: rect(), depth: metricMap(1.3) };
    const r = measureDistance(input);
    assert.equal(r.scaleSource, 'reference_plane');
    assert.deepEqual(r.pointSource, ['reference_plane', 'reference_plane']);
    assert.ok(rel(r.distanceM, dist(a, b)) < 1e-9);
    assert.ok(r.depthFit !== null && Math.abs(r.depthFit.scale - 1 / 1.3) < 1e-6);
    const forced = measureDistance({ ...input, onPlane: true });
    assert.equal(forced.depth, null);
    assert.equal(forced.distanceM, r.distanceM);
  });
});

describe('measureDistance › reference rectangle, points off its plane (depth fit)', () => {
  const cases = [
    { name: 'exact metric map', map: () => metricMap(1), shiftFitted: false },
    { name: 'metric map 25% too far', map: () => metricMap(1.25), shiftFitted: false },
    { name: 'relative map, z = 2.5·d + 0.3', map: () => relativeMap(2.5, 0.3), shiftFitted: true },
    { name: 'relative map, z = 0.8·d − 0.4', map: () => relativeMap(0.8, -0.4), shiftFitted: true },
  ];
  for (const c of cases) {
    it(`recovers box-top and box-to-floor distances within 1e-3 (${c.name})`, () => {
      const depth = c.map();
      const top1 = boxTopW(-0.6, -0.5);
      const top2 = boxTopW(0.6, 0.55);
      const floor: V3 = [-0.05, 0.72, 0];
      const both = measureDistance({
        ...base(fx.scene.project(top1), fx.scene.project(top2)),
        reference: rect(),
        depth,
      });
      assert.equal(both.scaleSource, 'reference_depth_fit');
      assert.deepEqual(both.pointSource, ['depth_map', 'depth_map']);
      assert.equal(both.depthFit!.shiftFitted, c.shiftFitted);
      assert.ok(rel(both.distanceM, dist(top1, top2)) < 1e-3, `${both.distanceM} vs ${dist(top1, top2)}`);
      assert.ok(rel(both.depthUsedM[0], fx.scene.camFromWorldPoint(top1)[2]) < 1e-3);
      const mixed = measureDistance({
        ...base(fx.scene.project(top1), fx.scene.project(floor)),
        reference: rect(),
        depth,
      });
      assert.equal(mixed.scaleSource, 'reference_depth_fit');
      assert.deepEqual(mixed.pointSource, ['depth_map', 'reference_plane']);
      assert.ok(rel(mixed.distanceM, dist(top1, floor)) < 1e-3, `${mixed.distanceM} vs ${dist(top1, floor)}`);
      assert.ok(mixed.notes.some((n) => /p1 is off the reference plane/.test(n)));
    });
  }

  it('onPlane: false uses the depth map even for floor points', () => {
    const a: V3 = [-0.25, 0.5, 0];
    const b: V3 = [0.02, 0.72, 0];
    const r = measureDistance({
      ...base(fx.scene.project(a), fx.scene.project(b)),
      reference: rect(),
      depth: relativeMap(2, 0.5),
      onPlane: false,
    });
    assert.deepEqual(r.pointSource, ['depth_map', 'depth_map']);
    assert.ok(rel(r.distanceM, dist(a, b)) < 1e-3);
  });
});

describe('measureDistance › known length and metric model', () => {
  const a: V3 = [-0.3, 0.5, 0];
  const b: V3 = [0.05, 0.95, 0];
  const top1 = () => boxTopW(-0.6, -0.5);
  const top2 = () => boxTopW(0.6, 0.55);

  it('a known length rescales a metric map with the wrong scale (1e-3)', () => {
    const r = measureDistance({
      ...base(fx.scene.project(top1()), fx.scene.project(top2())),
      reference: { kind: 'length', a: floorPx(a[0], a[1]), b: floorPx(b[0], b[1]), lengthM: dist(a, b) },
      depth: metricMap(0.7),
    });
    assert.equal(r.scaleSource, 'known_length');
    assert.ok(rel(r.distanceM, dist(top1(), top2())) < 1e-3, `${r.distanceM}`);
  });

  it('a known length scales a relative map with zero shift, and says the shift is assumed 0', () => {
    const r = measureDistance({
      ...base(fx.scene.project(top1()), floorPx(-0.1, 0.6)),
      reference: { kind: 'length', a: floorPx(a[0], a[1]), b: floorPx(b[0], b[1]), lengthM: dist(a, b) },
      depth: relativeMap(3, 0),
    });
    assert.ok(rel(r.distanceM, dist(top1(), [-0.1, 0.6, 0])) < 1e-3);
    assert.ok(r.notes.some((n) => /shift is assumed 0/.test(n)));
  });

  it('a metric map alone is used as is, with the model term in sigma', () => {
    const r = measureDistance({ ...base(fx.scene.project(top1()), floorPx(-0.1, 0.6)), depth: metricMap(1) });
    assert.equal(r.scaleSource, 'model_metric');
    assert.ok(rel(r.distanceM, dist(top1(), [-0.1, 0.6, 0])) < 1e-3);
    assert.ok(Math.abs(r.sigmaBreakdownM.model - 0.1 * r.distanceM) < 1e-12);
    assert.ok(r.sigmaM >= r.sigmaBreakdownM.model);
    assert.equal(r.depth![0]!.method, 'window_median');
  });
});

describe('measureDistance › errors', () => {
  it('point_outside for p1, p2 or a known-length end outside the image', () => {
    expectCode(() => measureDistance({ ...base([-1, 10], [20, 20]), reference: rect() }), 'point_outside', /p1/);
    expectCode(() => measureDistance({ ...base([10, 10], [640, 20]), reference: rect() }), 'point_outside', /p2/);
    expectCode(() => measureDistance({ ...base([10, 10], [NaN, 20]), reference: rect() }), 'point_outside');
    expectCode(
      () =>
        measureDistance({
          ...base([10, 10], [20, 20]),
          depth: metricMap(),
          reference: { kind: 'length', a: [5, 5], b: [5, 480], lengthM: 1 },
        }),
      'point_outside',
      /reference point b/,
    );
  });

  it('identical_points for clicks less than half a pixel apart', () => {
    expectCode(() => measureDistance({ ...base([100, 100], [100.3, 100.2]), reference: rect() }), 'identical_points');
  });

  it('degenerate_reference for collinear or repeated corners, a bad size, or a zero-length reference', () => {
    const collinear = [100, 100, 200, 100, 300, 100, 150, 200];
    expectCode(
      () => measureDistance({ ...base([10, 10], [20, 20]), reference: rect(collinear) }),
      'degenerate_reference',
    );
    const repeated = [100, 100, 100, 100, 300, 200, 150, 200];
    expectCode(
      () => measureDistance({ ...base([10, 10], [20, 20]), reference: rect(repeated) }),
      'degenerate_reference',
    );
    expectCode(
      () => measureDistance({ ...base([10, 10], [20, 20]), reference: { ...rect(), widthM: 0 } }),
      'degenerate_reference',
    );
    expectCode(
      () =>
        measureDistance({
          ...base([10, 10], [20, 20]),
          depth: metricMap(),
          reference: { kind: 'length', a: [50, 50], b: [50.2, 50], lengthM: 1 },
        }),
      'degenerate_reference',
    );
  });

  it('no_scale for a relative map or no map without a reference, and for off-plane work without a map', () => {
    expectCode(
      () => measureDistance({ ...base([10, 10], [20, 20]), depth: relativeMap(1, 0) }),
      'no_scale',
      /relative: add a reference rectangle \(A4, letter, card\) or a known length/,
    );
    expectCode(() => measureDistance(base([10, 10], [20, 20])), 'no_scale');
    expectCode(
      () =>
        measureDistance({
          ...base([10, 10], [20, 20]),
          reference: { kind: 'length', a: [5, 5], b: [50, 5], lengthM: 1 },
        }),
      'no_scale',
      /depth map/,
    );
    expectCode(() => measureDistance({ ...base([10, 10], [20, 20]), reference: rect(), onPlane: false }), 'no_scale');
  });

  it('no_depth_at_point when the map has no valid depth near a point that needs one', () => {
    const depth = metricMap();
    const valid = new Uint8Array(fx.scene.valid);
    for (let j = 90; j < 130; j++) for (let i = 90; i < 130; i++) valid[j * 640 + i] = 0;
    expectCode(
      () => measureDistance({ ...base([110, 110], [300, 300]), depth: { ...depth, valid } }),
      'no_depth_at_point',
      /p1/,
    );
  });
});
