import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import pino from 'pino';
import { DEPTH_OUTPUTS, type DepthOutput } from '../common/api/depthContract.js';
import { AppError } from '../common/errors.js';
import type { Core } from '../core/core.js';
import { createDepthEngine } from '../engine-host/index.js';
import { CliError } from './errors.js';

export interface DepthCliDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  withCore: <T>(fn: (core: Core) => T | Promise<T>) => Promise<T>;
}

function parseOutputs(value: string): DepthOutput[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const x of list) {
    if (!(DEPTH_OUTPUTS as readonly string[]).includes(x))
      throw new InvalidArgumentError(`unknown output "${x}"; choose from ${DEPTH_OUTPUTS.join(', ')}`);
  }
  if (!list.length) throw new InvalidArgumentError('name at least one output');
  return [...new Set(list)] as DepthOutput[];
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

const fmt = (v: number, unit: string) => (Number.isFinite(v) ? `${v.toFixed(3)}${unit}` : 'n/a');

/** `spatialforge depth IMAGE …`: the same pipeline as POST /v1/depth, files written to --out. */
export function registerDepthCommand(program: Command, deps: DepthCliDeps): void {
  program
    .command('depth')
    .description('estimate depth from one photo; writes the depth map (PNG16 mm, NPY), a preview, a mask and a PLY')
    .argument('<image>', 'photo (JPEG, PNG incl. 16-bit, WebP, TIFF, AVIF)')
    .option('--model <id>', 'model id (see `models list`); default: the best installed one')
    .option('--focal-px <px>', 'focal length in pixels of the upright image (overrides EXIF)', parsePositive)
    .option('--outputs <list>', `comma-separated: ${DEPTH_OUTPUTS.join(',')}`, parseOutputs, [...DEPTH_OUTPUTS])
    .option('--out <dir>', 'folder for the result files', '.')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        image: string,
        opts: { model?: string; focalPx?: number; outputs: DepthOutput[]; out: string; json?: boolean },
      ) => {
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(image);
        } catch (e) {
          throw new CliError(`cannot read ${image}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        fs.mkdirSync(opts.out, { recursive: true });
        await deps.withCore(async (core) => {
          const engine = createDepthEngine(core, pino({ level: 'warn' }, pino.destination(2)));
          try {
            deps.err(`estimating depth for ${path.basename(image)}…`);
            const r = await engine.depth.estimate({
              image: bytes,
              modelId: opts.model,
              intrinsics: opts.focalPx !== undefined ? { focalPx: opts.focalPx } : undefined,
              outputs: opts.outputs,
              ownerKeyId: null,
              name: path.basename(image),
            });
            const files: Record<string, string> = {};
            for (const [kind, a] of Object.entries(r.artifacts)) {
              const dest = path.join(opts.out, a.row.filename);
              // Read and write rather than copy: the user's file gets their umask, not the store's 0600.
              fs.writeFileSync(dest, fs.readFileSync(core.artifacts.resolve(a.row.id).file));
              files[kind] = dest;
            }
            const metric = r.result.metric;
            const s = r.result.stats;
            if (opts.json) {
              deps.out(
                JSON.stringify(
                  {
                    model: r.entry.id,
                    provider: r.provider,
                    image: r.image,
                    model_input: r.modelInput,
                    depth: {
                      kind: metric ? 'metric' : 'relative',
                      scale_source: r.result.scaleSource,
                      meaning: r.result.meaning,
                    },
                    intrinsics: r.intrinsics,
                    stats: { min: s.min, median: s.median, max: s.max, valid_fraction: s.validFraction },
                    files,
                    timings_ms: r.timingsMs,
                  },
                  null,
                  2,
                ),
              );
              return;
            }
            const unit = metric ? ' m' : '';
            deps.out(`model       ${r.entry.id} (${r.entry.family}) on ${r.provider}`);
            deps.out(
              `image       ${r.image.width}×${r.image.height} ${r.image.format}, model input ${r.modelInput.width}×${r.modelInput.height}`,
            );
            deps.out(
              `depth       ${metric ? 'metric, metres' : 'RELATIVE (unknown scale; 1 = median depth)'} — ${r.result.meaning}`,
            );
            deps.out(`focal       ${r.intrinsics.fx.toFixed(1)} px (${r.intrinsics.source}: ${r.intrinsics.note})`);
            deps.out(
              `range       min ${fmt(s.min, unit)}, median ${fmt(s.median, unit)}, max ${fmt(s.max, unit)}, ${(s.validFraction * 100).toFixed(1)}% valid`,
            );
            for (const [kind, file] of Object.entries(files)) deps.out(`${kind.padEnd(11)} ${file}`);
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
