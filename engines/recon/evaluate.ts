/**
 * Reconstruction quality against ground truth (the DTU / Tanks-and-Temples protocol): accuracy is
 * how close the predicted points lie to the true surface, completeness how much of the true
 * surface the prediction covers, both from nearest-neighbour distances between two point sets,
 * found with a uniform grid.
 */

/** Nearest-neighbour index over a fixed point set: points bucketed by a uniform grid (counting sort). */
export class PointGrid {
  /** Cell edge, metres. */
  cellM = 0;
  private readonly ox: number;
  private readonly oy: number;
  private readonly oz: number;
  private nx = 0;
  private ny = 0;
  private nz = 0;
  private readonly start: Int32Array;
  /** The point the last finite {@link nearestDistance} found (overwritten by each query). */
  readonly nearest = new Float64Array(3);
  /** The points, reordered cell by cell (packed xyz). */
  private readonly sorted: Float32Array;

  /**
   * Indexes packed xyz `points` (metres). `cellM` defaults to a few points per occupied cell
   * whatever the set's shape: start from the largest of the volume-, area- and length-based
   * spacings of n points in the bounding box, then, if occupied cells hold more than 8 points on
   * average (points on surfaces inside a big box), shrink the cells once as for a surface. The
   * grid never exceeds 2²⁴ cells. Allocates O(n + cells); O(n).
   */
  constructor(points: Float32Array, cellM?: number) {
    const n = Math.floor(points.length / 3);
    let x0 = Infinity, y0 = Infinity, z0 = Infinity, x1 = -Infinity, y1 = -Infinity, z1 = -Infinity; // prettier-ignore
    for (let i = 0; i < n; i++) {
      const x = points[3 * i]!;
      const y = points[3 * i + 1]!;
      const z = points[3 * i + 2]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < z0) z0 = z;
      if (z > z1) z1 = z;
    }
    if (n === 0) x0 = y0 = z0 = x1 = y1 = z1 = 0;
    const ex = x1 - x0;
    const ey = y1 - y0;
    const ez = z1 - z0;
    this.ox = x0;
    this.oy = y0;
    this.oz = z0;
    const m = Math.max(1, n / 2);
    const maxArea = Math.max(ex * ey, ey * ez, ex * ez);
    let cell = cellM ?? Math.max(Math.cbrt((ex * ey * ez) / m), Math.sqrt(maxArea / m), Math.max(ex, ey, ez) / m, 1e-6);
    if (!(cell > 0 && Number.isFinite(cell))) throw new RangeError(`PointGrid: bad cell size ${cell}`);
    const cellOf = new Int32Array(n);
    let start = new Int32Array(0);
    for (let attempt = 0; attempt < 2; attempt++) {
      while ((Math.floor(ex / cell) + 1) * (Math.floor(ey / cell) + 1) * (Math.floor(ez / cell) + 1) > 1 << 24)
        cell *= 1.26;
      this.cellM = cell;
      this.nx = Math.floor(ex / cell) + 1;
      this.ny = Math.floor(ey / cell) + 1;
      this.nz = Math.floor(ez / cell) + 1;
      const cells = this.nx * this.ny * this.nz;
      start = new Int32Array(cells + 1);
      let occupied = 0;
      for (let i = 0; i < n; i++) {
        const c = this.cellIndex(points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!);
        cellOf[i] = c;
        if (start[c + 1]!++ === 0) occupied++;
      }
      const perCell = n / Math.max(1, occupied);
      if (cellM !== undefined || attempt > 0 || perCell <= 8) break;
      cell *= Math.sqrt(3 / perCell); // a surface: points per cell go with the cell's area
    }
    const cells = this.nx * this.ny * this.nz;
    for (let c = 0; c < cells; c++) start[c + 1]! += start[c]!;
    const fill = start.slice(0, cells);
    const sorted = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const o = 3 * fill[cellOf[i]!]!++;
      sorted[o] = points[3 * i]!;
      sorted[o + 1] = points[3 * i + 1]!;
      sorted[o + 2] = points[3 * i + 2]!;
    }
    this.start = start;
    this.sorted = sorted;
  }

  private clampCell(v: number, o: number, n: number): number {
    const c = Math.floor((v - o) / this.cellM);
    return c < 0 ? 0 : c >= n ? n - 1 : c;
  }

  private cellIndex(x: number, y: number, z: number): number {
    const cx = this.clampCell(x, this.ox, this.nx);
    const cy = this.clampCell(y, this.oy, this.ny);
    const cz = this.clampCell(z, this.oz, this.nz);
    return (cz * this.ny + cy) * this.nx + cx;
  }

  /**
   * Distance (metres) from (x, y, z) to the nearest indexed point, exactly, searching shells of
   * cells outwards until no closer point can remain. Returns Infinity for an empty set or when
   * the nearest point is farther than `maxM` (the search stops there: cost O((maxM / cell)³) cells
   * at most, so pass a bound for queries that may be far from every point). No allocation.
   */
  nearestDistance(x: number, y: number, z: number, maxM = Infinity): number {
    if (this.sorted.length === 0) return Infinity;
    const h = this.cellM;
    const cx = this.clampCell(x, this.ox, this.nx);
    const cy = this.clampCell(y, this.oy, this.ny);
    const cz = this.clampCell(z, this.oz, this.nz);
    const maxRing = Math.max(this.nx, this.ny, this.nz);
    const p = this.sorted;
    let best = Infinity;
    let bestQ = -1;
    for (let r = 0; r <= maxRing; r++) {
      const zA = cz - r < 0 ? 0 : cz - r;
      const zB = cz + r >= this.nz ? this.nz - 1 : cz + r;
      const yA = cy - r < 0 ? 0 : cy - r;
      const yB = cy + r >= this.ny ? this.ny - 1 : cy + r;
      const xA = cx - r < 0 ? 0 : cx - r;
      const xB = cx + r >= this.nx ? this.nx - 1 : cx + r;
      for (let k = zA; k <= zB; k++) {
        const onZ = k === cz - r || k === cz + r;
        for (let j = yA; j <= yB; j++) {
          const onY = onZ || j === cy - r || j === cy + r;
          const row = (k * this.ny + j) * this.nx;
          // Only the shell: interior cells were searched in earlier rings.
          const step = onY ? 1 : 2 * r;
          for (let i = onY ? xA : cx - r; i <= xB; i += step) {
            if (i < xA) continue;
            const c = row + i;
            for (let q = this.start[c]!, e = this.start[c + 1]!; q < e; q++) {
              const dx = p[3 * q]! - x;
              const dy = p[3 * q + 1]! - y;
              const dz = p[3 * q + 2]! - z;
              const d2 = dx * dx + dy * dy + dz * dz;
              if (d2 < best) {
                best = d2;
                bestQ = q;
              }
            }
          }
        }
      }
      // Cells of ring r + 1 and beyond are at least r·h away from the query.
      const bound = r * h;
      if (best <= bound * bound) return this.found(bestQ, best);
      if (bound > maxM) break;
    }
    return best <= maxM * maxM ? this.found(bestQ, best) : Infinity;
  }

  private found(q: number, d2: number): number {
    this.nearest[0] = this.sorted[3 * q]!;
    this.nearest[1] = this.sorted[3 * q + 1]!;
    this.nearest[2] = this.sorted[3 * q + 2]!;
    return Math.sqrt(d2);
  }
}

export interface SurfaceEvaluation {
  thresholdsM: number[];
  /** Per threshold: fraction of predicted points within it of the ground truth (precision). */
  accuracy: number[];
  /** Per threshold: fraction of ground-truth points within it of the prediction (recall). */
  completeness: number[];
  /** Per threshold: harmonic mean of accuracy and completeness. */
  fScore: number[];
  /** Distances were clipped to this (metres) before the means and medians. */
  maxDistanceM: number;
  /** Mean and median distance, metres, predicted → ground truth. */
  accuracyMeanM: number;
  accuracyMedianM: number;
  /** Mean and median distance, metres, ground truth → predicted. */
  completenessMeanM: number;
  completenessMedianM: number;
  predCount: number;
  gtCount: number;
}

/** Nearest distances of `points` to the grid's set, clipped to `maxM`. */
function distancesTo(grid: PointGrid, points: Float32Array, maxM: number): Float32Array {
  const n = Math.floor(points.length / 3);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.min(maxM, grid.nearestDistance(points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!, maxM));
  return out;
}

function summarise(
  dist: Float32Array,
  thresholds: readonly number[],
): { within: number[]; mean: number; median: number } {
  const n = dist.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += dist[i]!;
  dist.sort();
  const within = thresholds.map((t) => {
    // dist is sorted: binary search for the first distance > t.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (dist[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return n ? lo / n : NaN;
  });
  const median = n === 0 ? NaN : n % 2 ? dist[n >> 1]! : 0.5 * (dist[n / 2 - 1]! + dist[n / 2]!);
  return { within, mean: n ? sum / n : NaN, median };
}

/**
 * Accuracy and completeness of `predPoints` against `gtPoints` (both packed xyz, metres, same
 * frame) at each distance threshold (metres), plus mean and median distances (each clipped to
 * `maxDistanceM`, default 10 × the largest threshold, which also bounds the search for outliers)
 * and the F-score. Sample the ground truth at least as densely as the thresholds (spacing ≤
 * threshold / 2), or accuracy is underestimated by the gaps. Allocates grids and distance arrays,
 * O(n_pred + n_gt); about O((n_pred + n_gt) · points per 27 cells).
 */
export function evaluateSurface(
  predPoints: Float32Array,
  gtPoints: Float32Array,
  thresholdsM: readonly number[] = [0.02, 0.05],
  maxDistanceM = 10 * Math.max(...thresholdsM),
): SurfaceEvaluation {
  for (const t of thresholdsM) if (!(t > 0)) throw new RangeError(`evaluateSurface: thresholds must be > 0, got ${t}`);
  if (!(maxDistanceM > 0)) throw new RangeError(`evaluateSurface: maxDistanceM must be > 0, got ${maxDistanceM}`);
  const acc = summarise(distancesTo(new PointGrid(gtPoints), predPoints, maxDistanceM), thresholdsM);
  const comp = summarise(distancesTo(new PointGrid(predPoints), gtPoints, maxDistanceM), thresholdsM);
  return {
    thresholdsM: [...thresholdsM],
    accuracy: acc.within,
    completeness: comp.within,
    fScore: acc.within.map((a, i) => {
      const c = comp.within[i]!;
      return a + c > 0 ? (2 * a * c) / (a + c) : 0;
    }),
    maxDistanceM,
    accuracyMeanM: acc.mean,
    accuracyMedianM: acc.median,
    completenessMeanM: comp.mean,
    completenessMedianM: comp.median,
    predCount: Math.floor(predPoints.length / 3),
    gtCount: Math.floor(gtPoints.length / 3),
  };
}
