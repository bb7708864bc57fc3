import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MeasureError,
  applyHomography,
  createPlanePose,
  focalFromHomography,
  homographyFromCorners,
  invert3x3,
  planeDepthAtPixel,
  planePoseFromHomography,
} from '../../../engines/measure/index.js';
import { floorSheetBoxScene, lookAt, rectCornersW, renderScene, type V3 } from '../../fixtures/scenes.js';

const A4 = [0, 0, 0.21, 0, 0.21, 0.297, 0, 0.297];

function sheetScene(sheetYawRad = 0.2) {
  const { scene, sheet } = floorSheetBoxScene({ width: 640, height: 480, sheetYawRad });
  const cornersW = rectCornersW(sheet);
  const corners = cornersW.flatMap((p) => scene.project(p));
  return { scene, sheet, cornersW, corners };
}

/** camFromPlane of the sheet: plane origin at TL, X along uAxis, Y along vAxis, Z = X × Y. */
function trueCamFromPlane(s: ReturnType<typeof sheetScene>) {
  const Rc = s.scene.camFromWorld.R;
  const u = s.sheet.uAxisW;
  const v = s.sheet.vAxisW;
  const w: V3 = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  const R = new Float64Array(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) {
      const col = c === 0 ? u : c === 1 ? v : w;
      R[r * 3 + c] = Rc[r * 3]! * col[0] + Rc[r * 3 + 1]! * col[1] + Rc[r * 3 + 2]! * col[2];
    }
  return { R, t: s.scene.camFromWorldPoint(s.cornersW[0]) };
}

function expectCode(fn: () => unknown, code: string, pattern?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MeasureError, `expected MeasureError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('homographyFromCorners', () => {
  it('maps the plane corners onto the image corners and back (1e-9 px)', () => {
    const { corners } = sheetScene();
    const H = homographyFromCorners(new Float64Array(9), corners, A4);
    const Hinv = invert3x3(new Float64Array(9), H);
    const p = [0, 0];
    for (let i = 0; i < 4; i++) {
      applyHomography(p, H, A4[2 * i]!, A4[2 * i + 1]!);
      assert.ok(Math.hypot(p[0]! - corners[2 * i]!, p[1]! - corners[2 * i + 1]!) < 1e-9, `corner ${i}`);
      applyHomography(p, Hinv, corners[2 * i]!, corners[2 * i + 1]!);
      assert.ok(Math.hypot(p[0]! - A4[2 * i]!, p[1]! - A4[2 * i + 1]!) < 1e-12, `inverse corner ${i}`);
    }
  });

  it('maps any projected floor point to its metric plane coordinates (1e-9 m), inside or outside the sheet', () => {
    const s = sheetScene();
    const H = homographyFromCorners(new Float64Array(9), s.corners, A4);
    const Hinv = invert3x3(new Float64Array(9), H);
    const [tl] = s.cornersW;
    const q = [0, 0];
    for (const [x, y] of [
      [-0.3, 0.5],
      [0.1, 0.9],
      [-0.1, 0.62],
      [0.25, 0.45],
    ] as const) {
      const uv = s.scene.project([x, y, 0]);
      applyHomography(q, Hinv, uv[0], uv[1]);
      const d: V3 = [x - tl[0], y - tl[1], 0];
      const X = d[0] * s.sheet.uAxisW[0] + d[1] * s.sheet.uAxisW[1];
      const Y = d[0] * s.sheet.vAxisW[0] + d[1] * s.sheet.vAxisW[1];
      assert.ok(Math.hypot(q[0]! - X, q[1]! - Y) < 1e-9, `(${x}, ${y}): ${q} vs ${X}, ${Y}`);
    }
  });

  it('rejects repeated, collinear, crossed and anticlockwise corners as degenerate_reference', () => {
    const H = new Float64Array(9);
    expectCode(
      () => homographyFromCorners(H, [10, 10, 100, 10, 100, 10, 10, 90], A4),
      'degenerate_reference',
      /coincide/,
    );
    expectCode(
      () => homographyFromCorners(H, [10, 10, 50, 10, 90, 10, 10, 90], A4),
      'degenerate_reference',
      /collinear/,
    );
    expectCode(
      () => homographyFromCorners(H, [10, 10, 100, 10, 10, 90, 100, 90], A4),
      'degenerate_reference',
      /not convex|crosses/,
    );
    expectCode(
      () => homographyFromCorners(H, [10, 10, 10, 90, 100, 90, 100, 10], A4),
      'degenerate_reference',
      /anticlockwise/,
    );
    expectCode(() => homographyFromCorners(H, [10, 10, 100, 10, 100, NaN, 10, 90], A4), 'degenerate_reference');
    expectCode(() => homographyFromCorners(H, [10, 10, 100, 10, 100, 90], A4), 'degenerate_reference');
  });
});

describe('planePoseFromHomography', () => {
  it('recovers camFromPlane (R and t) of a tilted sheet to 1e-9', () => {
    for (const yaw of [0.2, -0.6, 1.1]) {
      const s = sheetScene(yaw);
      const H = homographyFromCorners(new Float64Array(9), s.corners, A4);
      const pose = planePoseFromHomography(createPlanePose(), H, s.scene.K);
      const truth = trueCamFromPlane(s);
      for (let k = 0; k < 9; k++)
        assert.ok(Math.abs(pose.camFromPlaneR[k]! - truth.R[k]!) < 1e-9, `yaw ${yaw} R[${k}]`);
      for (let k = 0; k < 3; k++)
        assert.ok(Math.abs(pose.camFromPlaneT[k]! - truth.t[k]!) < 1e-9, `yaw ${yaw} t[${k}]`);
      assert.ok(Math.abs(pose.columnRatio - 1) < 1e-9);
      // The plane's depth along any pixel ray matches the rendered floor depth (pixel centres).
      const k = 300 * 640 + 120;
      assert.ok(Math.abs(planeDepthAtPixel(pose, s.scene.K, 120.5, 300.5) - s.scene.depthM[k]!) < 1e-6);
    }
  });

  it('reports a column ratio away from 1 when K has the wrong focal', () => {
    const s = sheetScene();
    const H = homographyFromCorners(new Float64Array(9), s.corners, A4);
    const K = { ...s.scene.K, fx: s.scene.K.fx * 1.3, fy: s.scene.K.fy * 1.3 };
    const pose = planePoseFromHomography(createPlanePose(), H, K);
    assert.ok(Math.abs(pose.columnRatio - 1) > 0.03, `ratio ${pose.columnRatio}`);
  });
});

describe('focalFromHomography', () => {
  it('recovers the focal from a tilted rectangle (1e-6 relative)', () => {
    for (const yaw of [0.2, 0.9]) {
      const s = sheetScene(yaw);
      const H = homographyFromCorners(new Float64Array(9), s.corners, A4);
      const f = focalFromHomography(H, s.scene.K.cx, s.scene.K.cy);
      assert.ok(f !== null);
      assert.ok(Math.abs(f / s.scene.K.fx - 1) < 1e-6, `yaw ${yaw}: ${f} vs ${s.scene.K.fx}`);
    }
  });

  it('returns null for a fronto-parallel rectangle (no vanishing points)', () => {
    const K = { fx: 500, fy: 500, cx: 320, cy: 240 };
    const camFromWorld = lookAt([0, 0, 0], [0, 0, 1], [0, -1, 0]);
    const scene = renderScene({ K, width: 640, height: 480, camFromWorld, surfaces: [] });
    const corners = (
      [
        [-0.105, -0.15, 1],
        [0.105, -0.15, 1],
        [0.105, 0.15, 1],
        [-0.105, 0.15, 1],
      ] as const
    ).flatMap((p) => scene.project(p));
    const H = homographyFromCorners(new Float64Array(9), corners, [0, 0, 0.21, 0, 0.21, 0.3, 0, 0.3]);
    assert.equal(focalFromHomography(H, K.cx, K.cy), null);
  });
});
