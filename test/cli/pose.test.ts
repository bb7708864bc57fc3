import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { renderRoomCorner, roomCornerCameras } from '../fixtures/poseScenes.js';
import { tmpDataDir } from '../helpers/server.js';
import { runBuiltCli } from '../helpers/cli.js';

const cli = (args: string[], env: Record<string, string>) => runBuiltCli(args, env, 120_000);

const FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0;

describe('spatialforge pose', () => {
  const d = tmpDataDir();
  const env = { SPATIALFORGE_DATA_DIR: path.join(d.dir, 'data') };
  const photos: string[] = [];
  const K = { fx: 300, fy: 300, cx: 160, cy: 120 };

  before(async () => {
    for (const [i, cam] of roomCornerCameras(8).entries()) {
      const file = path.join(d.dir, `view ${i}.png`);
      await sharp(renderRoomCorner(K, 320, 240, cam), { raw: { width: 320, height: 240, channels: 3 } })
        .png()
        .toFile(file);
      photos.push(file);
    }
  });
  after(() => d.remove());

  it('writes the COLMAP model and the PLY and prints a summary', () => {
    const out = path.join(d.dir, 'out');
    const r = cli(['pose', ...photos, '--focal-px', '300', '--out', out], env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /registered\s+[78]\/8 frames/);
    assert.match(r.out, /focal\s+300\.0 px \(explicit/);
    assert.match(r.out, /reprojection rms \d+\.\d+ px/);
    assert.deepEqual(fs.readdirSync(out).sort(), ['cameras.txt', 'images.txt', 'points.ply', 'points3D.txt']);
    assert.match(fs.readFileSync(path.join(out, 'images.txt'), 'utf8'), / view_0\.png\n/);
  });

  it('prints JSON with --json', () => {
    const r = cli(['pose', ...photos.slice(0, 5), '--json', '--out', path.join(d.dir, 'json')], env);
    assert.equal(r.code, 0, r.err);
    const body = JSON.parse(r.out);
    assert.equal(body.total, 5);
    assert.equal(body.frames.length, 5);
    assert.ok(['estimated', 'heuristic'].includes(body.intrinsics.source));
    assert.ok(fs.existsSync(body.files['points.ply']));
  });

  it('reads a video file in place', { skip: FFMPEG ? false : 'ffmpeg is not installed' }, () => {
    const video = path.join(d.dir, 'walk.mp4');
    const frames = path.join(d.dir, 'view %d.png');
    const enc = spawnSync('ffmpeg', [
      '-v',
      'error',
      '-framerate',
      '4',
      '-i',
      frames,
      '-c:v',
      'libx264',
      '-crf',
      '12',
      video,
    ]);
    assert.equal(enc.status, 0, String(enc.stderr));
    const r = cli(['pose', video, '--fps', '4', '--focal-px', '300', '--out', path.join(d.dir, 'video')], env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /input\s+video 320×240, 8 frames at 4 fps/);
    assert.match(fs.readFileSync(path.join(d.dir, 'video', 'images.txt'), 'utf8'), /frame_000000\.png/);
  });

  it('fails with a clear message and exit code for bad input', () => {
    const missing = cli(['pose', path.join(d.dir, 'nope.mp4')], env);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot read .*nope\.mp4: ENOENT/);
    const one = cli(['pose', photos[0]!, '--out', path.join(d.dir, 'x')], env);
    assert.equal(one.code, 1);
    assert.match(one.err, /at least two images/);
    const over = cli(['pose', ...photos, '--max-frames', '61', '--out', path.join(d.dir, 'y')], env);
    assert.equal(over.code, 1);
    assert.match(over.err, /limit of 60 frames/);
    const bad = cli(['pose', ...photos, '--max-frames', 'many'], env);
    assert.equal(bad.code, 2);
  });
});
