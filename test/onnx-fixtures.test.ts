// The tiny ONNX fixtures load in onnxruntime-node with the real families' signatures, and every
// output matches its documented formula element by element.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import ort from 'onnxruntime-node';
import {
  DEFAULT_LINEAR,
  MOGE2_MASK_GAIN,
  MOGE2_NORMAL_EPS,
  PYDNET_OUTPUTS,
  tinyDa2Metric,
  tinyDa2Relative,
  tinyMetric3d,
  tinyMoge2,
  tinyPydnet,
  tinyWrongDtype,
  tinyWrongInputName,
  tinyWrongRank,
  type LinearParams,
} from './fixtures/onnx/tinyModels.js';

type Shape = readonly (number | string)[];

/** Deterministic uniform numbers in [lo, hi) (mulberry32). */
function rng(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = 0, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}

function randomImage(n: number, h: number, w: number, seed: number, lo = -2, hi = 2): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * 3 * h * w }, () => r(lo, hi));
}

/** The value at (batch, channel, y, x) of an NCHW 3-channel image. */
const at = (img: ArrayLike<number>, h: number, w: number, n: number, c: number, y: number, x: number): number =>
  img[((n * 3 + c) * h + y) * w + x] as number;

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol = 1e-6): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < expected.length; k++) {
    const a = actual[k] as number;
    const e = expected[k] as number;
    if (!(Math.abs(a - e) <= atol + 1e-5 * Math.abs(e))) assert.fail(`${what}[${k}]: got ${a}, expected ${e}`);
  }
}

/** w·x + b per pixel of an NCHW image, as [n,h,w]. */
function linear(img: ArrayLike<number>, n: number, h: number, w: number, { w: wt, b }: LinearParams): Float64Array {
  const out = new Float64Array(n * h * w);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v =
          wt[0] * at(img, h, w, i, 0, y, x) + wt[1] * at(img, h, w, i, 1, y, x) + wt[2] * at(img, h, w, i, 2, y, x);
        out[(i * h + y) * w + x] = v + b;
      }
  return out;
}

function meta(list: readonly ort.InferenceSession.ValueMetadata[]): { name: string; type: string; shape: Shape }[] {
  return list.map((m) => {
    assert.ok(m.isTensor, `${m.name} is a tensor`);
    return { name: m.name, type: m.type, shape: m.shape };
  });
}

function tensorData(out: ort.InferenceSession.ReturnType, name: string, dims: readonly number[]): Float32Array {
  const t = out[name];
  assert.ok(t, `output ${name}`);
  assert.equal(t.type, 'float32', `${name} dtype`);
  assert.deepEqual(t.dims, dims, `${name} dims`);
  return t.data as Float32Array;
}

const SIZES: readonly [number, number, number][] = [
  [1, 1, 1],
  [1, 5, 7],
  [1, 14, 28],
  [2, 9, 4],
];

const DA2_INPUTS = [{ name: 'pixel_values', type: 'float32', shape: ['batch_size', 3, 'height', 'width'] }];
const DA2_OUTPUTS = [{ name: 'predicted_depth', type: 'float32', shape: ['batch_size', 'height', 'width'] }];

describe('linear depth fixtures (DA2 relative, DA2 metric, Metric3D)', () => {
  const params: LinearParams = { w: [0.7, -1.3, 2.25], b: -0.4 };
  for (const [label, make] of [
    ['tinyDa2Relative', tinyDa2Relative],
    ['tinyDa2Metric', tinyDa2Metric],
    ['tinyMetric3d', tinyMetric3d],
  ] as const) {
    test(`${label}: signature and predicted_depth = w·x + b`, async () => {
      const session = await ort.InferenceSession.create(make(params));
      try {
        assert.deepEqual(session.inputNames, ['pixel_values']);
        assert.deepEqual(session.outputNames, ['predicted_depth']);
        assert.deepEqual(meta(session.inputMetadata), DA2_INPUTS);
        assert.deepEqual(meta(session.outputMetadata), DA2_OUTPUTS);
        for (const [n, h, w] of SIZES) {
          const img = randomImage(n, h, w, n * 1000 + h * 31 + w);
          const out = await session.run({ pixel_values: new ort.Tensor('float32', img, [n, 3, h, w]) });
          assertClose(
            tensorData(out, 'predicted_depth', [n, h, w]),
            linear(img, n, h, w, params),
            `${label} ${n}x${h}x${w}`,
          );
        }
      } finally {
        await session.release();
      }
    });
  }
});

test('tinyPydnet: fixed 448×640 signature, three outputs w·x+b, +1, +2', async () => {
  const params: LinearParams = { w: [-0.25, 1.5, 0.75], b: 3 };
  const session = await ort.InferenceSession.create(tinyPydnet(params));
  try {
    assert.deepEqual(session.inputNames, ['im0']);
    assert.deepEqual(session.outputNames, [...PYDNET_OUTPUTS]);
    assert.deepEqual(meta(session.inputMetadata), [{ name: 'im0', type: 'float32', shape: [1, 3, 448, 640] }]);
    assert.deepEqual(
      meta(session.outputMetadata),
      PYDNET_OUTPUTS.map((name) => ({ name, type: 'float32', shape: [1, 1, 448, 640] })),
    );
    const [h, w] = [448, 640];
    const img = randomImage(1, h, w, 7, 0, 1);
    const out = await session.run({ im0: new ort.Tensor('float32', img, [1, 3, h, w]) });
    const base = linear(img, 1, h, w, params);
    PYDNET_OUTPUTS.forEach((name, k) => {
      assertClose(
        tensorData(out, name, [1, 1, h, w]),
        base.map((v) => v + k),
        name,
      );
    });
  } finally {
    await session.release();
  }
});

test('tinyMoge2: signature, points, normal, mask and metric_scale follow their formulas', async () => {
  const pointScale = [1.5, -0.5, 3] as const;
  const metricScale = 2.75;
  const threshold = 0.3;
  const session = await ort.InferenceSession.create(tinyMoge2({ pointScale, metricScale, maskThreshold: threshold }));
  try {
    assert.deepEqual(session.inputNames, ['image', 'num_tokens']);
    assert.deepEqual(session.outputNames, ['points', 'normal', 'mask', 'metric_scale']);
    assert.deepEqual(meta(session.inputMetadata), [
      { name: 'image', type: 'float32', shape: ['batch_size', 3, 'height', 'width'] },
      { name: 'num_tokens', type: 'int64', shape: [] },
    ]);
    assert.deepEqual(meta(session.outputMetadata), [
      { name: 'points', type: 'float32', shape: ['batch_size', 'height', 'width', 3] },
      { name: 'normal', type: 'float32', shape: ['batch_size', 'height', 'width', 3] },
      { name: 'mask', type: 'float32', shape: ['batch_size', 'height', 'width'] },
      { name: 'metric_scale', type: 'float32', shape: ['batch_size'] },
    ]);
    for (const [n, h, w] of SIZES) {
      const img = randomImage(n, h, w, 99 + h * w, 0, 1);
      const out = await session.run({
        image: new ort.Tensor('float32', img, [n, 3, h, w]),
        num_tokens: new ort.Tensor('int64', BigInt64Array.from([1800n]), []),
      });
      const points = new Float64Array(n * h * w * 3);
      const normal = new Float64Array(n * h * w * 3);
      const mask = new Float64Array(n * h * w);
      for (let i = 0; i < n; i++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const pixel = (i * h + y) * w + x;
            const p = pointScale.map((s, c) => s * Math.fround(at(img, h, w, i, c, y, x)));
            const len = Math.sqrt(p.reduce((a, v) => a + v * v, 0) + MOGE2_NORMAL_EPS);
            p.forEach((v, c) => {
              points[pixel * 3 + c] = v;
              normal[pixel * 3 + c] = v / len;
            });
            mask[pixel] = 1 / (1 + Math.exp(-MOGE2_MASK_GAIN * (at(img, h, w, i, 0, y, x) - threshold)));
          }
      const size = `${n}x${h}x${w}`;
      assertClose(tensorData(out, 'points', [n, h, w, 3]), points, `points ${size}`);
      assertClose(tensorData(out, 'normal', [n, h, w, 3]), normal, `normal ${size}`);
      assertClose(tensorData(out, 'mask', [n, h, w]), mask, `mask ${size}`);
      assertClose(tensorData(out, 'metric_scale', [n]), new Float64Array(n).fill(metricScale), `metric_scale ${size}`);
    }
  } finally {
    await session.release();
  }
});

describe('wrong-signature fixtures load and show what is wrong in their metadata', () => {
  test('tinyWrongInputName: the input is called `input`', async () => {
    const session = await ort.InferenceSession.create(tinyWrongInputName());
    try {
      assert.deepEqual(session.inputNames, ['input']);
      assert.deepEqual(meta(session.inputMetadata), [{ ...DA2_INPUTS[0], name: 'input' }]);
      assert.deepEqual(meta(session.outputMetadata), DA2_OUTPUTS);
      const [n, h, w] = [1, 3, 5];
      const img = randomImage(n, h, w, 5);
      const out = await session.run({ input: new ort.Tensor('float32', img, [n, 3, h, w]) });
      assertClose(tensorData(out, 'predicted_depth', [n, h, w]), linear(img, n, h, w, DEFAULT_LINEAR), 'depth');
    } finally {
      await session.release();
    }
  });

  test('tinyWrongRank: predicted_depth is rank 4 [batch_size,1,height,width]', async () => {
    const session = await ort.InferenceSession.create(tinyWrongRank());
    try {
      assert.deepEqual(meta(session.inputMetadata), DA2_INPUTS);
      assert.deepEqual(meta(session.outputMetadata), [
        { name: 'predicted_depth', type: 'float32', shape: ['batch_size', 1, 'height', 'width'] },
      ]);
      const [n, h, w] = [1, 4, 6];
      const img = randomImage(n, h, w, 11);
      const out = await session.run({ pixel_values: new ort.Tensor('float32', img, [n, 3, h, w]) });
      assertClose(tensorData(out, 'predicted_depth', [n, 1, h, w]), linear(img, n, h, w, DEFAULT_LINEAR), 'depth');
    } finally {
      await session.release();
    }
  });

  test('tinyWrongDtype: pixel_values is float16; it still runs on half input', async () => {
    const session = await ort.InferenceSession.create(tinyWrongDtype());
    try {
      assert.deepEqual(meta(session.inputMetadata), [{ ...DA2_INPUTS[0], type: 'float16' }]);
      assert.deepEqual(meta(session.outputMetadata), DA2_OUTPUTS);
      // Random half-precision values in [0.5, 2): exponent 14 or 15, any 10-bit mantissa.
      const [n, h, w] = [1, 5, 3];
      const r = rng(3);
      const bits = Uint16Array.from(
        { length: n * 3 * h * w },
        () => ((r() < 0.5 ? 14 : 15) << 10) | Math.floor(r(0, 1024)),
      );
      const values = Array.from(bits, (b) => 2 ** ((b >> 10) - 15) * (1 + (b & 0x3ff) / 1024));
      const out = await session.run({ pixel_values: new ort.Tensor('float16', bits, [n, 3, h, w]) });
      assertClose(tensorData(out, 'predicted_depth', [n, h, w]), linear(values, n, h, w, DEFAULT_LINEAR), 'depth');
    } finally {
      await session.release();
    }
  });
});
