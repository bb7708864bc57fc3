import { beginPositiveQuantile, depthStats, endPositiveQuantile, positiveKeyHigh, type DepthStats } from './maps.js';
import { recoverFocalShift } from './moge.js';
import type { Normalisation, ResizeRule } from './preprocess.js';

/** Pinhole intrinsics in pixels of the image they describe. */
export interface PinholeK {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

export type OutputKind = 'inverse_relative' | 'relative' | 'metric' | 'canonical_metric' | 'point_map';

/** What the adapters need from a manifest entry. */
export interface DepthModelSpec {
  family: string;
  inputs: ReadonlyArray<{ name: string; dtype: string; shape: ReadonlyArray<number | string> }>;
  preprocess: Normalisation & { resize: ResizeRule };
  output: { kind: OutputKind; primary: string; canonical_focal_px?: number; max_depth_m?: number };
}

export interface RawOutput {
  data: Float32Array;
  dims: readonly number[];
}

/** How the depth got its scale. */
export type ScaleSource = 'model_metric' | 'canonical_focal' | 'point_map' | 'none';

export interface InterpretedDepth {
  /** Grows with distance. Metres when `metric`, else relative (median of valid pixels = 1); NaN where not valid. */
  depth: Float32Array;
  valid: Uint8Array;
  width: number;
  height: number;
  metric: boolean;
  scaleSource: ScaleSource;
  /** For people: what the numbers mean. */
  meaning: string;
  /** Intrinsics the model estimated (MoGe-2), at model resolution; null otherwise. */
  estimatedK: PinholeK | null;
  /** Min, median, max and valid fraction of `depth` over `valid`. */
  stats: DepthStats;
}

export interface InterpretContext {
  /** Model input size (the outputs must match it). */
  width: number;
  height: number;
  /** Intrinsics scaled to the model input. */
  K: PinholeK;
  /** Whether `K` came from the user or EXIF (true) or only a heuristic (false). */
  trustedFocal: boolean;
  /**
   * Arrays of width × height to write the depth and mask into instead of new ones (a caller's
   * reused buffers: their old contents do not matter, every element is written).
   */
  into?: { depth: Float32Array; valid: Uint8Array };
}

/** Extra inputs some families take besides the image (MoGe-2's token budget). */
export function extraInputs(spec: DepthModelSpec): Record<string, { dtype: 'int64'; value: bigint }> {
  const r = spec.preprocess.resize;
  if (spec.output.kind === 'point_map' && r.mode === 'tokens') {
    const name = spec.inputs.find((i) => i.dtype === 'int64')?.name ?? 'num_tokens';
    return { [name]: { dtype: 'int64', value: BigInt(r.num_tokens) } };
  }
  return {};
}

/** The outputs `interpretDepth` reads; the others need not leave onnxruntime. */
export function neededOutputs(spec: DepthModelSpec): string[] {
  return spec.output.kind === 'point_map' ? ['points', 'mask', 'metric_scale'] : [spec.output.primary];
}

/** The name of the image input (the float32 rank-4 one). */
export function imageInputName(spec: DepthModelSpec): string {
  const input = spec.inputs.find((i) => i.shape.length === 4 && i.dtype.startsWith('float'));
  if (!input) throw new Error(`model family ${spec.family} has no image input in its manifest`);
  return input.name;
}

function plane(out: RawOutput, name: string, width: number, height: number): Float32Array {
  const d = out.dims;
  const h = d[d.length - 2];
  const w = d[d.length - 1];
  if (h !== height || w !== width || out.data.length !== width * height) {
    throw new Error(`output ${name} is [${d.join(',')}], expected ${height}×${width} (one image)`);
  }
  return out.data;
}

function need(outputs: Record<string, RawOutput>, name: string): RawOutput {
  const o = outputs[name];
  if (!o) throw new Error(`the model produced no output named ${name}`);
  return o;
}

/**
 * Divides by the median of valid values so a relative map reads "1 = typical distance"; returns the
 * new stats. The caller's loop has already run the median's first pass (beginPositiveQuantile).
 */
function normaliseMedian(depth: Float32Array, valid: Uint8Array, min: number, max: number, count: number): DepthStats {
  if (count === 0) return { min: NaN, median: NaN, max: NaN, validFraction: 0, validCount: 0 };
  const median = max === min ? min : endPositiveQuantile(depth, valid, count, 0.5);
  const s = { min, median, max, validFraction: count / depth.length, validCount: count };
  if (!(median > 0)) return s;
  const k = 1 / median;
  for (let i = 0; i < depth.length; i++) depth[i] = depth[i]! * k;
  return { ...s, min: min * k, median: 1, max: max * k };
}

/**
 * Turns one family's raw outputs into depth that grows with distance, in metres where the family
 * and the intrinsics allow, with a validity mask. Allocates the depth map and mask (model size).
 */
export function interpretDepth(
  spec: DepthModelSpec,
  outputs: Record<string, RawOutput>,
  ctx: InterpretContext,
): InterpretedDepth {
  const { width, height, K } = ctx;
  const n = width * height;
  const depth = ctx.into?.depth.length === n ? ctx.into.depth : new Float32Array(n);
  const valid = ctx.into?.valid.length === n ? ctx.into.valid : new Uint8Array(n);
  const primary = need(outputs, spec.output.primary);
  const base = { depth, valid, width, height, estimatedK: null };

  switch (spec.output.kind) {
    case 'inverse_relative': {
      // Disparity-like: invert, treating the unknown shift as zero. Pixels under 1/1000 of the
      // largest disparity (sky, far background) are too far to invert meaningfully.
      const disp = plane(primary, spec.output.primary, width, height);
      let maxD = 0;
      for (let i = 0; i < n; i++) if (disp[i]! > maxD) maxD = disp[i]!;
      const floor = maxD * 1e-3;
      let lo = Infinity;
      let hi = -Infinity;
      let count = 0;
      const bits = new Uint32Array(depth.buffer, depth.byteOffset, n);
      const hist = beginPositiveQuantile();
      for (let i = 0; i < n; i++) {
        const d = disp[i]!;
        if (d > floor && d < Infinity) {
          const z = 1 / d;
          depth[i] = z;
          valid[i] = 1;
          hist[positiveKeyHigh(bits[i]!)]!++;
          if (z < lo) lo = z;
          if (z > hi) hi = z;
          count++;
        } else {
          depth[i] = NaN;
          valid[i] = 0;
        }
      }
      return {
        ...base,
        stats: normaliseMedian(depth, valid, lo, hi, count),
        metric: false,
        scaleSource: 'none',
        meaning:
          'relative depth = 1 / model disparity (shift assumed zero), divided by its median; grows with distance; unknown scale',
      };
    }
    case 'relative': {
      // Three passes, two of them read-only: statistics and the median's first radix pass over the
      // model's output, the median's second pass, then one pass writing the divided depth and mask.
      const rel = plane(primary, spec.output.primary, width, height);
      const bits = new Uint32Array(rel.buffer, rel.byteOffset, n);
      let lo = Infinity;
      let hi = -Infinity;
      let count = 0;
      const hist = beginPositiveQuantile();
      for (let i = 0; i < n; i++) {
        const d = rel[i]!;
        if (d > 0 && d < Infinity) {
          hist[positiveKeyHigh(bits[i]!)]!++;
          if (d < lo) lo = d;
          if (d > hi) hi = d;
          count++;
        }
      }
      // The second pass's key range leaves out what the first did not count (≤ 0, infinite, NaN).
      const median = count === 0 ? NaN : lo === hi ? lo : endPositiveQuantile(rel, null, count, 0.5);
      const k = median > 0 ? 1 / median : 1;
      for (let i = 0; i < n; i++) {
        const d = rel[i]!;
        if (d > 0 && d < Infinity) {
          depth[i] = d * k;
          valid[i] = 1;
        } else {
          depth[i] = NaN;
          valid[i] = 0;
        }
      }
      const stats: DepthStats =
        count === 0
          ? { min: NaN, median: NaN, max: NaN, validFraction: 0, validCount: 0 }
          : { min: lo * k, median: median > 0 ? 1 : median, max: hi * k, validFraction: count / n, validCount: count };
      return {
        ...base,
        stats,
        metric: false,
        scaleSource: 'none',
        meaning: 'relative depth (model output divided by its median); grows with distance; unknown scale and shift',
      };
    }
    case 'metric': {
      const m = plane(primary, spec.output.primary, width, height);
      const maxM = spec.output.max_depth_m ?? Infinity;
      for (let i = 0; i < n; i++) {
        const d = m[i]!;
        if (d > 0 && d < maxM) {
          depth[i] = d;
          valid[i] = 1;
        } else {
          depth[i] = NaN;
          valid[i] = 0;
        }
      }
      return {
        ...base,
        stats: depthStats(depth, valid),
        metric: true,
        scaleSource: 'model_metric',
        meaning: `metric depth in metres as the model predicts it (range up to ${maxM} m; the model does not use the focal length)`,
      };
    }
    case 'canonical_metric': {
      const canonical = spec.output.canonical_focal_px ?? 1000;
      const m = plane(primary, spec.output.primary, width, height);
      // Depth in a camera of focal `canonical` px; a real focal f sees the same object f/canonical as far.
      const k = (0.5 * (K.fx + K.fy)) / canonical;
      for (let i = 0; i < n; i++) {
        const d = m[i]! * k;
        if (d > 0 && d < Infinity) {
          depth[i] = d;
          valid[i] = 1;
        } else {
          depth[i] = NaN;
          valid[i] = 0;
        }
      }
      return {
        ...base,
        stats: depthStats(depth, valid),
        metric: true,
        scaleSource: 'canonical_focal',
        meaning: `metric depth in metres: canonical-camera output × focal_px / ${canonical}`,
      };
    }
    case 'point_map': {
      const points = need(outputs, 'points');
      const mask = need(outputs, 'mask');
      const scale = need(outputs, 'metric_scale').data[0]!;
      const maskPlane = plane(mask, 'mask', width, height);
      if (points.data.length !== 3 * n) throw new Error(`output points is [${points.dims.join(',')}], expected h×w×3`);
      for (let i = 0; i < n; i++) valid[i] = maskPlane[i]! > 0.5 ? 1 : 0;
      const halfDiag = 0.5 * Math.hypot(width, height);
      const known = ctx.trustedFocal ? (0.5 * (K.fx + K.fy)) / halfDiag : undefined;
      const { focal, shift } = recoverFocalShift(points.data, valid, width, height, known);
      const p = points.data;
      for (let i = 0; i < n; i++) {
        const z = p[3 * i + 2]! + shift;
        const d = z * scale;
        if (valid[i] && z > 0 && d > 0 && d < Infinity) depth[i] = d;
        else {
          depth[i] = NaN;
          valid[i] = 0;
        }
      }
      const fPx = focal * halfDiag;
      return {
        ...base,
        stats: depthStats(depth, valid),
        metric: true,
        scaleSource: 'point_map',
        estimatedK: known === undefined ? { fx: fPx, fy: fPx, cx: width / 2, cy: height / 2 } : null,
        meaning: 'metric depth in metres: (point-map z + recovered shift) × the model’s metric scale',
      };
    }
  }
}
