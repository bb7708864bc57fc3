// The real PyDNet++ model on the real RGB-D frames in ../shared/data, through the whole depth
// pipeline (decode → resize → worker inference → resample to full size → NPY artifact). PyDNet is
// relative, so each prediction gets a least-squares scale and shift against the sensor depth before
// AbsRel and δ1 are computed. Skips cleanly where the shared data is absent.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { decodeNpy } from '../../engines/core/npy.js';
import { depthErrors, fitScaleShift } from '../../engines/depth/index.js';
import { openCore, type Core } from '../../main/core/core.js';
import { createDepthEngine, type DepthEngine } from '../../main/engine-host/index.js';
import { loadRgbdFrames, SHARED_DATA } from '../helpers/rgbd.js';
import { tmpDataDir } from '../helpers/server.js';

const MODEL_FILE = path.join(SHARED_DATA, 'depth-model-pydnet', 'pydnet_pp_448x640.onnx');
const MODEL_ID = 'pydnet-pp-448x640-local';
/** Image borders hold known output spikes (PROVENANCE.md) and no sensor depth worth scoring. */
const BORDER = 16;

const skip = fs.existsSync(MODEL_FILE) ? false : `the real model is not here (${MODEL_FILE})`;

describe('PyDNet++ on real RGB-D frames', { skip }, () => {
  let data: ReturnType<typeof tmpDataDir>;
  let core: Core;
  let engine: DepthEngine;

  before(async () => {
    data = tmpDataDir();
    core = openCore({ dataDir: data.dir, researchMode: true });
    await core.models.import(MODEL_FILE, MODEL_ID); // checks the catalogue's SHA-256 on the way in
    engine = createDepthEngine(core, pino({ level: 'silent' }));
  });
  after(async () => {
    await engine.close();
    core.close();
    data.remove();
  });

  it('after a per-image scale and shift, grows with distance and beats a constant-depth guess on average (AbsRel, δ1 reported)', async () => {
    const frames = await loadRgbdFrames();
    assert.ok(frames.length >= 5, `expected the shared RGB-D frames, found ${frames.length}`);
    const rows: string[] = [];
    let sumRel = 0;
    let sumD1 = 0;
    let sumConst = 0;
    let grows = 0;
    for (const f of frames) {
      const r = await engine.depth.estimate({ image: f.image, modelId: MODEL_ID, outputs: ['npy'], ownerKeyId: null });
      assert.equal(r.result.metric, false, 'PyDNet is relative');
      assert.deepEqual([r.image.width, r.image.height], [f.width, f.height]);
      const { file } = core.artifacts.resolve(r.artifacts.npy!.row.id);
      const pred = decodeNpy(new Uint8Array(fs.readFileSync(file))).data as Float32Array;
      const mask = new Uint8Array(f.width * f.height);
      for (let y = BORDER; y < f.height - BORDER; y++)
        for (let x = BORDER; x < f.width - BORDER; x++) {
          const i = y * f.width + x;
          mask[i] = f.depthM[i]! > 0 && Number.isFinite(pred[i]!) ? 1 : 0;
        }
      const fit = fitScaleShift(pred, f.depthM, mask, mask);
      const ours = depthErrors(pred, f.depthM, mask, fit.scale, fit.shift);
      // Baseline: every pixel at the median sensor depth.
      const gt = [...f.depthM.filter((v, i) => mask[i] && v > 0)].sort((a, b) => a - b);
      const median = gt[gt.length >> 1]!;
      const constant = depthErrors(new Float32Array(pred.length).fill(median), f.depthM, mask);
      rows.push(
        `${f.name.padEnd(16)} AbsRel ${ours.absRel.toFixed(3)}  δ1 ${ours.delta1.toFixed(3)}  ` +
          `(constant: ${constant.absRel.toFixed(3)} / ${constant.delta1.toFixed(3)})  scale ${fit.scale.toFixed(3)}  n=${ours.count}`,
      );
      if (fit.scale > 0) grows++;
      sumConst += constant.absRel;
      sumRel += ours.absRel;
      sumD1 += ours.delta1;
    }
    const meanRel = sumRel / frames.length;
    const meanD1 = sumD1 / frames.length;
    const meanConst = sumConst / frames.length;
    rows.push(
      `mean over ${frames.length} frames: AbsRel ${meanRel.toFixed(3)}  δ1 ${meanD1.toFixed(3)}  (constant: AbsRel ${meanConst.toFixed(3)})`,
    );
    console.log(`\nPyDNet++ (relative, per-image scale+shift fit):\n${rows.join('\n')}`);
    assert.ok(
      grows >= frames.length - 1,
      `the output should grow with distance: positive scale on ${grows}/${frames.length}`,
    );
    assert.ok(meanRel < meanConst, `mean AbsRel ${meanRel} is not better than a constant guess (${meanConst})`);
    assert.ok(meanRel < 0.3, `mean AbsRel ${meanRel}`);
    assert.ok(meanD1 > 0.5, `mean δ1 ${meanD1}`);
  });
});
