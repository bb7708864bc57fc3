import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  depthErrors,
  depthStats,
  fitScaleShift,
  interpretDepth,
  modelInputSize,
  quantileIn,
  recoverFocalShift,
  resampleDepth,
  rgbToPlanar,
  roundHalfEven,
  type DepthModelSpec,
} from '../../../engines/depth/index.js';
import { mulberry32 } from '../../../engines/core/index.js';

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

const DA2 = {
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406] as const,
  std: [0.229, 0.224, 0.225] as const,
  resize: { mode: 'fit-multiple', target: 518, multiple: 14 } as const,
};

function spec(kind: DepthModelSpec['output']['kind'], extra: Partial<DepthModelSpec['output']> = {}): DepthModelSpec {
  return {
    family: 'test',
    inputs: [{ name: 'pixel_values', dtype: 'float32', shape: ['batch_size', 3, 'height', 'width'] }],
    preprocess: DA2,
    output: { kind, primary: 'predicted_depth', ...extra },
  };
}

describe('modelInputSize', () => {
  it('follows DPTImageProcessor: the side needing the smaller change lands on 518, both sides on multiples of 14', () => {
    assert.deepEqual(modelInputSize(DA2.resize, 640, 480), { width: 686, height: 518 });
    assert.deepEqual(modelInputSize(DA2.resize, 480, 640), { width: 518, height: 686 });
    assert.deepEqual(modelInputSize(DA2.resize, 1920, 1080), { width: 924, height: 518 });
    assert.deepEqual(modelInputSize(DA2.resize, 518, 518), { width: 518, height: 518 });
    assert.deepEqual(modelInputSize(DA2.resize, 4032, 3024), { width: 686, height: 518 });
  });
  it('stretches to a fixed size and caps token-grid inputs at max_side', () => {
    assert.deepEqual(modelInputSize({ mode: 'fixed', width: 640, height: 448 }, 1000, 1000), {
      width: 640,
      height: 448,
    });
    const t = modelInputSize({ mode: 'tokens', num_tokens: 1800, multiple: 14, max_side: 1022 }, 4032, 3024);
    assert.equal(t.width, 1022);
    assert.equal(t.height, 770); // 3024·1022/4032 = 766.5 → 54.75·14 → 55·14
    assert.equal(t.width % 14, 0);
  });
  it('rounds halves to even like Python', () => {
    assert.equal(roundHalfEven(2.5), 2);
    assert.equal(roundHalfEven(3.5), 4);
    assert.equal(roundHalfEven(2.4), 2);
    assert.equal(roundHalfEven(-2.5), -2);
  });
});

describe('rgbToPlanar', () => {
  it('writes planar (v/255 − mean) / std per channel', () => {
    const rgb = Uint8Array.from([255, 0, 128, 10, 20, 30]);
    const out = rgbToPlanar(new Float32Array(6), rgb, 2, 1, DA2);
    close(out[0]!, (1 - 0.485) / 0.229, 1e-5, 'R0');
    close(out[1]!, (10 / 255 - 0.485) / 0.229, 1e-5, 'R1');
    close(out[2]!, (0 - 0.456) / 0.224, 1e-5, 'G0');
    close(out[5]!, (30 / 255 - 0.406) / 0.225, 1e-5, 'B1');
    const raw = rgbToPlanar(new Float32Array(6), rgb, 2, 1, { scale: 1, mean: null, std: null });
    assert.deepEqual([...raw], [255, 10, 0, 20, 128, 30]);
  });
  it('refuses buffers that are too small', () => {
    assert.throws(() => rgbToPlanar(new Float32Array(5), new Uint8Array(6), 2, 1, DA2), RangeError);
  });
});

/** A scene: a floor-to-wall tilted plane plus a box, seen by a pinhole camera. */
function scene(width: number, height: number, fPx: number) {
  const Z = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let z = 3 + 1.5 * (x / width) - 0.8 * (y / height);
      if (x > width * 0.3 && x < width * 0.6 && y > height * 0.4 && y < height * 0.8) z = 1.7;
      Z[y * width + x] = z;
    }
  const points = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // MoGe's uv grid puts pixel centres at linspace(−(w−1)/2, (w−1)/2) around the image centre.
      points[3 * i] = ((x - (width - 1) / 2) / fPx) * Z[i]!;
      points[3 * i + 1] = ((y - (height - 1) / 2) / fPx) * Z[i]!;
      points[3 * i + 2] = Z[i]!;
    }
  return { Z, points };
}

describe('recoverFocalShift', () => {
  it('recovers the focal length and the z shift of an affine point map exactly', () => {
    const w = 160;
    const h = 120;
    const fPx = 150;
    const { points } = scene(w, h, fPx);
    const s = 2.5;
    const shift0 = 0.4;
    const affine = new Float32Array(points.length);
    for (let i = 0; i < w * h; i++) {
      affine[3 * i] = points[3 * i]! / s;
      affine[3 * i + 1] = points[3 * i + 1]! / s;
      affine[3 * i + 2] = points[3 * i + 2]! / s - shift0;
    }
    const valid = new Uint8Array(w * h).fill(1);
    const r = recoverFocalShift(affine, valid, w, h);
    close(r.shift, shift0, 1e-4, 'shift');
    close(r.focal * 0.5 * Math.hypot(w, h), fPx, 0.05, 'focal px');
    const known = recoverFocalShift(affine, valid, w, h, fPx / (0.5 * Math.hypot(w, h)));
    close(known.shift, shift0, 1e-4, 'shift with known focal');
  });
  it('refuses a map with almost nothing valid', () => {
    assert.throws(() => recoverFocalShift(new Float32Array(300), new Uint8Array(100), 10, 10), /valid points/);
  });
});

describe('interpretDepth', () => {
  const w = 4;
  const h = 2;
  const K = { fx: 500, fy: 500, cx: 2, cy: 1 };
  const out = (data: number[], dims = [1, h, w]) => ({ predicted_depth: { data: Float32Array.from(data), dims } });

  it('inverts a disparity-like output into relative depth with median 1, and masks near-zero disparity', () => {
    const r = interpretDepth(spec('inverse_relative'), out([1, 2, 4, 0.5, 1, 2, 4, 0]), {
      width: w,
      height: h,
      K,
      trustedFocal: false,
    });
    assert.equal(r.metric, false);
    assert.equal(r.scaleSource, 'none');
    assert.deepEqual([...r.valid], [1, 1, 1, 1, 1, 1, 1, 0]);
    // 1/d = 1, .5, .25, 2, 1, .5, .25 → median .5 → divided: 2, 1, .5, 4, 2, 1, .5
    [2, 1, 0.5, 4, 2, 1, 0.5].forEach((v, i) => close(r.depth[i]!, v, 1e-5, `depth[${i}]`));
  });
  it('keeps a metric output in metres and masks values at or past the range', () => {
    const r = interpretDepth(spec('metric', { max_depth_m: 20 }), out([1, 2, 3, 25, 0, -1, NaN, 19.9]), {
      width: w,
      height: h,
      K,
      trustedFocal: true,
    });
    assert.equal(r.metric, true);
    assert.deepEqual([...r.valid], [1, 1, 1, 0, 0, 0, 0, 1]);
    close(r.depth[2]!, 3, 0);
  });
  it('scales a canonical-camera output by focal / 1000', () => {
    const r = interpretDepth(spec('canonical_metric', { canonical_focal_px: 1000 }), out([2, 2, 2, 2, 4, 4, 4, 4]), {
      width: w,
      height: h,
      K,
      trustedFocal: true,
    });
    assert.equal(r.scaleSource, 'canonical_focal');
    close(r.depth[0]!, 1, 1e-6);
    close(r.depth[7]!, 2, 1e-6);
  });
  it('written into reused (dirty) buffers, every family gives exactly what fresh arrays give', () => {
    const cases: [DepthModelSpec, number[]][] = [
      [spec('inverse_relative'), [1, 2, 4, 0.5, 1, 2, 4, 0]],
      [spec('relative'), [1, -1, 3, NaN, 0.5, 2, Infinity, 4]],
      [spec('metric', { max_depth_m: 20 }), [1, 2, 3, 25, 0, -1, NaN, 19.9]],
      [spec('canonical_metric', { canonical_focal_px: 1000 }), [2, 0, 2, -2, 4, NaN, 4, 4]],
    ];
    for (const [sp, data] of cases) {
      const fresh = interpretDepth(sp, out(data), { width: w, height: h, K, trustedFocal: true });
      const into = { depth: new Float32Array(w * h).fill(123), valid: new Uint8Array(w * h).fill(1) };
      const reused = interpretDepth(sp, out(data), { width: w, height: h, K, trustedFocal: true, into });
      assert.equal(reused.depth, into.depth, `${sp.output.kind}: wrote into the given depth array`);
      assert.equal(reused.valid, into.valid);
      assert.deepEqual([...reused.valid], [...fresh.valid], sp.output.kind);
      assert.deepEqual([...reused.depth], [...fresh.depth], sp.output.kind);
      assert.deepEqual(reused.stats, fresh.stats, sp.output.kind);
    }
    // A relative map with invalid values mixed in: divided by its exact (lower) median.
    const rnd = mulberry32(7);
    const W2 = 37;
    const H2 = 23;
    const raw = Float32Array.from({ length: W2 * H2 }, (_, i) =>
      i % 11 === 0 ? [0, -1, NaN, Infinity][i % 4]! : 0.2 + 5 * rnd(),
    );
    const sorted = [...raw].filter((v) => v > 0 && v < Infinity).sort((a, b) => a - b);
    const med = sorted[Math.floor(0.5 * (sorted.length - 1))]!;
    const rr = interpretDepth(
      spec('relative'),
      { predicted_depth: { data: raw, dims: [1, H2, W2] } },
      { width: W2, height: H2, K, trustedFocal: false },
    );
    assert.equal(rr.stats.median, 1);
    assert.equal(rr.stats.validCount, sorted.length);
    close(rr.stats.min, sorted[0]! / med, 1e-6, 'min');
    close(rr.stats.max, sorted.at(-1)! / med, 1e-6, 'max');
    raw.forEach((v, i) => {
      if (v > 0 && v < Infinity) close(rr.depth[i]!, Math.fround(v / med), 1e-6, `depth[${i}]`);
      else assert.ok(Number.isNaN(rr.depth[i]!) && rr.valid[i] === 0, `invalid ${i}`);
    });
    // Buffers of another size are not used.
    const small = { depth: new Float32Array(3), valid: new Uint8Array(3) };
    const r = interpretDepth(spec('relative'), out([1, 2, 3, 4, 5, 6, 7, 8]), {
      width: w,
      height: h,
      K,
      trustedFocal: false,
      into: small,
    });
    assert.notEqual(r.depth, small.depth);
  });
  it('reads a 4-D [1,1,h,w] output and rejects an output of the wrong size', () => {
    const r = interpretDepth(spec('relative'), out([1, 1, 1, 1, 3, 3, 3, 3], [1, 1, h, w]), {
      width: w,
      height: h,
      K,
      trustedFocal: false,
    });
    // Lower median of 1,1,1,1,3,3,3,3 is 1.
    [1, 1, 1, 1, 3, 3, 3, 3].forEach((v, i) => close(r.depth[i]!, v, 1e-5, `depth[${i}]`));
    assert.throws(
      () =>
        interpretDepth(spec('relative'), out([1, 2, 3], [1, 1, 3]), { width: w, height: h, K, trustedFocal: false }),
      /expected 2×4/,
    );
  });
  it('turns a MoGe-2 point map into metres, with the recovered focal when the focal is not trusted', () => {
    const W = 64;
    const H = 48;
    const fPx = 60;
    const { Z, points } = scene(W, H, fPx);
    const s = 4;
    const shift0 = 0.25;
    const p = new Float32Array(points.length);
    for (let i = 0; i < W * H; i++) {
      p[3 * i] = points[3 * i]! / s;
      p[3 * i + 1] = points[3 * i + 1]! / s;
      p[3 * i + 2] = points[3 * i + 2]! / s - shift0;
    }
    const mask = new Float32Array(W * H).fill(0.9);
    mask[0] = 0.1;
    const r = interpretDepth(
      { ...spec('point_map'), output: { kind: 'point_map', primary: 'points' } },
      {
        points: { data: p, dims: [1, H, W, 3] },
        mask: { data: mask, dims: [1, H, W] },
        metric_scale: { data: Float32Array.of(s), dims: [1] },
      },
      { width: W, height: H, K: { fx: 40, fy: 40, cx: W / 2, cy: H / 2 }, trustedFocal: false },
    );
    assert.equal(r.valid[0], 0);
    assert.equal(r.valid[1], 1);
    for (const i of [1, 100, 2000, W * H - 1]) close(r.depth[i]!, Z[i]!, 2e-3, `depth[${i}]`);
    assert.ok(r.estimatedK);
    close(r.estimatedK.fx, fPx, 0.1, 'estimated fx');
  });
});

describe('resampleDepth', () => {
  it('reproduces a linear ramp exactly inside and falls back to the nearest valid value at holes', () => {
    const sw = 8;
    const sh = 6;
    const src = new Float32Array(sw * sh);
    for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) src[y * sw + x] = 2 * x + 3 * y;
    const valid = new Uint8Array(sw * sh).fill(1);
    const dw = 16;
    const dh = 12;
    const out = new Float32Array(dw * dh);
    const ov = new Uint8Array(dw * dh);
    resampleDepth(out, ov, src, valid, sw, sh, dw, dh);
    // Output pixel (5, 5) centre maps to source (2.25, 2.25) → 2·2.25 + 3·2.25.
    close(out[5 * dw + 5]!, 2 * 2.25 + 3 * 2.25, 1e-5);
    valid[2 * sw + 2] = 0;
    src[2 * sw + 2] = 1000;
    resampleDepth(out, ov, src, valid, sw, sh, dw, dh);
    assert.equal(ov[5 * dw + 5], 0, 'nearest neighbour of (2.25,2.25) is the invalid (2,2)');
    assert.equal(ov[5 * dw + 3], 1);
    assert.ok(out[5 * dw + 3]! < 100, 'the invalid value never bleeds into a valid pixel');
  });
});

describe('depthStats, fitScaleShift, depthErrors', () => {
  it('finds min, median, max and valid fraction', () => {
    const d = Float32Array.from([5, 1, 3, 100, 2, 4]);
    const v = Uint8Array.from([1, 1, 1, 0, 1, 1]);
    const s = depthStats(d, v);
    assert.equal(s.min, 1);
    assert.equal(s.max, 5);
    close(s.median, 3, 1e-5);
    close(s.validFraction, 5 / 6, 1e-12);
    const big = new Float32Array(100_001);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % big.length;
    close(depthStats(big, new Uint8Array(big.length).fill(1)).median, 50_000, 0.01);
  });
  it('selects exact quantiles (one of the values, by rank) over signed, masked, NaN-holed data', () => {
    const rand = mulberry32(7);
    const n = 50_000;
    const d = new Float32Array(n);
    const v = new Uint8Array(n);
    const kept: number[] = [];
    for (let i = 0; i < n; i++) {
      d[i] = i % 97 === 0 ? NaN : (rand() - 0.3) * 10 ** (4 * rand() - 2); // both signs, 4 decades
      v[i] = rand() < 0.9 ? 1 : 0;
      if (v[i] && !Number.isNaN(d[i])) kept.push(d[i]!);
    }
    kept.sort((a, b) => a - b);
    const lo = kept[0]!;
    const hi = kept[kept.length - 1]!;
    for (const q of [0, 0.02, 0.5, 0.98, 1])
      assert.equal(quantileIn(d, v, kept.length, lo, hi, q), kept[Math.floor(q * (kept.length - 1))], `q=${q}`);
    // Only values inside [lo, hi] count: a window around the middle.
    const a = kept[1000]!;
    const b = kept[3000]!;
    assert.equal(quantileIn(d, v, 2001, a, b, 0.5), kept[2000]);
  });
  it('recovers an affine relation exactly and scores a perfect prediction', () => {
    const t = Float32Array.from([1, 2, 3, 4, 0]);
    const p = Float32Array.from([0, 0.5, 1, 1.5, 9]);
    const fit = fitScaleShift(p, t, null, null);
    close(fit.scale, 2, 1e-9);
    close(fit.shift, 1, 1e-9);
    assert.equal(fit.count, 4);
    const e = depthErrors(p, t, null, fit.scale, fit.shift);
    close(e.absRel, 0, 1e-9);
    assert.equal(e.delta1, 1);
    const off = depthErrors(Float32Array.from([1.5]), Float32Array.from([1]), null);
    close(off.absRel, 0.5, 1e-9);
    assert.equal(off.delta1, 0);
  });
});
