import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import pino from 'pino';
import {
  knownScaleOf,
  RECON_PRESETS,
  RECONSTRUCT_JOB_TYPE,
  ReconstructFieldsSchema,
  type ReconPreset,
} from '../common/api/reconstructContract.js';
import { AppError } from '../common/errors.js';
import type { Core } from '../core/core.js';
import type { JobRow } from '../db/repos/jobs.js';
import { createDepthEngine } from '../engine-host/index.js';
import { ReconstructService } from '../engine-host/reconService.js';
import { CliError } from './errors.js';
import { jobProgressText } from './jobs.js';
import type { ProgressSink } from './models.js';

export interface ReconstructCliDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  progress?: ProgressSink | undefined;
  withCore: <T>(fn: (core: Core) => T | Promise<T>) => Promise<T>;
}

const IMAGE_EXT = /\.(jpe?g|png|webp|tiff?|gif|avif|heic|heif)$/i;

const FILES: Record<string, string> = {
  points_ply: 'points.ply',
  mesh_ply: 'mesh.ply',
  cameras_txt: 'cameras.txt',
  images_txt: 'images.txt',
  points3d_txt: 'points3D.txt',
};

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}
/** `length_m` → `length`, `rect_corners` → `rect-corners`, `rect_size_m` → `rect-size`: the flags' names. */
function cliName(field: string): string {
  return field.replace(/_m$/, '').replace(/_/g, '-');
}

function frameIndex(value: string): number {
  if (!/^\d{1,6}$/.test(value)) throw new InvalidArgumentError('must be a frame index (0, 1, …)');
  return Number(value);
}
function pixel(value: string): [number, number] {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!m) throw new InvalidArgumentError('must be x,y in pixels');
  return [Number(m[1]), Number(m[2])];
}

interface Options {
  out: string;
  preset: ReconPreset;
  model?: string;
  focalPx?: number;
  knownLength?: number;
  knownFrame?: number;
  knownFrom?: [number, number];
  knownTo?: [number, number];
  knownRect?: 'a4' | 'letter' | 'card' | 'custom';
  knownRectCorners?: string;
  knownRectSize?: string;
  detach?: boolean;
  json?: boolean;
}

/**
 * `spatialforge reconstruct INPUT…`: the job POST /v1/reconstruct starts, enqueued on this data
 * folder and run here (or by a server on the same folder, whichever takes it first), followed with
 * a progress bar; the files are copied to --out. Ctrl-C cancels the job. `--detach` only enqueues.
 */
export function registerReconstructCommand(program: Command, deps: ReconstructCliDeps): void {
  program
    .command('reconstruct')
    .description('a video or photos → coloured point cloud (points.ply), mesh (mesh.ply) and COLMAP model, as a job')
    .argument('<input...>', 'one video, or two or more photos of one scene in order')
    .option('--out <dir>', 'folder for the result files', '.')
    .addOption(
      new Option('--preset <preset>', 'quality: frames, resolution and voxel size')
        .choices(RECON_PRESETS)
        .default('standard'),
    )
    .option('--model <id>', 'depth model (default: the best installed)')
    .option('--focal-px <px>', 'focal length in pixels of the upright full-size frames', positive)
    .option(
      '--known-length <m>',
      'a known distance in metres (with --known-frame/--known-from/--known-to): metric result',
      positive,
    )
    .option('--known-frame <n>', 'frame (photo index, or sampled video frame) holding the known length', frameIndex)
    .option('--known-from <x,y>', 'one end of the known length, pixels', pixel)
    .option('--known-to <x,y>', 'the other end', pixel)
    .addOption(
      new Option(
        '--known-rect <kind>',
        'instead of a known length: a rectangle of known size in --known-frame (with --known-rect-corners)',
      ).choices(['a4', 'letter', 'card', 'custom']),
    )
    .option('--known-rect-corners <x1,y1,…,x4,y4>', 'its corners: top-left, top-right, bottom-right, bottom-left')
    .option('--known-rect-size <w,h>', 'width,height in metres of a custom rectangle')
    .option('--detach', 'enqueue the job and print its id (a running server does the work)')
    .option('--json', 'print the result as JSON')
    .action(async (inputs: string[], opts: Options) => {
      // The known length or rectangle goes through the API's own schema: the same rules, the same messages.
      const str = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) ? v.join(',') : String(v));
      const known = ReconstructFieldsSchema.safeParse(
        Object.fromEntries(
          Object.entries({
            known_length_m: str(opts.knownLength),
            known_frame: str(opts.knownFrame),
            known_from: str(opts.knownFrom),
            known_to: str(opts.knownTo),
            known_rect: opts.knownRect,
            known_rect_corners: opts.knownRectCorners,
            known_rect_size_m: opts.knownRectSize,
          }).filter(([, v]) => v !== undefined),
        ),
      );
      if (!known.success) {
        const message = known.error.issues[0]?.message ?? 'invalid known length or rectangle';
        throw new CliError(
          message.replace(/\bknown_(\w+)/g, (_, w: string) => `--known-${cliName(w)}`),
          2,
        );
      }
      const knownScale = knownScaleOf(known.data);
      const video = inputs.length === 1 && !IMAGE_EXT.test(inputs[0]!);
      const files = inputs.map((f, i) => {
        try {
          return {
            field: video ? 'video' : 'images',
            filename: path.basename(f) || `input${i}`,
            data: fs.readFileSync(f),
          };
        } catch (e) {
          throw new CliError(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      });
      await deps.withCore(async (core) => {
        const engine = createDepthEngine(core, pino({ level: 'warn' }, pino.destination(2)));
        const logger = pino({ level: 'warn' }, pino.destination(2));
        const recon = new ReconstructService({
          inputs: core.jobInputs,
          jobs: core.jobs,
          artifacts: core.artifacts,
          depth: engine.depth,
          config: engine.inference.config,
          logger,
        });
        if (!core.jobs.types.includes(RECONSTRUCT_JOB_TYPE)) recon.register();
        let row: JobRow;
        try {
          row = await recon.submit({
            files,
            preset: opts.preset,
            model: opts.model,
            intrinsics: opts.focalPx !== undefined ? { focalPx: opts.focalPx } : undefined,
            knownScale,
            ownerKeyId: null,
          });
        } catch (e) {
          await engine.close();
          if (e instanceof AppError) throw new CliError(`${e.message} (${e.code})`);
          throw e;
        }
        if (opts.detach) {
          await engine.close();
          deps.out(row.id);
          deps.err(`queued; a running server does the work. Follow it with: spatialforge jobs watch ${row.id}`);
          return;
        }
        core.jobs.start();
        const sink = deps.progress;
        const tty = Boolean(sink?.isTTY);
        let last = '';
        let drew = false;
        const onSigint = () => {
          deps.err(`\ncanceling ${row.id}…`);
          void core.jobs.cancel(row.id);
        };
        process.on('SIGINT', onSigint);
        try {
          for (;;) {
            row = core.jobs.get(row.id) ?? row;
            const text = jobProgressText(row, tty);
            if (text !== last) {
              last = text;
              if (tty && sink) {
                sink.write(`\r${text}\x1b[K`);
                drew = true;
              } else deps.err(text);
            }
            if (row.status === 'succeeded' || row.status === 'failed' || row.status === 'canceled') break;
            await sleep(250);
          }
        } finally {
          process.off('SIGINT', onSigint);
          if (drew) sink?.write('\n');
          await core.jobs.stop();
          await engine.close();
        }
        if (row.status === 'canceled') throw new CliError(`${row.id} was canceled`, 130);
        if (row.status === 'failed')
          throw new CliError(`reconstruction failed: ${row.error?.message} (${row.error?.code})`);
        const result = row.result as {
          artifacts: Record<string, { id: string }>;
          scale: { kind: string; note: string };
          frames: { total: number; keyframes: number; posed: number; fused: number };
          points: number;
          mesh: { vertices: number; faces: number };
          voxel_size_m: number;
          timings_ms: { total: number };
          memory: { peak_rss_mib: number };
        };
        fs.mkdirSync(opts.out, { recursive: true });
        const written: Record<string, string> = {};
        for (const [k, ref] of Object.entries(result.artifacts)) {
          const dest = path.join(opts.out, FILES[k] ?? k);
          // Read and write rather than copy: the user's file gets their umask, not the store's 0600.
          fs.writeFileSync(dest, fs.readFileSync(core.artifacts.resolve(ref.id as never).file));
          written[FILES[k] ?? k] = dest;
        }
        if (opts.json) {
          const { artifacts: _links, ...rest } = result;
          deps.out(JSON.stringify({ job: row.id, ...rest, files: written }, null, 2));
          return;
        }
        const f = result.frames;
        deps.out(`frames      ${f.total} read, ${f.posed} posed, ${f.keyframes} keyframes, ${f.fused} fused`);
        deps.out(`scale       ${result.scale.kind}: ${result.scale.note}`);
        deps.out(
          `surface     ${result.points} points, mesh ${result.mesh.vertices} vertices / ${result.mesh.faces} faces, voxel ${result.voxel_size_m.toPrecision(3)}`,
        );
        deps.out(
          `time        ${(result.timings_ms.total / 1000).toFixed(1)} s, peak memory ${result.memory.peak_rss_mib} MiB`,
        );
        for (const [name, file] of Object.entries(written)) deps.out(`${name.padEnd(11)} ${file}`);
      });
    });
}
