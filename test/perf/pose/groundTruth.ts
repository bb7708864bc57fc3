// Pose accuracy against ground truth, the same way for every method: registered fraction, median
// relative-rotation error over all registered pairs (no alignment needed), and camera-centre error
// after a similarity alignment (scale, rotation, translation: SfM has no absolute frame or scale).
import fs from 'node:fs';
import path from 'node:path';
import type { PoseEstimate } from './colmap.js';

export interface GroundTruthView {
  name: string;
  K: number[];
  /** camFromWorld, row-major. */
  R: number[];
  t: number[];
}

/** Middlebury's templeR_par.txt: `name k11..k33 r11..r33 t1 t2 t3`, x = K (R X + t). */
export function readMiddleburyPar(file: string): GroundTruthView[] {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const f = l.trim().split(/\s+/);
    const v = f.slice(1).map(Number);
    return { name: path.basename(f[0]!), K: v.slice(0, 9), R: v.slice(9, 18), t: v.slice(18, 21) };
  });
}

const mul = (a: number[], b: number[]) =>
  [0, 1, 2].flatMap((r) =>
    [0, 1, 2].map((c) => a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!),
  );
const transpose = (a: number[]) => [a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!];
const angleDeg = (R: number[]) =>
  (Math.acos(Math.min(1, Math.max(-1, (R[0]! + R[4]! + R[8]! - 1) / 2))) * 180) / Math.PI;
/** Camera centre in world coordinates: −Rᵀ t. */
const centre = (p: { R: number[]; t: number[] }) => {
  const Rt = transpose(p.R);
  return [0, 1, 2].map((r) => -(Rt[r * 3]! * p.t[0]! + Rt[r * 3 + 1]! * p.t[1]! + Rt[r * 3 + 2]! * p.t[2]!));
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1]! : NaN;
};

/**
 * Accuracy of `est` against `gt` over the views both have. `align(src, dst)` is the similarity
 * (Umeyama) fit the caller supplies: returns the aligned source points.
 */
export function poseAccuracy(
  gt: GroundTruthView[],
  est: PoseEstimate[],
  align: (src: number[][], dst: number[][]) => number[][],
): { registered: number; total: number; medianRotErrDeg: number; medianCentreErr: number; sceneSize: number } {
  const byName = new Map(gt.map((g) => [g.name, g]));
  const pairs = est.filter((e) => byName.has(e.name));
  const rot: number[] = [];
  for (let i = 0; i < pairs.length; i++)
    for (let j = i + 1; j < pairs.length; j++) {
      const a = pairs[i]!;
      const b = pairs[j]!;
      const ga = byName.get(a.name)!;
      const gb = byName.get(b.name)!;
      // R_a R_bᵀ is the relative rotation b → a in either frame; compare estimate and truth.
      rot.push(angleDeg(mul(mul(a.R, transpose(b.R)), transpose(mul(ga.R, transpose(gb.R))))));
    }
  const src = pairs.map(centre);
  const dst = pairs.map((p) => centre(byName.get(p.name)!));
  const aligned = pairs.length >= 3 ? align(src, dst) : src;
  const err = aligned.map((p, i) => Math.hypot(p[0]! - dst[i]![0]!, p[1]! - dst[i]![1]!, p[2]! - dst[i]![2]!));
  const mid = [0, 1, 2].map((k) => dst.reduce((s, p) => s + p[k]!, 0) / Math.max(1, dst.length));
  const sceneSize = median(dst.map((p) => Math.hypot(p[0]! - mid[0]!, p[1]! - mid[1]!, p[2]! - mid[2]!)));
  return {
    registered: pairs.length,
    total: gt.length,
    medianRotErrDeg: median(rot),
    medianCentreErr: median(err),
    sceneSize,
  };
}
