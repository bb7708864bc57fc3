import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Intrinsics } from '../../engines/core/camera.js';
import { renderRoom, roomWalkCameras } from '../fixtures/poseScenes.js';
import type { CamFromWorld } from '../fixtures/scenes.js';

export const hasFfmpeg = () =>
  spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

/**
 * A walk through the rendered, furnished room (known geometry and poses) as an H.264 video of
 * `count` frames at `fps`, written into `dir`. Returns the file, the true cameras and intrinsics.
 */
export async function roomWalkVideo(
  dir: string,
  opts: { count: number; turnRad: number; width: number; height: number; focalPx: number; fps: number },
): Promise<{ file: string; cams: CamFromWorld[]; K: Intrinsics }> {
  const { width: W, height: H, focalPx: F } = opts;
  const K = { fx: F, fy: F, cx: W / 2, cy: H / 2 };
  const cams = roomWalkCameras(opts.count, opts.turnRad);
  const frames = fs.mkdtempSync(path.join(dir, 'frames-'));
  for (const [i, cam] of cams.entries())
    await sharp(renderRoom(K, W, H, cam), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(path.join(frames, `f${i}.png`));
  const file = path.join(dir, 'walk.mp4');
  const enc = spawnSync('ffmpeg', [
    ...['-v', 'error', '-y', '-framerate', String(opts.fps), '-i', path.join(frames, 'f%d.png')],
    ...['-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p', file],
  ]);
  if (enc.status !== 0) throw new Error(`ffmpeg failed: ${String(enc.stderr)}`);
  fs.rmSync(frames, { recursive: true, force: true });
  return { file, cams, K };
}
