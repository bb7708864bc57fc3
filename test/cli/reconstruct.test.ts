import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBuiltCli } from '../helpers/cli.js';
import { SHARED_DATA } from '../helpers/rgbd.js';
import { hasFfmpeg, roomWalkVideo } from '../helpers/roomVideo.js';
import { tmpDataDir } from '../helpers/server.js';

const PYDNET = path.join(SHARED_DATA, 'depth-model-pydnet', 'pydnet_pp_448x640.onnx');
const cli = (args: string[], env: Record<string, string>) => runBuiltCli(args, env, 240_000);

describe('spatialforge reconstruct', () => {
  const d = tmpDataDir();
  const env = { SPATIALFORGE_DATA_DIR: path.join(d.dir, 'data'), SPATIALFORGE_RESEARCH_MODE: '1' };
  after(() => d.remove());

  it('says what to install when no depth model is, and checks its options', () => {
    const none = cli(['reconstruct', path.join(d.dir, 'missing.mp4')], env);
    assert.equal(none.code, 1);
    assert.match(none.err, /cannot read .*missing\.mp4/);
    const file = path.join(d.dir, 'x.mp4');
    fs.writeFileSync(file, 'x');
    const noModel = cli(['reconstruct', file], env);
    assert.equal(noModel.code, 1);
    assert.match(noModel.err, /no depth model is installed.*models pull/);
    const half = cli(['reconstruct', file, '--known-length', '1'], env);
    assert.equal(half.code, 2, 'a usage error');
    assert.match(half.err, /--known-length, --known-frame, --known-from and --known-to together/);
    const rect = cli(['reconstruct', file, '--known-rect', 'a4', '--known-frame', '0'], env);
    assert.equal(rect.code, 2);
    assert.match(rect.err, /--known-rect, --known-rect-corners and --known-frame together/);
    const corners = cli(
      ['reconstruct', file, '--known-rect', 'card', '--known-frame', '0', '--known-rect-corners', '1,2,3'],
      env,
    );
    assert.equal(corners.code, 2);
    assert.match(corners.err, /--known-rect-corners must be "x1,y1,x2,y2,x3,y3,x4,y4"/);
    const custom = cli(
      ['reconstruct', file, '--known-rect', 'custom', '--known-frame', '0', '--known-rect-corners', '1,1,9,1,9,9,1,9'],
      env,
    );
    assert.equal(custom.code, 2);
    assert.match(custom.err, /--known-rect custom needs --known-rect-size/);
    const both = cli(
      [
        'reconstruct',
        file,
        '--known-rect',
        'a4',
        '--known-rect-corners',
        '1,1,9,1,9,9,1,9',
        '--known-frame',
        '0',
        '--known-length',
        '1',
      ],
      env,
    );
    assert.equal(both.code, 2);
    assert.match(both.err, /either a known length or a known rectangle/);
    const rectOk = cli(
      ['reconstruct', file, '--known-rect', 'a4', '--known-frame', '0', '--known-rect-corners', '1,1,9,1,9,9,1,9'],
      env,
    );
    assert.equal(rectOk.code, 1, 'valid rectangle options get as far as the missing model');
    assert.match(rectOk.err, /no depth model is installed/);
    const preset = cli(['reconstruct', file, '--preset', 'ultra'], env);
    assert.notEqual(preset.code, 0);
    assert.match(preset.err, /Allowed choices are draft, standard, high/);
  });

  describe(
    'with the real depth model',
    {
      skip: !hasFfmpeg()
        ? 'ffmpeg is not installed'
        : !fs.existsSync(PYDNET)
          ? `no real depth model (${PYDNET})`
          : false,
    },
    () => {
      let video: string;
      before(async () => {
        video = (await roomWalkVideo(d.dir, { count: 24, turnRad: 1.2, width: 320, height: 240, focalPx: 260, fps: 2 }))
          .file;
        const imp = cli(['models', 'import', PYDNET, '--as', 'pydnet-pp-448x640-local'], env);
        assert.equal(imp.code, 0, imp.err);
      });

      it('runs the job with progress and writes the cloud, the mesh and the COLMAP model', () => {
        const out = path.join(d.dir, 'out');
        const r = cli(['reconstruct', video, '--preset', 'draft', '--focal-px', '260', '--out', out, '--json'], env);
        assert.equal(r.code, 0, r.err);
        assert.match(r.err, /\d+%\s+(frames|poses|depth|fusion)/, 'progress lines on stderr');
        const result = JSON.parse(r.out) as {
          job: string;
          points: number;
          scale: { kind: string };
          files: Record<string, string>;
        };
        assert.match(result.job, /^job_[0-9a-f]{24}$/);
        assert.equal(result.scale.kind, 'relative');
        assert.ok(result.points > 1000, `${result.points} points`);
        assert.deepEqual(fs.readdirSync(out).sort(), [
          'cameras.txt',
          'images.txt',
          'mesh.ply',
          'points.ply',
          'points3D.txt',
        ]);
        assert.equal(fs.readFileSync(path.join(out, 'mesh.ply')).subarray(0, 4).toString(), 'ply\n');
        const show = cli(['jobs', 'show', result.job], env);
        assert.match(show.out, /succeeded/);
      });
    },
  );
});
