// COLMAP (Debian's build, CPU) as the reference for the pose benchmark: feature extraction,
// matching and the incremental mapper on a folder of frames, then its model as camFromWorld per image.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rotationFromQuaternion } from '../../../engines/pose/colmapText.js';

export interface PoseEstimate {
  name: string;
  /** camFromWorld, row-major. */
  R: number[];
  t: number[];
}

export interface ColmapRun {
  poses: PoseEstimate[];
  /** Seconds per stage and in total. */
  seconds: { features: number; matching: number; mapper: number; total: number };
  focalPx: number | null;
}

export const colmapAvailable = () => spawnSync('colmap', ['-h'], { encoding: 'utf8' }).status === 0;

function run(args: string[]): number {
  const t = performance.now();
  const r = spawnSync('colmap', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`colmap ${args[0]} failed:\n${r.stderr.slice(-2000)}`);
  return (performance.now() - t) / 1000;
}

export { rotationFromQuaternion } from '../../../engines/pose/colmapText.js';

/**
 * Runs COLMAP on `imageDir` in `workDir`: one shared camera (`cameraModel`), sequential or
 * exhaustive matching, the mapper; returns the largest model's poses.
 */
export function runColmap(
  imageDir: string,
  workDir: string,
  options: { matcher: 'sequential' | 'exhaustive'; cameraModel?: string; threads?: number },
): ColmapRun {
  const db = path.join(workDir, 'database.db');
  const sparse = path.join(workDir, 'sparse');
  const txt = path.join(workDir, 'txt');
  fs.mkdirSync(sparse, { recursive: true });
  fs.mkdirSync(txt, { recursive: true });
  const threads = String(options.threads ?? -1);
  const features = run([
    'feature_extractor',
    '--database_path',
    db,
    '--image_path',
    imageDir,
    '--ImageReader.single_camera',
    '1',
    '--ImageReader.camera_model',
    options.cameraModel ?? 'SIMPLE_RADIAL',
    '--SiftExtraction.use_gpu',
    '0',
    '--SiftExtraction.num_threads',
    threads,
  ]);
  const matching = run([
    `${options.matcher}_matcher`,
    '--database_path',
    db,
    '--SiftMatching.use_gpu',
    '0',
    '--SiftMatching.num_threads',
    threads,
  ]);
  const mapper = run([
    'mapper',
    '--database_path',
    db,
    '--image_path',
    imageDir,
    '--output_path',
    sparse,
    '--Mapper.num_threads',
    threads,
  ]);
  const models = fs.readdirSync(sparse).filter((d) => /^\d+$/.test(d));
  let best: ColmapRun['poses'] = [];
  let focalPx: number | null = null;
  for (const m of models) {
    const out = path.join(txt, m);
    fs.mkdirSync(out, { recursive: true });
    run(['model_converter', '--input_path', path.join(sparse, m), '--output_path', out, '--output_type', 'TXT']);
    const lines = fs
      .readFileSync(path.join(out, 'images.txt'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    const poses: PoseEstimate[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const f = lines[i]!.split(' ');
      const [w, x, y, z, tx, ty, tz] = f.slice(1, 8).map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      poses.push({ name: f[9]!, R: rotationFromQuaternion(w, x, y, z), t: [tx, ty, tz] });
    }
    if (poses.length > best.length) {
      best = poses;
      const cam = fs
        .readFileSync(path.join(out, 'cameras.txt'), 'utf8')
        .split('\n')
        .find((l) => l && !l.startsWith('#'));
      focalPx = cam ? Number(cam.split(' ')[4]) : null;
    }
  }
  return { poses: best, seconds: { features, matching, mapper, total: features + matching + mapper }, focalPx };
}
