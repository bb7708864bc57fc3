import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { floorSheetBoxScene, rectCornersW } from '../fixtures/scenes.js';
import { tmpDataDir } from '../helpers/server.js';
import { runBuiltCli } from '../helpers/cli.js';

const cli = (args: string[], env: Record<string, string>) => runBuiltCli(args, env);

describe('spatialforge measure', () => {
  const d = tmpDataDir();
  const env = { SPATIALFORGE_DATA_DIR: path.join(d.dir, 'data') };
  const { scene, sheet } = floorSheetBoxScene({ width: 640, height: 480, focalPx: 560 });
  const photo = path.join(d.dir, 'scene.png');
  const corners = rectCornersW(sheet).flatMap((c) => scene.project(c));
  const K = [scene.K.fx, scene.K.fy, scene.K.cx, scene.K.cy].join(',');
  // The sheet's top-left and bottom-right corners: the A4 diagonal, 0.3639 m.
  const tl = scene.project(rectCornersW(sheet)[0]);
  const br = scene.project(rectCornersW(sheet)[2]);
  const base = ['measure', photo, '--reference', 'a4', '--corners', corners.join(','), '--K', K];

  before(async () => {
    await sharp(Buffer.from(scene.rgb), { raw: { width: 640, height: 480, channels: 3 } })
      .png()
      .toFile(photo);
  });
  after(() => d.remove());

  it('prints the distance with its uncertainty, and JSON with --json', () => {
    const r = cli([...base, '--from', tl.join(','), '--to', br.join(',')], env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^36\.4 cm ± \d+\.\d cm \(1σ\)/);
    assert.match(r.out, /scale\s+reference_plane/);
    const j = cli([...base, '--from', tl.join(','), '--to', br.join(','), '--json'], env);
    const body = JSON.parse(j.out);
    assert.ok(Math.abs(body.distance_m - Math.hypot(0.21, 0.297)) < 1e-6, String(body.distance_m));
  });

  it('exits 2 for malformed options and 1 for an impossible measurement, with the reason', () => {
    const noTo = cli(['measure', photo, '--from', '1,1'], env);
    assert.equal(noTo.code, 2);
    assert.match(noTo.err, /--to/);
    const noCorners = cli(['measure', photo, '--from', '1,1', '--to', '9,9', '--reference', 'a4'], env);
    assert.equal(noCorners.code, 2);
    assert.match(noCorners.err, /needs reference_corners/);
    const outside = cli([...base, '--from', '700,10', '--to', '100,100'], env);
    assert.equal(outside.code, 1);
    assert.match(outside.err, /outside the 640×480 image \(point_outside\)/);
  });
});
