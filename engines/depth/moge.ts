/**
 * MoGe-2's post-processing, ported from its `infer()`: the network returns an affine-invariant
 * camera-space point map (x, y already multiplied by z) whose z is off by an unknown shift. The
 * focal length and that shift are recovered together by least squares on a subsample of valid
 * points, in view-plane coordinates normalised so the half-diagonal of the image is 1.
 */

export interface FocalShift {
  /** Focal length relative to half the image diagonal (fPx = focal · diag / 2). */
  focal: number;
  /** Added to every z of the point map before the metric scale. */
  shift: number;
  /** Points used in the fit. */
  used: number;
}

const GRID = 64;
// Module-level scratch for the subsample (GRID² points), reused across calls.
const su = new Float64Array(GRID * GRID);
const sv = new Float64Array(GRID * GRID);
const sx = new Float64Array(GRID * GRID);
const sy = new Float64Array(GRID * GRID);
const sz = new Float64Array(GRID * GRID);

/**
 * Recovers (focal, shift) from `points` (h·w·3, row-major, model units) where `valid[i]` is set.
 * With `knownFocal` (relative to half the diagonal) only the shift is solved. Subsamples a 64×64
 * grid (nearest), then minimises Σ‖f·xy/(z+s) − uv‖² over s (f in closed form for each s) with
 * Gauss–Newton steps from s = 0. Throws when fewer than 16 valid points remain.
 */
export function recoverFocalShift(
  points: Float32Array,
  valid: Uint8Array,
  width: number,
  height: number,
  knownFocal?: number,
): FocalShift {
  const aspect = width / height;
  const spanX = aspect / Math.sqrt(1 + aspect * aspect);
  const spanY = 1 / Math.sqrt(1 + aspect * aspect);
  const gw = Math.min(GRID, width);
  const gh = Math.min(GRID, height);
  let n = 0;
  for (let gy = 0; gy < gh; gy++) {
    const y = Math.min(height - 1, Math.floor(((gy + 0.5) * height) / gh));
    for (let gx = 0; gx < gw; gx++) {
      const x = Math.min(width - 1, Math.floor(((gx + 0.5) * width) / gw));
      const i = y * width + x;
      if (!valid[i]) continue;
      // Pixel centres: u spans ±spanX·(w−1)/w like numpy's linspace in MoGe's normalized_view_plane_uv.
      su[n] = width > 1 ? -spanX * ((width - 1) / width) + (2 * spanX * ((width - 1) / width) * x) / (width - 1) : 0;
      sv[n] =
        height > 1 ? -spanY * ((height - 1) / height) + (2 * spanY * ((height - 1) / height) * y) / (height - 1) : 0;
      sx[n] = points[3 * i]!;
      sy[n] = points[3 * i + 1]!;
      sz[n] = points[3 * i + 2]!;
      n++;
    }
  }
  if (n < 16) throw new RangeError(`only ${n} valid points: cannot recover the focal length`);

  let minZ = Infinity;
  for (let i = 0; i < n; i++) if (sz[i]! < minZ) minZ = sz[i]!;
  const lower = -minZ + 1e-6; // z + shift must stay positive

  const focalFor = (s: number): number => {
    if (knownFocal !== undefined) return knownFocal;
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      const inv = 1 / (sz[i]! + s);
      const px = sx[i]! * inv;
      const py = sy[i]! * inv;
      num += px * su[i]! + py * sv[i]!;
      den += px * px + py * py;
    }
    return den > 0 ? num / den : 0;
  };
  const cost = (s: number): number => {
    const f = focalFor(s);
    let c = 0;
    for (let i = 0; i < n; i++) {
      const inv = 1 / (sz[i]! + s);
      const ex = f * sx[i]! * inv - su[i]!;
      const ey = f * sy[i]! * inv - sv[i]!;
      c += ex * ex + ey * ey;
    }
    return c;
  };

  // Gauss–Newton on the 1-D variable with a numeric derivative and step halving.
  let s = Math.max(0, lower);
  let c = cost(s);
  for (let iter = 0; iter < 100; iter++) {
    const h = 1e-4 * Math.max(1, Math.abs(s));
    const cp = cost(s + h);
    const cm = cost(Math.max(lower, s - h));
    const g = (cp - cm) / (s + h - Math.max(lower, s - h));
    const curv = (cp - 2 * c + cm) / (h * h);
    let step = curv > 0 ? -g / curv : -Math.sign(g) * Math.max(h, 0.1 * Math.abs(s) + 0.01);
    let improved = false;
    for (let k = 0; k < 30; k++, step /= 2) {
      const next = Math.max(lower, s + step);
      const cn = cost(next);
      if (cn < c) {
        improved = Math.abs(next - s) > 1e-12 * Math.max(1, Math.abs(s));
        s = next;
        c = cn;
        break;
      }
    }
    if (!improved) break;
  }
  return { focal: focalFor(s), shift: s, used: n };
}
