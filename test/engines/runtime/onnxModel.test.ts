import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ModelPool, OnnxModel, RuntimeError, Tensor, type ModelSignature } from '../../../engines/runtime/index.js';
import { tinyDa2Relative, tinyWrongDtype, tinyWrongInputName, tinyWrongRank } from '../../fixtures/onnx/tinyModels.js';
import { SHARED_DATA } from '../../helpers/rgbd.js';

const DA2: ModelSignature = {
  inputs: [{ name: 'pixel_values', dtype: 'float32', shape: ['batch_size', 3, 'height', 'width'] }],
  outputs: [{ name: 'predicted_depth', dtype: 'float32', shape: ['batch_size', 'height', 'width'] }],
};
const PYDNET_FILE = path.join(SHARED_DATA, 'depth-model-pydnet', 'pydnet_pp_448x640.onnx');

const image = (h: number, w: number, fill = 1) =>
  new Tensor('float32', new Float32Array(3 * h * w).fill(fill), [1, 3, h, w]);

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof RuntimeError, `expected RuntimeError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('OnnxModel', () => {
  it('loads a model whose graph matches the manifest and runs it', async () => {
    const m = await OnnxModel.load(tinyDa2Relative({ w: [1, 2, 3], b: 0.5 }), DA2);
    assert.equal(m.provider, 'cpu');
    const out = await m.run({ pixel_values: image(2, 3, 1) });
    assert.deepEqual(out.predicted_depth!.dims, [1, 2, 3]);
    assert.ok(out.predicted_depth!.data.every((v) => Math.abs(v - 6.5) < 1e-5));
    await m.dispose();
  });

  it('refuses a graph whose input name, output rank or dtype differs from the manifest, saying which', async () => {
    await rejectsWith(
      OnnxModel.load(tinyWrongInputName(), DA2),
      'signature_mismatch',
      /input "pixel_values" is missing.*"input"/,
    );
    await rejectsWith(
      OnnxModel.load(tinyWrongRank(), DA2),
      'signature_mismatch',
      /output "predicted_depth" has rank 4/,
    );
    await rejectsWith(OnnxModel.load(tinyWrongDtype(), DA2), 'signature_mismatch', /is float16, expected float32/);
  });

  it('refuses a dynamic manifest axis on a fixed graph axis, and accepts a fixed manifest axis on a dynamic one', async () => {
    const fixedManifest: ModelSignature = {
      inputs: [{ name: 'pixel_values', dtype: 'float32', shape: [1, 3, 448, 640] }],
      outputs: [{ name: 'predicted_depth', dtype: 'float32', shape: [1, 448, 640] }],
    };
    const m = await OnnxModel.load(tinyDa2Relative(), fixedManifest);
    await m.dispose();
    if (fs.existsSync(PYDNET_FILE)) {
      const dynamicManifest: ModelSignature = {
        inputs: [{ name: 'im0', dtype: 'float32', shape: [1, 3, 'height', 'width'] }],
        outputs: [{ name: 'PSD/resize_images/ResizeBilinear', dtype: 'float32', shape: [1, 1, 'height', 'width'] }],
      };
      await rejectsWith(OnnxModel.load(PYDNET_FILE, dynamicManifest), 'signature_mismatch', /axis 2 is 448/);
    }
  });

  it('falls back to CPU on purpose, and says so, when a preferred provider is not available', async () => {
    const lines: string[] = [];
    const m = await OnnxModel.load(tinyDa2Relative(), DA2, {
      providers: ['coreml', 'cuda'],
      log: (level, message) => lines.push(`${level}: ${message}`),
    });
    assert.equal(m.provider, 'cpu');
    assert.ok(
      lines.some((l) => /^warn: .*coreml/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^warn: running on cpu instead of coreml/.test(l)),
      lines.join('\n'),
    );
    await m.dispose();
  });

  it('reports a file that is not a model as load_failed', async () => {
    await rejectsWith(OnnxModel.load(new TextEncoder().encode('not a model'), DA2), 'load_failed');
  });

  it('runs one inference at a time, in order, refuses past the queue bound, and drops aborted waiters', async () => {
    const m = await OnnxModel.load(tinyDa2Relative(), DA2, { maxConcurrent: 1, maxQueue: 2 });
    const order: number[] = [];
    const big = image(256, 256);
    const a = m.run({ pixel_values: big }).then(() => order.push(1));
    const ctl = new AbortController();
    const b = m.run({ pixel_values: big }, { signal: ctl.signal });
    const c = m.run({ pixel_values: big }).then(() => order.push(3));
    assert.equal(m.pending, 3);
    await rejectsWith(m.run({ pixel_values: big }), 'queue_full');
    ctl.abort();
    await rejectsWith(b, 'aborted');
    await Promise.all([a, c]);
    assert.deepEqual(order, [1, 3]);
    assert.equal(m.pending, 0);
    await m.dispose();
    await rejectsWith(m.run({ pixel_values: big }), 'disposed');
  });
});

describe('ModelPool', () => {
  it('keeps a model warm, shares concurrent first loads, and unloads it after the idle time', async () => {
    const pool = new ModelPool({ idleUnloadMs: 0 });
    const bytes = tinyDa2Relative();
    const [m1, m2] = await Promise.all([pool.get('a', bytes, DA2), pool.get('a', bytes, DA2)]);
    assert.equal(m1, m2);
    assert.equal(await pool.get('a', bytes, DA2), m1);
    assert.deepEqual(
      (await pool.list()).map((l) => l.id),
      ['a'],
    );
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(await pool.sweep(10), ['a']);
    assert.deepEqual(await pool.list(), []);
    await rejectsWith(m1.run({ pixel_values: image(1, 1) }), 'disposed');
    const m3 = await pool.get('a', bytes, DA2);
    assert.notEqual(m3, m1, 'the next use reloads it');
    await pool.close();
  });

  it('does not cache a failed load', async () => {
    const pool = new ModelPool({ idleUnloadMs: 0 });
    await rejectsWith(pool.get('b', tinyWrongRank(), DA2), 'signature_mismatch');
    const m = await pool.get('b', tinyDa2Relative(), DA2);
    assert.equal(m.provider, 'cpu');
    await pool.close();
  });
});
