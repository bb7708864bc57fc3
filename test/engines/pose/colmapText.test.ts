import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { quaternionFromRotation, rotationFromQuaternion, writeColmapText } from '../../../engines/pose/colmapText.js';
import { tmpDataDir } from '../../helpers/server.js';

const rotation = ([w, x, y, z]: number[]) => rotationFromQuaternion(w!, x!, y!, z!);

const unit = (q: number[]) => q.map((v) => v / Math.hypot(...q));

test('quaternionFromRotation inverts the rotation matrix in every branch, with w ≥ 0', () => {
  for (const q of [
    [1, 0, 0, 0],
    [0.1, 0.9, 0.2, 0.1],
    [0.05, 0.1, 0.95, 0.2],
    [0.02, 0.1, 0.2, 0.97],
    [0.7, -0.1, 0.5, 0.3],
  ]) {
    const qn = unit(q);
    const back = quaternionFromRotation(rotation(qn));
    qn.forEach((v, i) => assert.ok(Math.abs(v - back[i]!) < 1e-12, `${qn} → ${back}`));
  }
  const flipped = quaternionFromRotation(rotation(unit([-0.3, 0.5, 0.2, 0.1])));
  assert.ok(flipped[0] > 0);
});

const colmap = spawnSync('colmap', ['-h'], { encoding: 'utf8' }).status === 0;

test(
  'COLMAP reads the text export back (model_converter TXT → BIN → TXT) with the same poses and points',
  { skip: colmap ? false : 'colmap is not installed (apt install colmap)' },
  () => {
    const d = tmpDataDir();
    try {
      const qs = [unit([1, 0.02, -0.01, 0.03]), unit([0.98, 0.1, 0.05, -0.02]), unit([0.95, -0.2, 0.1, 0.05])];
      const model = {
        cameras: [
          { id: 1, width: 640, height: 480, model: 'PINHOLE' as const, params: [525.5, 526.25, 320.5, 240.25] },
        ],
        images: qs.map((q, i) => ({
          id: i + 1,
          cameraId: 1,
          name: `frame_${String(i).padStart(4, '0')}.png`,
          R: rotation(q),
          t: [0.1 * i, -0.05 * i, 0.3 + 0.01 * i],
          points2d: { xy: [100.25 + i, 200.5, 300.75, 150.125 + i], point3dIds: [1, 2] },
        })),
        points: [
          { id: 1, xyz: [0.1, 0.2, 2.5], rgb: [255, 128, 0], error: 0.42, track: [1, 0, 2, 0, 3, 0] },
          { id: 2, xyz: [-0.3, 0.1, 3.25], rgb: [10, 20, 30], error: 0.5, track: [1, 1, 2, 1, 3, 1] },
        ],
      };
      assert.throws(
        () => writeColmapText({ ...model, images: [{ ...model.images[0]!, name: 'with space.png' }] }),
        /whitespace/,
      );
      const files = writeColmapText(model);
      const txt = path.join(d.dir, 'txt');
      const bin = path.join(d.dir, 'bin');
      const back = path.join(d.dir, 'back');
      for (const dir of [txt, bin, back]) fs.mkdirSync(dir);
      for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(txt, name), content);
      for (const [from, to, type] of [
        [txt, bin, 'BIN'],
        [bin, back, 'TXT'],
      ] as const) {
        const r = spawnSync(
          'colmap',
          ['model_converter', '--input_path', from, '--output_path', to, '--output_type', type],
          { encoding: 'utf8' },
        );
        assert.equal(r.status, 0, r.stderr + r.stdout);
      }
      const lines = (f: string) =>
        fs
          .readFileSync(path.join(back, f), 'utf8')
          .split('\n')
          .filter((l) => l && !l.startsWith('#'));
      assert.deepEqual(
        lines('cameras.txt').map((l) => l.split(' ').slice(0, 4)),
        [['1', 'PINHOLE', '640', '480']],
      );
      const imageLines = lines('images.txt');
      assert.equal(imageLines.length, 6);
      for (let i = 0; i < 3; i++) {
        const f = imageLines[2 * i]!.split(' ');
        const q = f.slice(1, 5).map(Number);
        qs[i]!.forEach((v, k) => assert.ok(Math.abs(v - q[k]!) < 1e-9, `image ${i + 1} q`));
        assert.equal(f[9], `frame_${String(i).padStart(4, '0')}.png`);
        assert.equal(imageLines[2 * i + 1]!.split(' ').length, 6);
      }
      const pts = lines('points3D.txt').map((l) => l.split(' ').map(Number));
      assert.deepEqual(
        pts.map((p) => p.slice(0, 7)),
        [
          [1, 0.1, 0.2, 2.5, 255, 128, 0],
          [2, -0.3, 0.1, 3.25, 10, 20, 30],
        ],
      );
    } finally {
      d.remove();
    }
  },
);
