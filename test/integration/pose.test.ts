import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { decodePly } from '../../engines/core/ply.js';
import { relativeRotationDeg, renderRoomCorner, roomCornerCameras } from '../fixtures/poseScenes.js';
import { request } from '../helpers/http.js';
import { startTestServer, tmpDataDir, type TestServer } from '../helpers/server.js';

const has = (bin: string, arg: string) => spawnSync(bin, [arg], { encoding: 'utf8' }).status === 0;
const FFMPEG = has('ffmpeg', '-version') && has('ffprobe', '-version');
const COLMAP = has('colmap', '-h');

const W = 320;
const H = 240;
const F = 300;
const K = { fx: F, fy: F, cx: W / 2, cy: H / 2 };
const CAMS = roomCornerCameras(8);

interface Ref {
  url: string;
  filename: string;
  bytes: number;
}
interface PoseBody {
  input: { kind: string; frames: number; width: number; height: number; video: { fps_sampled: number } | null };
  frames: {
    index: number;
    name: string;
    registered: boolean;
    reason: string | null;
    time_s: number | null;
    cam_from_world: { R: number[]; t: number[] } | null;
  }[];
  registered: number;
  total: number;
  intrinsics: { fx: number; fy: number; cx: number; cy: number; source: string; initial_fx: number };
  points: number;
  rms_reprojection_px: number | null;
  reprojection_px: { observations: number; median: number | null };
  artifacts: Partial<Record<'cameras_txt' | 'images_txt' | 'points3d_txt' | 'ply', Ref>>;
  frame_convention: string;
  error?: { code: string; message: string; details?: unknown };
}

describe('POST /v1/pose', () => {
  let s: TestServer;
  let key: string;
  const d = tmpDataDir('sf-pose-');
  const pngs: Buffer[] = [];
  const rgbs: Uint8Array[] = [];

  async function post(files: { field: string; data: Buffer; name: string }[], fields: Record<string, string> = {}) {
    const form = new FormData();
    for (const f of files) form.append(f.field, new Blob([f.data]), f.name);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const res = await fetch(`${s.url}/v1/pose`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
    return { status: res.status, body: (await res.json()) as PoseBody };
  }
  const images = (list = pngs) => list.map((data, i) => ({ field: 'images', data, name: `view ${i}.png` }));
  async function download(ref: Ref | undefined): Promise<Buffer> {
    assert.ok(ref, 'artifact present');
    const res = await fetch(s.url + ref.url);
    assert.equal(res.status, 200);
    return Buffer.from(await res.arrayBuffer());
  }
  /** Median angle error of the relative rotations between every pair of registered frames. */
  function rotationError(body: PoseBody, truth: typeof CAMS): number {
    const errs: number[] = [];
    const reg = body.frames.filter((f) => f.cam_from_world);
    for (let a = 0; a < reg.length; a++)
      for (let b = a + 1; b < reg.length; b++) {
        const fa = reg[a]!;
        const fb = reg[b]!;
        errs.push(
          relativeRotationDeg(fa.cam_from_world!.R, fb.cam_from_world!.R, truth[fa.index]!.R, truth[fb.index]!.R),
        );
      }
    errs.sort((x, y) => x - y);
    return errs[errs.length >> 1]!;
  }

  before(async () => {
    s = await startTestServer();
    key = s.key('pro');
    for (const cam of CAMS) {
      const rgb = renderRoomCorner(K, W, H, cam);
      rgbs.push(rgb);
      pngs.push(
        await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
          .png()
          .toBuffer(),
      );
    }
  });
  after(async () => {
    await s.close();
    d.remove();
  });

  it('recovers the poses of rendered views with a given focal length, and says how to read them', async () => {
    const r = await post(images(), { focal_px: String(F) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.input.kind, 'images');
    assert.deepEqual([r.body.input.width, r.body.input.height, r.body.total], [W, H, CAMS.length]);
    assert.ok(r.body.registered >= CAMS.length - 1, `registered ${r.body.registered}/${r.body.total}`);
    assert.equal(r.body.intrinsics.source, 'explicit');
    assert.ok(Math.abs(r.body.intrinsics.fx - F) < 1e-6);
    const rot = rotationError(r.body, CAMS);
    assert.ok(rot < 1, `median relative rotation error ${rot}°`);
    assert.ok(r.body.points > 50, `${r.body.points} points`);
    assert.ok(r.body.rms_reprojection_px !== null && r.body.rms_reprojection_px < 1.5);
    assert.match(r.body.frame_convention, /x_cam = R·x_world \+ t/);
    assert.equal(r.body.frames[0]!.name, 'view_0.png', 'whitespace-free names');
    for (const f of r.body.frames) assert.equal(f.registered, f.reason === null);
    const ply = decodePly(new Uint8Array(await download(r.body.artifacts.ply)));
    assert.equal(ply.count, r.body.points);
    assert.ok(ply.colors, 'coloured points');
    const imagesTxt = (await download(r.body.artifacts.images_txt)).toString('utf8');
    assert.match(imagesTxt, /# Number of images: \d+/);
    assert.match(imagesTxt, / view_0\.png\n/);
  });

  it('estimates the focal length when none is given (a guess refined by bundle adjustment)', async () => {
    const r = await post(images());
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.registered >= CAMS.length - 1, `registered ${r.body.registered}/${r.body.total}`);
    assert.equal(r.body.intrinsics.source, 'estimated');
    assert.notEqual(r.body.intrinsics.fx, r.body.intrinsics.initial_fx);
    // Refined towards the true 300 px from a 26 mm-equivalent guess (~ 0.75·width).
    assert.ok(
      Math.abs(r.body.intrinsics.fx - F) < Math.abs(r.body.intrinsics.initial_fx - F),
      `fx ${r.body.intrinsics.fx}, from ${r.body.intrinsics.initial_fx}`,
    );
  });

  it(
    'writes a COLMAP text model that COLMAP itself reads',
    { skip: COLMAP ? false : 'colmap is not installed' },
    async () => {
      const r = await post(images(), { focal_px: String(F), outputs: 'colmap' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(Object.keys(r.body.artifacts).sort(), ['cameras_txt', 'images_txt', 'points3d_txt']);
      const txt = path.join(d.dir, 'txt');
      const bin = path.join(d.dir, 'bin');
      fs.mkdirSync(txt);
      fs.mkdirSync(bin);
      for (const [k, name] of [
        ['cameras_txt', 'cameras.txt'],
        ['images_txt', 'images.txt'],
        ['points3d_txt', 'points3D.txt'],
      ] as const)
        fs.writeFileSync(path.join(txt, name), await download(r.body.artifacts[k]));
      const conv = spawnSync(
        'colmap',
        ['model_converter', '--input_path', txt, '--output_path', bin, '--output_type', 'BIN'],
        { encoding: 'utf8' },
      );
      assert.equal(conv.status, 0, conv.stderr);
      const an = spawnSync('colmap', ['model_analyzer', '--path', bin], { encoding: 'utf8' });
      assert.equal(an.status, 0, an.stderr);
      const out = an.stdout + an.stderr;
      assert.match(out, new RegExp(`Registered images: ${r.body.registered}\\b`));
      assert.match(out, new RegExp(`Points: ${r.body.points}\\b`));
    },
  );

  it(
    'reads a video: frames sampled at fps, named frame_NNNNNN.png',
    { skip: FFMPEG ? false : 'ffmpeg is not installed' },
    async () => {
      // The rendered views as a 4 fps video, sampled back at 4 fps.
      const dir = path.join(d.dir, 'frames');
      fs.mkdirSync(dir);
      pngs.forEach((p, i) => fs.writeFileSync(path.join(dir, `f${i}.png`), p));
      const video = path.join(d.dir, 'walk.mp4');
      const enc = spawnSync('ffmpeg', [
        '-v',
        'error',
        '-framerate',
        '4',
        '-i',
        path.join(dir, 'f%d.png'),
        '-c:v',
        'libx264',
        '-crf',
        '12',
        '-pix_fmt',
        'yuv444p',
        video,
      ]);
      assert.equal(enc.status, 0, String(enc.stderr));
      const r = await post([{ field: 'video', data: fs.readFileSync(video), name: 'walk.mp4' }], {
        fps: '4',
        focal_px: String(F),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.input.kind, 'video');
      assert.equal(r.body.total, CAMS.length);
      assert.equal(r.body.frames[3]!.name, 'frame_000003.png');
      assert.ok(Math.abs(r.body.frames[3]!.time_s! - 0.75) < 1e-6);
      assert.ok(r.body.registered >= CAMS.length - 2, `registered ${r.body.registered}/${r.body.total}`);
      const rot = rotationError(r.body, CAMS);
      assert.ok(rot < 2, `median relative rotation error ${rot}°`);
      assert.deepEqual(fs.readdirSync(s.core.artifacts.tmpDir), [], 'the upload’s temp file is gone');

      // Over the frame limit: 8 frames at 4 fps with max_frames 5 → 413.
      const over = await post([{ field: 'video', data: fs.readFileSync(video), name: 'walk.mp4' }], {
        fps: '4',
        max_frames: '5',
      });
      assert.equal(over.status, 413, JSON.stringify(over.body));
      assert.match(over.body.error!.message, /at most 5 frames/);

      // A video stream with no frames in it.
      const empty = path.join(d.dir, 'empty.mp4');
      spawnSync('ffmpeg', [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=64x48:rate=4',
        '-t',
        '1',
        '-vf',
        'trim=start_frame=100',
        '-c:v',
        'libx264',
        empty,
      ]);
      if (fs.existsSync(empty)) {
        const none = await post([{ field: 'video', data: fs.readFileSync(empty), name: 'empty.mp4' }]);
        assert.ok([400, 415].includes(none.status), JSON.stringify(none.body));
        assert.ok(['bad_request', 'unsupported_media_type'].includes(none.body.error!.code));
      }
      assert.deepEqual(fs.readdirSync(s.core.artifacts.tmpDir), []);
    },
  );

  it('answers bad input with a clear 4xx and stores nothing', async () => {
    const count = () => (s.core.db.prepare('SELECT COUNT(*) AS n FROM artifacts').get() as { n: number }).n;
    const before = count();
    const png = pngs[0]!;
    const cases: [string, () => Promise<{ status: number; body: PoseBody }>, number, string][] = [
      ['no file', () => post([], { focal_px: '300' }), 400, 'validation_failed'],
      [
        'video and images',
        () => post([{ field: 'video', data: png, name: 'a.mp4' }, ...images(pngs.slice(0, 2))]),
        400,
        'validation_failed',
      ],
      ['one image', () => post(images(pngs.slice(0, 1))), 400, 'bad_request'],
      [
        'an image that is not one',
        () => post([...images(pngs.slice(0, 1)), { field: 'images', data: Buffer.from('hello'), name: 'x.png' }]),
        415,
        'unsupported_media_type',
      ],
      [
        'max_frames over the job limit',
        () => post(images(pngs.slice(0, 2)), { max_frames: '1001' }),
        400,
        'validation_failed',
      ],
      [
        'more images than max_frames',
        () => post(images(pngs.slice(0, 3)), { max_frames: '2' }),
        413,
        'payload_too_large',
      ],
      [
        'more images than even a job takes',
        () => post(Array.from({ length: 1001 }, (_, i) => ({ field: 'images', data: png, name: `${i}.png` }))),
        413,
        'payload_too_large',
      ],
      ['fps with images', () => post(images(pngs.slice(0, 2)), { fps: '2' }), 400, 'validation_failed'],
      ['half of K', () => post(images(pngs.slice(0, 2)), { fx: '300' }), 400, 'validation_failed'],
      ['unknown output', () => post(images(pngs.slice(0, 2)), { outputs: 'obj' }), 400, 'validation_failed'],
      ['a wrong file field', () => post([{ field: 'image', data: png, name: 'a.png' }]), 400, 'validation_failed'],
    ];
    if (FFMPEG) {
      cases.push([
        'a video that is not one',
        () => post([{ field: 'video', data: Buffer.from('not a video at all'), name: 'clip.mp4' }]),
        415,
        'unsupported_media_type',
      ]);
      cases.push([
        'an empty video',
        () => post([{ field: 'video', data: Buffer.alloc(0), name: 'clip.mp4' }]),
        400,
        'bad_request',
      ]);
    }
    for (const [what, run, status, code] of cases) {
      const r = await run();
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.code, code, what);
    }
    const json = await request(`${s.url}/v1/pose`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(json.status, 415);
    assert.equal(count(), before, 'failed requests stored no artifact');
    assert.deepEqual(fs.readdirSync(s.core.artifacts.tmpDir), [], 'and left no temp file behind');
  });

  it('a request for more frames than one request computes becomes a job (202) whose result is the usual answer', async () => {
    const form = new FormData();
    images().forEach((f) => form.append(f.field, new Blob([f.data]), f.name));
    form.append('focal_px', String(F));
    form.append('max_frames', '100');
    const res = await fetch(`${s.url}/v1/pose`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
    const job = (await res.json()) as { id: string; type: string; status: string };
    assert.equal(res.status, 202, JSON.stringify(job));
    assert.equal(res.headers.get('location'), `/v1/jobs/${job.id}`);
    assert.equal(job.type, 'pose.run');
    let row: { status: string; stage: string | null; result: PoseBody | null; error: unknown };
    const t0 = Date.now();
    do {
      await new Promise((r) => setTimeout(r, 200));
      row = (await (await fetch(`${s.url}/v1/jobs/${job.id}`, { headers: { 'x-api-key': key } })).json()) as typeof row;
      assert.ok(Date.now() - t0 < 60_000, 'the job ends within a minute');
    } while (row.status === 'queued' || row.status === 'running');
    assert.equal(row.status, 'succeeded', JSON.stringify(row.error));
    const body = row.result!;
    assert.equal(body.total, CAMS.length);
    assert.ok(body.registered >= CAMS.length - 1, `registered ${body.registered}`);
    assert.ok(rotationError(body, CAMS) < 1, 'the same accuracy as the synchronous answer');
    assert.equal((await download(body.artifacts.ply)).subarray(0, 3).toString(), 'ply');
    assert.deepEqual(fs.readdirSync(path.join(s.dataDir, 'job-inputs')), [], 'the stored upload went with the job');
  });

  it('needs an API key', async () => {
    const form = new FormData();
    form.append('images', new Blob([pngs[0]!]), 'a.png');
    const res = await fetch(`${s.url}/v1/pose`, { method: 'POST', body: form });
    assert.equal(res.status, 401);
  });
});
