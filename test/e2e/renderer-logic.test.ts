// The renderer's pure logic, tested without a browser: the event-stream parser the live views
// read, the time-left estimate, the camera frusta of the 3-D view, the reconstruction result's
// schema and the point-cloud stand-in. (Kept beside the browser tests it supports.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BufferGeometry, Float32BufferAttribute } from 'three';
import { addSample, formatRemaining, remainingMs, type ProgressSample } from '../../renderer/src/app/eta.js';
import { formatBytes } from '../../renderer/src/app/format.js';
import { SseParser } from '../../renderer/src/app/sse.js';
import {
  cameraLines,
  frustumSize,
  robustBounds,
  SEGMENTS_PER_CAMERA,
} from '../../renderer/src/features/reconstruct/cameraPath.js';
import { labelOffsets } from '../../renderer/src/features/measure/labels.js';
import { parseReconstructResult } from '../../renderer/src/features/reconstruct/reconstructResult.js';
import { decimateCloud, HARDWARE_BUDGET, SOFTWARE_BUDGET } from '../../renderer/src/view3d/decimate.js';

describe('SseParser', () => {
  test('reads events however the stream is cut into chunks', () => {
    const text = ': job events\n\nevent: progress\ndata: {"p":0.5}\n\n: keep-alive\n\nevent: done\ndata: {"p":1}\n\n';
    for (let cut = 1; cut < text.length; cut += 3) {
      const p = new SseParser();
      const events = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      assert.deepEqual(events, [
        { event: 'progress', data: '{"p":0.5}' },
        { event: 'done', data: '{"p":1}' },
      ]);
    }
  });

  test('CRLF and CR line ends (a CR at the end of one chunk, its LF at the start of the next), multi-line data, default name', () => {
    const p = new SseParser();
    assert.deepEqual(p.push('data: a\r\ndata:b\r'), []);
    assert.deepEqual(p.push('\n\r\n'), [{ event: 'message', data: 'a\nb' }]);
    assert.deepEqual(p.push('event: x\rdata: 1\r\r'), [{ event: 'x', data: '1' }]);
    assert.deepEqual(p.push('event: empty\n\n'), [], 'an event without data is not dispatched');
  });
});

describe('time left', () => {
  test('steady progress gives the true remaining time; too little to go on gives null', () => {
    const s: ProgressSample[] = [];
    addSample(s, 500, 0.005);
    assert.equal(remainingMs(s, 500), null, 'under 1 %');
    for (let t = 1000; t <= 10_000; t += 1000) addSample(s, t, t / 100_000); // 1 % a second
    const left = remainingMs(s, 10_000)!;
    assert.ok(Math.abs(left - 90_000) < 1, `${left}`);
    assert.ok(Math.abs(remainingMs(s, 12_000)! - 88_000) < 1, 'time since the last reading counts as spent');
    assert.equal(formatRemaining(left), 'about 2 min left');
    assert.equal(formatRemaining(42_000), 'about 42 s left');
    assert.equal(formatRemaining(500), 'almost done');
    assert.equal(formatRemaining(null), '');
  });

  test('a retry that restarts its progress starts the estimate over; one reading uses the start time', () => {
    const s: ProgressSample[] = [];
    addSample(s, 0, 0.2);
    addSample(s, 2000, 0.4);
    addSample(s, 3000, 0.05);
    assert.equal(s.length, 1);
    assert.equal(remainingMs(s, 3000), null);
    assert.ok(Math.abs(remainingMs(s, 3000, 2000)! - 19_000) < 1, '5 % in 1 s since it started → 19 s');
  });

  test('old readings leave the window, so the rate follows the current stage', () => {
    const s: ProgressSample[] = [];
    for (let t = 0; t <= 60_000; t += 1000) addSample(s, t, t < 30_000 ? t / 300_000 : 0.1 + (t - 30_000) / 60_000);
    const left = remainingMs(s, 60_000)!; // now 1 % every 600 ms, 40 % to go
    assert.ok(Math.abs(left - 24_000) < 1, `${left}`);
  });
});

/** Rounded to 1e-6 with −0 as 0, for exact comparison of computed coordinates. */
const r6 = (a: ArrayLike<number>) => Array.from(a, (v) => Math.round(v * 1e6) / 1e6 + 0);

describe('cameraLines', () => {
  const K = { fx: 100, fy: 100, cx: 50, cy: 40 };
  const I = [1, 0, 0, 0, 1, 0, 0, 0, 1];

  test('a camera at the origin looks down −z in the viewer frame; its frustum reaches depth `size`', () => {
    const out = cameraLines([{ camFromWorld: { R: I, t: [0, 0, 0] } }], K, 100, 80, 2);
    assert.equal(out.posed, 1);
    assert.equal(out.positions.length, SEGMENTS_PER_CAMERA * 6);
    assert.deepEqual(r6(out.positions.slice(0, 3)), [0, 0, 0], 'first vertex: the centre');
    // Second vertex: the top-left corner, pixel (0, 0) → x = −cx/fx·d, y (down) = −cy/fy·d → up in the viewer.
    assert.deepEqual(r6(out.positions.slice(3, 6)), [-1, 0.8, -2]);
  });

  test('centres are −Rᵀt, unposed frames are skipped, consecutive centres are joined', () => {
    // Turned 90° about y (x_cam = z_world) and moved.
    const R = [0, 0, -1, 0, 1, 0, 1, 0, 0];
    const t = [1, 2, 3];
    const out = cameraLines(
      [{ camFromWorld: { R: I, t: [0, 0, 0] } }, { camFromWorld: null }, { camFromWorld: { R, t } }],
      K,
      100,
      80,
      1,
    );
    assert.equal(out.posed, 2);
    // C = −Rᵀt = −(R[0]t0+R[3]t1+R[6]t2, …) = (−3, −2, 1) in the core's world → (−3, 2, −1) in the viewer's.
    assert.deepEqual(r6(out.centres.slice(3, 6)), [-3, 2, -1]);
    assert.equal(out.positions.length, (2 * SEGMENTS_PER_CAMERA + 1) * 6, 'one path segment');
    const path = out.positions.slice(-6);
    assert.deepEqual(r6(path), [0, 0, 0, -3, 2, -1]);
    // Colours run from the first camera's to the last camera's.
    assert.notDeepEqual(
      [...out.colors.slice(0, 3)],
      [...out.colors.slice(SEGMENTS_PER_CAMERA * 6, SEGMENTS_PER_CAMERA * 6 + 3)],
    );
  });

  test('frustum size follows the spacing of the cameras, with a floor from the scene size', () => {
    const centres = new Float32Array([0, 0, 0, 0.1, 0, 0, 0.2, 0, 0, 0.3, 0, 0]);
    assert.ok(Math.abs(frustumSize(centres, 1) - 0.15) < 1e-6);
    assert.ok(Math.abs(frustumSize(centres, 100) - 2) < 1e-6);
    assert.equal(frustumSize(new Float32Array(0), 0), 0.1);
  });
});

test('robustBounds frames the bulk of a cloud, not its far outliers', () => {
  const n = 1000;
  const pos = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const far = i % 50 === 0; // 2 % outliers 1000 units away
    pos[i * 3] = far ? 1000 : (i % 10) / 10;
    pos[i * 3 + 1] = far ? 1000 : Math.floor(i / 10) / 100;
    pos[i * 3 + 2] = 5;
  }
  const b = robustBounds(pos)!;
  assert.ok(
    Math.abs(b.centre[0] - 0.5) < 0.11 && Math.abs(b.centre[1] - 0.5) < 0.02 && b.centre[2] === 5,
    `${b.centre}`,
  );
  assert.ok(b.radius > 0.3 && b.radius < 1, `radius ${b.radius}`);
  assert.equal(robustBounds(new Float32Array(0)), null);
});

describe('reconstruction result', () => {
  const ref = {
    id: 'art_000000000000000000000001',
    url: '/v1/artifacts/art_000000000000000000000001?sig=x&exp=1',
    expires_at: '2030-01-01T00:00:00.000Z',
    bytes: 10,
    content_type: 'application/octet-stream',
    filename: 'points.ply',
  };
  const result = {
    preset: 'draft',
    scale: { kind: 'relative', source: 'none', note: 'no metric depth model' },
    frames: { total: 30, keyframes: 12, posed: 12, fused: 11 },
    points: 1000,
    mesh: { vertices: 500, faces: 900 },
    bounds: { min: [0, 0, 0], max: [1, 1, 1] },
    voxel_size_m: 0.02,
    cameras: [
      { index: 0, time_s: 0, keyframe: true, cam_from_world: { R: [1, 0, 0, 0, 1, 0, 0, 0, 1], t: [0, 0, 0] } },
    ],
    intrinsics: { fx: 300, fy: 300, cx: 160, cy: 120, source: 'explicit' },
    depth_model: { id: 'pydnet-pp-448x640-local', provider: 'cpu' },
    memory: { peak_rss_mib: 500, tsdf_mib: 5 },
    artifacts: { points_ply: ref, cameras_txt: { ...ref, filename: 'cameras.txt' } },
    timings_ms: { poses: 1000, depth: 100, fusion: 100, mesh: 20, write: 14, total: 1234 },
  };

  test('the agreed shape parses; extra fields are tolerated', () => {
    const r = parseReconstructResult({ ...result, extra: true });
    assert.equal(r.preset, 'draft');
    assert.equal(r.artifacts.points_ply?.filename, 'points.ply');
  });

  test('a different shape says where it differs and what to do', () => {
    assert.throws(
      () =>
        parseReconstructResult({
          ...result,
          cameras: [{ index: 0, time_s: null, keyframe: false, cam_from_world: { R: [1], t: [0, 0, 0] } }],
        }),
      /cameras\.0\.cam_from_world\.R.*Update SpatialForge/,
    );
    assert.throws(() => parseReconstructResult(null), /not in the form this app reads/);
  });
});

describe('point-cloud stand-in', () => {
  const cloud = (n: number) => {
    const g = new BufferGeometry();
    const pos = new Float32Array(n * 3);
    for (let i = 0; i < pos.length; i++) pos[i] = i;
    g.setAttribute('position', new Float32BufferAttribute(pos, 3));
    g.setAttribute('color', new Float32BufferAttribute(new Float32Array(n * 3).fill(0.5), 3));
    return g;
  };

  test('keeps every k-th point (and its colour) to about the budget; small clouds get none', () => {
    assert.equal(decimateCloud(cloud(100_000), SOFTWARE_BUDGET), null);
    const lod = decimateCloud(cloud(1_000_000), SOFTWARE_BUDGET)!;
    const m = lod.getAttribute('position').count;
    assert.ok(m <= SOFTWARE_BUDGET.points && m > SOFTWARE_BUDGET.points * 0.9, `${m}`);
    const k = Math.ceil(1_000_000 / SOFTWARE_BUDGET.points);
    assert.deepEqual(
      [...(lod.getAttribute('position').array as Float32Array).slice(3, 6)],
      [k * 3, k * 3 + 1, k * 3 + 2],
    );
    assert.equal(lod.getAttribute('color').count, m);
    assert.equal(decimateCloud(cloud(3_000_000), HARDWARE_BUDGET), null, 'a GPU draws 3M points whole');
  });
});

test('formatBytes', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(99_060_839), '94.5 MiB');
  assert.equal(formatBytes(null), '—');
});

describe('labelOffsets (measure overlay)', () => {
  test('labels far apart stay put; overlapping ones move by whole label heights until clear', () => {
    const box = (x: number, y: number) => ({ x, y, width: 100, height: 20 });
    assert.deepEqual(labelOffsets([box(0, 100), box(300, 100)]), [0, 0]);
    const three = [box(0, 100), box(30, 105), box(10, 98)];
    const dy = labelOffsets(three);
    assert.equal(dy[0], 0);
    const ys = three.map((b, i) => b.y + dy[i]!);
    for (let i = 0; i < 3; i++)
      for (let j = i + 1; j < 3; j++) {
        const overlapX = Math.abs(three[i]!.x - three[j]!.x) < 100;
        assert.ok(!overlapX || Math.abs(ys[i]! - ys[j]!) >= 20, `labels ${i} and ${j} overlap: ${ys}`);
      }
    assert.ok(
      dy.every((d) => Math.abs(d) <= 40),
      `moved no further than needed: ${dy}`,
    );
  });
});
