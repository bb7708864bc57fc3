/**
 * Calibration: in seeded randomised trials whose noise is drawn from exactly the engine's stated
 * model (click and corner offsets ~ N(0, σ²) per axis, independent per-pixel depth noise), the
 * true error must lie within ±sigmaM in about 68% of trials — not in 30% (over-confident) nor in
 * 99% (decorative). Each path gets 240 trials; the binomial 1-sigma of a 68% coverage is 3%.
 */
import assert from 'node:assert/strict';
import { before, describe, it, type TestContext } from 'node:test';
import { measureDistance, type MeasureResult } from '../../../engines/measure/index.js';
import {
  boxPointW,
  floorSheetBoxScene,
  gaussian,
  mulberry32,
  rectCornersW,
  windowOnSurface,
  type RenderedScene,
  type V3,
} from '../../fixtures/scenes.js';

const TRIALS = 240;
const CLICK_PX = 0.5;
const CORNER_PX = 0.5;
const DEPTH_NOISE = 0.03; // per-pixel multiplicative, 1-sigma

type Fixture = ReturnType<typeof floorSheetBoxScene> & { corners: number[] };
let fx: Fixture;
before(() => {
  const f = floorSheetBoxScene({ width: 640, height: 480 });
  fx = { ...f, corners: rectCornersW(f.sheet).flatMap((p) => f.scene.project(p)) };
});

const dist = (a: V3, b: V3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** A true pixel, with its world point, on surface `id` (window of radius 3 all on it) from `draw`. */
function pick(scene: RenderedScene, id: number, draw: () => V3): { px: [number, number]; world: V3 } {
  for (;;) {
    const w = draw();
    const px = scene.project(w);
    if (px[0] < 4 || px[1] < 4 || px[0] > scene.width - 4 || px[1] > scene.height - 4) continue;
    if (!windowOnSurface(scene, px[0], px[1], 3, id)) continue;
    const hit = scene.castRay(px[0], px[1])!;
    if (hit.surfaceId !== id) continue;
    return { px, world: hit.worldPoint };
  }
}

interface Tally {
  covered: number;
  n: number;
  ratios: number[];
}
const tally = (): Tally => ({ covered: 0, n: 0, ratios: [] });
function record(t: Tally, r: MeasureResult, truth: number) {
  const err = Math.abs(r.distanceM - truth);
  t.n++;
  if (err <= r.sigmaM) t.covered++;
  t.ratios.push(err / r.sigmaM);
}
function check(t: Tally, what: string, ctx: TestContext) {
  const coverage = t.covered / t.n;
  t.ratios.sort((a, b) => a - b);
  const medianRatio = t.ratios[t.n >> 1]!;
  // For a calibrated Gaussian |error|/sigma has median 0.674.
  const msg = `${what}: coverage ${(coverage * 100).toFixed(1)}% over ${t.n}, median |err|/sigma ${medianRatio.toFixed(3)}`;
  ctx.diagnostic(msg);
  assert.ok(coverage >= 0.6 && coverage <= 0.85, msg);
  assert.ok(medianRatio > 0.45 && medianRatio < 1.0, msg);
}

describe('measureDistance › sigma is calibrated (|error| ≤ sigma in 60–85% of seeded trials)', () => {
  it('(a) in-plane points through the reference homography, click and corner noise', (ctx) => {
    const g = gaussian(mulberry32(101));
    const u = mulberry32(102);
    const t = tally();
    for (let trial = 0; trial < TRIALS; trial++) {
      // Two random floor points around the sheet (the plane, not only the paper).
      const draw = (): V3 => [-0.35 + 0.4 * u(), 0.42 + 0.45 * u(), 0];
      const a = pick(fx.scene, fx.floorId, draw);
      const b = pick(fx.scene, fx.floorId, draw);
      if (dist(a.world, b.world) < 0.05) {
        trial--;
        continue;
      }
      const corners = fx.corners.map((c) => c + CORNER_PX * g());
      const r = measureDistance({
        p1: [a.px[0] + CLICK_PX * g(), a.px[1] + CLICK_PX * g()],
        p2: [b.px[0] + CLICK_PX * g(), b.px[1] + CLICK_PX * g()],
        K: fx.scene.K,
        width: fx.scene.width,
        height: fx.scene.height,
        reference: { kind: 'rectangle', corners, widthM: 0.21, heightM: 0.297 },
        noise: { clickPx: CLICK_PX, cornerPx: CORNER_PX },
      });
      assert.equal(r.scaleSource, 'reference_plane');
      record(t, r, dist(a.world, b.world));
    }
    check(t, 'in-plane homography', ctx);
  });

  it('(b) off-plane points through the depth fit, metric map 15% off with 3% per-pixel noise (distance and depth)', (ctx) => {
    const g = gaussian(mulberry32(201));
    const u = mulberry32(202);
    const t = tally();
    let depthCovered = 0;
    let depthN = 0;
    const depthM = new Float32Array(fx.scene.depthM.length);
    for (let trial = 0; trial < TRIALS; trial++) {
      for (let i = 0; i < depthM.length; i++) depthM[i] = fx.scene.depthM[i]! * 1.15 * (1 + DEPTH_NOISE * g());
      const onTop = (): V3 => boxPointW(fx.box, -1 + 2 * u(), -1 + 2 * u(), 1);
      const a = pick(fx.scene, fx.boxTopId, onTop);
      // Half the trials measure across the box top, half from the top down to the floor.
      const b =
        trial % 2
          ? pick(fx.scene, fx.boxTopId, onTop)
          : pick(fx.scene, fx.floorId, (): V3 => [-0.35 + 0.4 * u(), 0.42 + 0.45 * u(), 0]);
      if (dist(a.world, b.world) < 0.05) {
        trial--;
        continue;
      }
      const corners = fx.corners.map((c) => c + CORNER_PX * g());
      const r = measureDistance({
        p1: [a.px[0] + CLICK_PX * g(), a.px[1] + CLICK_PX * g()],
        p2: [b.px[0] + CLICK_PX * g(), b.px[1] + CLICK_PX * g()],
        K: fx.scene.K,
        width: fx.scene.width,
        height: fx.scene.height,
        depth: { depthM, valid: fx.scene.valid, metric: true },
        reference: { kind: 'rectangle', corners, widthM: 0.21, heightM: 0.297 },
        noise: { clickPx: CLICK_PX, cornerPx: CORNER_PX },
      });
      assert.equal(r.scaleSource, 'reference_depth_fit');
      assert.equal(r.pointSource[0], 'depth_map');
      record(t, r, dist(a.world, b.world));
      // The depth used at p1, against the true depth along the clicked ray's true point.
      const zTrue = fx.scene.camFromWorldPoint(a.world)[2];
      depthN++;
      if (Math.abs(r.depthUsedM[0] - zTrue) <= r.depthSigmaM[0]) depthCovered++;
    }
    check(t, 'off-plane depth fit', ctx);
    const depthCoverage = depthCovered / depthN;
    ctx.diagnostic(`off-plane depth at p1: coverage ${(depthCoverage * 100).toFixed(1)}% over ${depthN}`);
    assert.ok(depthCoverage >= 0.6 && depthCoverage <= 0.85, `depth coverage ${depthCoverage}`);
  });

  it('(c) a known length on the floor rescaling a metric map 20% short with 3% per-pixel noise', (ctx) => {
    const g = gaussian(mulberry32(301));
    const u = mulberry32(302);
    const t = tally();
    const depthM = new Float32Array(fx.scene.depthM.length);
    const onFloor = (): V3 => [-0.4 + 0.5 * u(), 0.4 + 0.6 * u(), 0];
    const onTop = (): V3 => boxPointW(fx.box, -1 + 2 * u(), -1 + 2 * u(), 1);
    for (let trial = 0; trial < TRIALS; trial++) {
      for (let i = 0; i < depthM.length; i++) depthM[i] = fx.scene.depthM[i]! * 0.8 * (1 + DEPTH_NOISE * g());
      const ra = pick(fx.scene, fx.floorId, onFloor);
      const rb = pick(fx.scene, fx.floorId, onFloor);
      const a = pick(fx.scene, fx.boxTopId, onTop);
      const b = trial % 2 ? pick(fx.scene, fx.floorId, onFloor) : pick(fx.scene, fx.boxTopId, onTop);
      if (dist(ra.world, rb.world) < 0.2 || dist(a.world, b.world) < 0.05) {
        trial--;
        continue;
      }
      const r = measureDistance({
        p1: [a.px[0] + CLICK_PX * g(), a.px[1] + CLICK_PX * g()],
        p2: [b.px[0] + CLICK_PX * g(), b.px[1] + CLICK_PX * g()],
        K: fx.scene.K,
        width: fx.scene.width,
        height: fx.scene.height,
        depth: { depthM, valid: fx.scene.valid, metric: true },
        reference: {
          kind: 'length',
          a: [ra.px[0] + CORNER_PX * g(), ra.px[1] + CORNER_PX * g()],
          b: [rb.px[0] + CORNER_PX * g(), rb.px[1] + CORNER_PX * g()],
          lengthM: dist(ra.world, rb.world),
        },
        noise: { clickPx: CLICK_PX, cornerPx: CORNER_PX },
      });
      assert.equal(r.scaleSource, 'known_length');
      record(t, r, dist(a.world, b.world));
    }
    check(t, 'known length', ctx);
  });
});
