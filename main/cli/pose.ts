import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import pino from 'pino';
import { POSE_DEFAULT_FPS, POSE_MAX_FRAMES, POSE_OUTPUTS } from '../common/api/poseContract.js';
import { AppError } from '../common/errors.js';
import type { Core } from '../core/core.js';
import { poseView } from '../api/handlers/pose.js';
import { createDepthEngine, type PoseRequest } from '../engine-host/index.js';
import { CliError } from './errors.js';

export interface PoseCliDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  withCore: <T>(fn: (core: Core) => T | Promise<T>) => Promise<T>;
}

/** Extensions read as photos; anything else given alone is read as a video (ffmpeg decides). */
const IMAGE_EXT = /\.(jpe?g|png|webp|tiff?|gif|avif|heic|heif)$/i;

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function parseFrames(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError('must be an integer of at least 2');
  return n;
}

const read = (file: string) => {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
};

/** `spatialforge pose INPUT…`: the same pipeline as POST /v1/pose, files written to --out. */
export function registerPoseCommand(program: Command, deps: PoseCliDeps): void {
  program
    .command('pose')
    .description(
      'camera poses from one video or several photos; writes a COLMAP text model (cameras.txt, images.txt, points3D.txt) and points.ply',
    )
    .argument('<input...>', 'one video, or two or more photos of one scene in order')
    .option('--out <dir>', 'folder for the result files', '.')
    .option('--fps <n>', `video frames sampled per second (default ${POSE_DEFAULT_FPS})`, parsePositive)
    .option('--max-frames <n>', `most frames to use (default and limit ${POSE_MAX_FRAMES})`, parseFrames)
    .option('--focal-px <px>', 'focal length in pixels of the upright full-size frames (overrides EXIF)', parsePositive)
    .option('--json', 'print the result as JSON')
    .action(
      async (
        inputs: string[],
        opts: { out: string; fps?: number; maxFrames?: number; focalPx?: number; json?: boolean },
      ) => {
        const video = inputs.length === 1 && !IMAGE_EXT.test(inputs[0]!);
        let input: PoseRequest['input'];
        if (video) {
          const file = inputs[0]!;
          try {
            fs.accessSync(file, fs.constants.R_OK);
          } catch (e) {
            throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
          }
          input = { kind: 'video_file', path: path.resolve(file) };
        } else {
          if (opts.fps !== undefined) throw new CliError('--fps applies to a video only');
          input = { kind: 'images', images: inputs.map((f) => ({ data: read(f), name: path.basename(f) })) };
        }
        fs.mkdirSync(opts.out, { recursive: true });
        await deps.withCore(async (core) => {
          const engine = createDepthEngine(core, pino({ level: 'warn' }, pino.destination(2)));
          try {
            deps.err(`estimating poses from ${video ? path.basename(inputs[0]!) : `${inputs.length} photos`}…`);
            const r = await engine.pose.estimate({
              input,
              fps: opts.fps,
              maxFrames: opts.maxFrames,
              intrinsics: opts.focalPx !== undefined ? { focalPx: opts.focalPx } : undefined,
              outputs: [...POSE_OUTPUTS],
              ownerKeyId: null,
              transfer: true,
            });
            const files: Record<string, string> = {};
            for (const [name, a] of Object.entries(r.artifacts)) {
              const dest = path.join(opts.out, name);
              // Read and write rather than copy: the user's file gets their umask, not the store's 0600.
              fs.writeFileSync(dest, fs.readFileSync(core.artifacts.resolve(a.row.id).file));
              files[name] = dest;
            }
            const view = poseView(r, () => null);
            if (opts.json) {
              const { artifacts: _links, ...rest } = view;
              deps.out(JSON.stringify({ ...rest, files }, null, 2));
              return;
            }
            const k = view.intrinsics;
            const v = view.input.video;
            const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
            deps.out(
              `input       ${view.input.kind} ${view.input.width}×${view.input.height}, ${view.total} frames${v ? ` at ${v.fps_sampled} fps` : ''} (tracked at ${view.input.processing.width}×${view.input.processing.height})`,
            );
            const pair = view.initial_pair;
            deps.out(
              `registered  ${view.registered}/${view.total} frames${pair ? ` (initial pair ${view.frames[pair[0]]?.name} + ${view.frames[pair[1]]?.name})` : ''}`,
            );
            deps.out(`focal       ${k.fx.toFixed(1)} px (${k.source}: ${k.note})`);
            deps.out(
              `points      ${view.points}, reprojection rms ${fmt(view.rms_reprojection_px)} px (median ${fmt(view.reprojection_px.median)}, p90 ${fmt(view.reprojection_px.p90)})`,
            );
            for (const f of view.frames) if (!f.registered) deps.out(`unregistered ${f.name}: ${f.reason}`);
            for (const [name, file] of Object.entries(files)) deps.out(`${name.padEnd(11)} ${file}`);
            deps.out(
              'poses are camFromWorld (x_cam = R·x_world + t), world = the initial pair’s first camera, unknown scale',
            );
          } catch (e) {
            if (e instanceof AppError) throw new CliError(`${e.message} (${e.code})`);
            throw e;
          } finally {
            await engine.close();
          }
        });
      },
    );
}
