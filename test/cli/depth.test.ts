import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeNpy } from '../../engines/core/npy.js';
import { installTiny, tinyModelSet } from '../helpers/depthModels.js';
import { tmpDataDir } from '../helpers/server.js';
import { openCore } from '../../main/core/core.js';
import { runBuiltCli } from '../helpers/cli.js';

const cli = (args: string[], env: Record<string, string>) => runBuiltCli(args, env);

describe('spatialforge depth', () => {
  const d = tmpDataDir();
  const set = tinyModelSet();
  const manifestFile = path.join(d.dir, 'manifest.json');
  const env = { SPATIALFORGE_MODEL_MANIFEST: manifestFile, SPATIALFORGE_DATA_DIR: path.join(d.dir, 'data') };
  const photo = path.join(d.dir, 'desk photo.png');

  before(async () => {
    fs.writeFileSync(manifestFile, JSON.stringify(set.manifest));
    const core = openCore({ dataDir: env.SPATIALFORGE_DATA_DIR, modelManifest: set.manifest });
    try {
      await installTiny(core, set, ['tiny-metric3d']);
    } finally {
      core.close();
    }
    const colour = Buffer.alloc(64 * 48 * 3, 20);
    await sharp(colour, { raw: { width: 64, height: 48, channels: 3 } })
      .png()
      .toFile(photo);
  });
  after(() => d.remove());

  it('writes the requested files and prints what the numbers mean', () => {
    const out = path.join(d.dir, 'out');
    const r = cli(['depth', photo, '--focal-px', '80', '--out', out, '--outputs', 'npy,png16'], env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /model\s+tiny-metric3d/);
    assert.match(r.out, /metric, metres/);
    assert.match(r.out, /80\.0 px \(explicit/);
    assert.deepEqual(fs.readdirSync(out).sort(), ['desk_photo.depth-mm.png', 'desk_photo.depth.npy']);
    const npy = decodeNpy(new Uint8Array(fs.readFileSync(path.join(out, 'desk_photo.depth.npy'))));
    assert.deepEqual(npy.shape, [48, 64]);
    // tiny Metric3D: out = 0.5·20 + 0.25·20 + 0.125·20 + 0.1 (raw 0..255 input), × focal at model size / 1000.
    // 64×48 → 518×392 (the width needs the smaller change; 388.5 rounds to 28·14).
    const fModel = 0.5 * ((80 * 518) / 64 + (80 * 392) / 48);
    const expected = ((0.875 * 20 + 0.1) * fModel) / 1000;
    const v = (npy.data as Float32Array)[24 * 64 + 32]!;
    assert.ok(Math.abs(v - expected) < 1e-4 * expected, `${v} vs ${expected}`);
  });

  it('prints JSON with --json', () => {
    const r = cli(['depth', photo, '--out', path.join(d.dir, 'json'), '--outputs', 'npy', '--json'], env);
    assert.equal(r.code, 0, r.err);
    const body = JSON.parse(r.out);
    assert.equal(body.model, 'tiny-metric3d');
    assert.equal(body.intrinsics.source, 'heuristic');
    assert.ok(fs.existsSync(body.files.npy));
  });

  it('fails with a clear message and exit code for bad input', () => {
    const missing = cli(['depth', path.join(d.dir, 'nope.jpg')], env);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot read .*nope\.jpg: ENOENT/);
    const text = path.join(d.dir, 'notes.txt');
    fs.writeFileSync(text, 'not a photo');
    const notImage = cli(['depth', text, '--out', path.join(d.dir, 'x')], env);
    assert.equal(notImage.code, 1);
    assert.match(notImage.err, /unsupported_media_type/);
    const badOutput = cli(['depth', photo, '--outputs', 'obj'], env);
    assert.equal(badOutput.code, 2);
    assert.match(badOutput.err, /unknown output "obj"/);
    const noModel = cli(
      ['depth', photo, '--model', 'depth-anything-v2-small-fp32', '--out', path.join(d.dir, 'y')],
      env,
    );
    assert.equal(noModel.code, 1);
    assert.match(noModel.err, /not installed; install it with: spatialforge models pull depth-anything-v2-small-fp32/);
  });
});
