import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import { MeasureFieldsSchema } from '../common/api/measureContract.js';
import { AppError } from '../common/errors.js';
import { measureRequest, measureView } from '../api/handlers/measure.js';
import type { Core } from '../core/core.js';
import { createDepthEngine } from '../engine-host/index.js';
import { CliError } from './errors.js';

export interface MeasureCliDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  withCore: <T>(fn: (core: Core) => T | Promise<T>) => Promise<T>;
}

interface Options {
  from: string;
  to: string;
  reference?: string;
  corners?: string;
  size?: string;
  refFrom?: string;
  refTo?: string;
  length?: string;
  onPlane?: string;
  model?: string;
  focalPx?: string;
  K?: string;
  distortion?: string;
  clickSigma?: string;
  json?: boolean;
}

const cm = (m: number) => (m < 1 ? `${(m * 100).toFixed(1)} cm` : `${m.toFixed(3)} m`);

/**
 * `spatialforge measure IMAGE --from x,y --to x,y [...]`: the same request as POST /v1/measure —
 * the options become the form fields and go through the same schema, so the CLI and the API
 * accept and refuse exactly the same things.
 */
export function registerMeasureCommand(program: Command, deps: MeasureCliDeps): void {
  program
    .command('measure')
    .description('the real distance between two pixels of a photo, with its uncertainty')
    .argument('<image>', 'photo')
    .requiredOption('--from <x,y>', 'first point, pixels of the upright photo')
    .requiredOption('--to <x,y>', 'second point')
    .option('--reference <kind>', 'a4 | letter | card | custom | length')
    .option(
      '--corners <x1,y1,...,x4,y4>',
      'reference rectangle corners: top-left, top-right, bottom-right, bottom-left',
    )
    .option('--size <w,h>', 'custom rectangle size in metres')
    .option('--ref-from <x,y>', 'known-length start')
    .option('--ref-to <x,y>', 'known-length end')
    .option('--length <m>', 'known length in metres')
    .option('--on-plane <auto|true|false>', 'are both points on the reference rectangle’s plane', 'auto')
    .option('--model <id>', 'depth model id (default: the best installed one)')
    .option('--focal-px <px>', 'focal length in pixels')
    .option('--K <fx,fy,cx,cy>', 'full intrinsics in pixels')
    .option('--distortion <k1,k2,p1,p2[,k3]>', 'OpenCV lens distortion of the same calibration as --K')
    .option('--click-sigma <px>', '1-sigma click error in pixels', '0.5')
    .option('--json', 'print the result as JSON')
    .action(async (image: string, opts: Options) => {
      const [fx, fy, cx, cy] = opts.K ? opts.K.split(',') : [];
      const raw: Record<string, string | undefined> = {
        from: opts.from,
        to: opts.to,
        reference: opts.reference,
        reference_corners: opts.corners,
        reference_size_m: opts.size,
        reference_from: opts.refFrom,
        reference_to: opts.refTo,
        reference_length_m: opts.length,
        on_plane: opts.onPlane,
        model: opts.model,
        focal_px: opts.focalPx,
        fx,
        fy,
        cx,
        cy,
        distortion: opts.distortion,
        click_sigma_px: opts.clickSigma,
      };
      const fields = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
      const parsed = MeasureFieldsSchema.safeParse(fields);
      if (!parsed.success) throw new CliError(parsed.error.issues.map((i) => i.message).join('; '), 2);
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(image);
      } catch (e) {
        throw new CliError(`cannot read ${image}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      await deps.withCore(async (core) => {
        const engine = createDepthEngine(core, pino({ level: 'warn' }, pino.destination(2)));
        try {
          const req = measureRequest(parsed.data, bytes);
          const view = measureView(req, await engine.depth.measure(req));
          if (opts.json) {
            deps.out(JSON.stringify(view, null, 2));
            return;
          }
          deps.out(`${cm(view.distance_m)} ± ${cm(view.sigma_m)} (1σ)  ${path.basename(image)}`);
          deps.out(`scale       ${view.scale_source}${view.on_plane ? ' (both points on the reference plane)' : ''}`);
          if (view.model) deps.out(`model       ${view.model.id} on ${view.model.provider}`);
          deps.out(`focal       ${view.intrinsics.fx.toFixed(1)} px (${view.intrinsics.source})`);
          for (const [name, p] of [
            ['from', view.from],
            ['to', view.to],
          ] as const) {
            const d = p.depth ? `, depth ${p.depth.depth_m.toFixed(3)} m (${p.depth.method})` : '';
            deps.out(`${name.padEnd(11)} (${p.camera_m.map((v) => v.toFixed(3)).join(', ')}) m${d}`);
          }
          for (const n of view.notes) deps.out(`note        ${n}`);
        } catch (e) {
          if (e instanceof AppError) throw new CliError(`${e.message} (${e.code})`);
          throw e;
        } finally {
          await engine.close();
        }
      });
    });
}
