/**
 * The one generic RANSAC of the project (COLMAP's estimator contract: minimum samples, estimate,
 * residuals), with an optional LO-RANSAC refit. Essential matrices, homographies, planes and lines
 * all plug an {@link Estimator} into {@link ransac}.
 */
import { mulberry32, randomInt } from './random.js';

/**
 * What a model type must provide. `M` is whatever the estimator uses (a Float64Array, an object…).
 */
export interface Estimator<M> {
  /** Size of a minimal sample (e.g. 5 for the five-point solver, 2 for a line). */
  readonly minSamples: number;
  /**
   * Minimal solver: fits models to the data points listed in `sampleIdx` (length `minSamples`,
   * distinct indices) and writes them to `out[0 .. count)`, returning `count` (0 for a degenerate
   * sample; a minimal solver may return several candidates). `out[k]` may already hold a model
   * object from an earlier call, which the estimator may overwrite in place to avoid allocating;
   * RANSAC never keeps a reference to an `out` slot it has handed back.
   */
  fit(sampleIdx: Int32Array, out: M[]): number;
  /**
   * Residual of data point `i` under `model`, in the units of `RansacOptions.threshold` (a point
   * is an inlier when residual ≤ threshold). Called n times per candidate: keep it allocation-free.
   */
  residual(model: M, i: number): number;
  /**
   * Optional local optimisation (LO-RANSAC): a non-minimal fit to the inliers `inlierIdx` (length ≥
   * minSamples) of the current best model. Returns a new model object (RANSAC keeps it), or null if
   * the fit failed. Called only when the best model improves, so it may allocate.
   */
  refit?(inlierIdx: Int32Array): M | null;
}

export interface RansacOptions {
  /** Inlier threshold on `Estimator.residual`, > 0. */
  threshold: number;
  /** Probability of drawing at least one all-inlier sample, in (0, 1); default 0.999. */
  confidence?: number;
  /** Hard cap on the number of samples drawn, integer ≥ 1. */
  maxIterations: number;
  /** Samples drawn at least, integer in [0, maxIterations]; default 0. */
  minIterations?: number;
  /** Seed of the sampler (see engines/core/random.ts): same seed, same data → same result. */
  seed: number;
}

export interface RansacResult<M> {
  /** The model with the most inliers, or null when no sample gave a model (or n < minSamples). */
  model: M | null;
  /** 1 for the inliers of `model`, 0 otherwise; length n. */
  inliers: Uint8Array;
  inlierCount: number;
  /** Samples drawn. */
  iterations: number;
}

const MAX_LO_STEPS = 4;

/**
 * Validates `opts` and `estimator.minSamples`; throws RangeError naming the bad option. O(1).
 */
export function checkRansacOptions(opts: RansacOptions, minSamples: number, n: number): void {
  const { threshold, confidence = 0.999, maxIterations, minIterations = 0, seed } = opts;
  if (!(Number.isFinite(threshold) && threshold > 0))
    throw new RangeError(`ransac: threshold must be > 0, got ${threshold}`);
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`ransac: confidence must be in (0, 1), got ${confidence}`);
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1))
    throw new RangeError(`ransac: maxIterations must be an integer ≥ 1, got ${maxIterations}`);
  if (!(Number.isInteger(minIterations) && minIterations >= 0 && minIterations <= maxIterations))
    throw new RangeError(`ransac: minIterations must be an integer in [0, maxIterations], got ${minIterations}`);
  if (!Number.isFinite(seed)) throw new RangeError(`ransac: seed must be a finite number, got ${seed}`);
  if (!(Number.isInteger(minSamples) && minSamples >= 1))
    throw new RangeError(`ransac: estimator.minSamples must be an integer ≥ 1, got ${minSamples}`);
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`ransac: n must be an integer ≥ 0, got ${n}`);
}

/**
 * Number of samples needed to draw one all-inlier minimal sample with probability `confidence`,
 * given an inlier ratio: log(1 − p) / log(1 − ratio^minSamples), rounded up; Infinity when
 * ratio^minSamples underflows, 1 when every point is an inlier. O(1).
 */
export function ransacIterations(inlierRatio: number, minSamples: number, confidence: number): number {
  const good = Math.pow(inlierRatio, minSamples);
  if (good >= 1) return 1;
  if (good <= 0) return Infinity;
  const denom = Math.log1p(-good);
  if (denom === 0) return Infinity;
  return Math.ceil(Math.log1p(-confidence) / denom);
}

/**
 * Robustly fits a model to `n` data points (the estimator holds the data; RANSAC only sees
 * indices). Draws seeded minimal samples of `estimator.minSamples` distinct indices, scores every
 * candidate by its inlier count (ties: smaller sum of inlier residuals), adapts the number of
 * samples to the best inlier ratio so far (see {@link ransacIterations}), clamped to
 * [minIterations, maxIterations], and — if the estimator has `refit` — re-fits each new best model
 * to its inliers (up to 4 rounds while the inlier count grows; LO-RANSAC). Options are checked up
 * front (RangeError). Allocates O(n) once (masks, index buffer); each sample costs one `fit` plus
 * n `residual` calls per candidate.
 */
export function ransac<M>(estimator: Estimator<M>, n: number, opts: RansacOptions): RansacResult<M> {
  const s = estimator.minSamples;
  checkRansacOptions(opts, s, n);
  const confidence = opts.confidence ?? 0.999;
  const minIterations = opts.minIterations ?? 0;
  const { threshold, maxIterations } = opts;

  let bestMask = new Uint8Array(n);
  let scratchMask = new Uint8Array(n);
  const result: RansacResult<M> = { model: null, inliers: bestMask, inlierCount: 0, iterations: 0 };
  if (n < s) return result;

  const rng = mulberry32(opts.seed);
  const sample = new Int32Array(s);
  const candidates: M[] = [];
  const idxBuf = new Int32Array(n);
  let best: M | null = null;
  let bestCount = 0;
  let bestCost = Infinity;
  let needed = maxIterations;
  let scoreCost = 0;

  // Inlier count of `model` into `mask`; the residual sum goes to scoreCost (tie-break).
  const score = (model: M, mask: Uint8Array): number => {
    let count = 0;
    let cost = 0;
    for (let i = 0; i < n; i++) {
      const r = estimator.residual(model, i);
      if (r <= threshold) {
        mask[i] = 1;
        count++;
        cost += r;
      } else mask[i] = 0;
    }
    scoreCost = cost;
    return count;
  };

  const updateNeeded = (): void => {
    const k = ransacIterations(bestCount / n, s, confidence);
    needed = Math.min(maxIterations, Math.max(minIterations, k));
  };

  const localOptimise = (): void => {
    const refit = estimator.refit;
    if (!refit) return;
    for (let step = 0; step < MAX_LO_STEPS && bestCount >= s; step++) {
      let m = 0;
      for (let i = 0; i < n; i++) if (bestMask[i]) idxBuf[m++] = i;
      const model = refit.call(estimator, idxBuf.subarray(0, m));
      if (model === null) return;
      const count = score(model, scratchMask);
      if (count > bestCount || (count === bestCount && scoreCost < bestCost)) {
        const grew = count > bestCount;
        best = model;
        bestCount = count;
        bestCost = scoreCost;
        const t = bestMask;
        bestMask = scratchMask;
        scratchMask = t;
        if (!grew) return;
      } else return;
    }
  };

  let it = 0;
  while (it < needed) {
    it++;
    // Distinct indices by rejection: s ≪ n in practice, so collisions are rare.
    for (let k = 0; k < s; k++) {
      let idx: number;
      let dup: boolean;
      do {
        idx = randomInt(rng, n);
        dup = false;
        for (let j = 0; j < k; j++) if (sample[j] === idx) dup = true;
      } while (dup);
      sample[k] = idx;
    }
    let count = estimator.fit(sample, candidates);
    for (let c = 0; c < count; c++) {
      const model = candidates[c];
      if (model === undefined) continue;
      const inl = score(model, scratchMask);
      if (inl > bestCount || (inl === bestCount && inl > 0 && scoreCost < bestCost)) {
        // Take the winner out of the candidate pool (the old best object is recycled in its slot).
        if (best === null) {
          candidates.splice(c, 1);
          c--;
          count--;
        } else candidates[c] = best;
        best = model;
        bestCount = inl;
        bestCost = scoreCost;
        const t = bestMask;
        bestMask = scratchMask;
        scratchMask = t;
        localOptimise();
        updateNeeded();
      }
    }
  }

  result.model = best;
  result.inliers = bestMask;
  result.inlierCount = bestCount;
  result.iterations = it;
  return result;
}
