/**
 * measureDistance: the metric distance between two clicked pixels, with a calibrated 1-sigma.
 *
 * Frames and units: pixels as in engines/core/camera.ts (continuous, pixel (i, j) centred at
 * (i + 0.5, j + 0.5), of the upright image); 3D points in the camera frame (x right, y down,
 * z forward), metres; depth maps hold z-depth at pixel centres, full resolution of the same image.
 *
 * Scale sources, best first (the result says which applied):
 *   1. `reference_plane`: a reference rectangle of known size, both points on its plane: the
 *      distance is measured in the plane's metric homography, exact up to click and corner error
 *      and independent of K;
 *      `reference_depth_fit`: the same rectangle, a point off its plane: the depth map is fitted to
 *      the plane's metric depth inside the rectangle (scale for a metric map, scale + shift for a
 *      relative one) and off-plane points are back-projected with the rescaled depth;
 *   2. `known_length`: two other pixels a known distance apart rescale the map (scale only);
 *   3. `model_metric`: the metric map as it is, with K;
 *   4. otherwise `MeasureError('no_scale')`.
 *
 * Noise model (independent, zero-mean Gaussian): each click of p1, p2 is off by N(0, clickPx²)
 * per axis; each reference click (rectangle corner, or a, b of a known length) by N(0, cornerPx²)
 * per axis; each sampled depth by its {@link DepthSample} sigma; the depth-to-plane fit by its
 * least-squares covariance; a metric model's global scale by N(0, modelRelative²). sigmaM is the
 * first-order propagation of these through the whole computation, with central-difference
 * Jacobians (each click moves the depth along the local surface gradient). Not included: error
 * in K, and depth error that is correlated within a sampling window but not over the reference.
 */
import type { Intrinsics } from '../core/index.js';
import { MeasureError } from './errors.js';
import { fitDepthAffine, gatherReferenceSamples, type AffineFit, type ReferenceSamples } from './fit.js';
import {
  applyHomography,
  createPlanePose,
  homographyFromCorners,
  invert3x3,
  planeDepthAtPixel,
  planePoseFromHomography,
} from './homography.js';
import { sampleDepthRobust, type DepthSample } from './sample.js';

/** Reference object sizes, metres, as [width, height] with width along TL→TR: portrait sheets,
 * a landscape card. For a sheet lying in landscape, pass them swapped. */
export const REFERENCE_SIZES_M = {
  a4: [0.21, 0.297],
  letter: [0.2159, 0.2794],
  id1_card: [0.0856, 0.05398],
} as const satisfies Record<string, readonly [number, number]>;

export type PixelXY = readonly [number, number];
export type Vec3 = [number, number, number];

export interface DepthMapInput {
  /** Row-major width × height depth at pixel centres: z-depth in metres when `metric`, otherwise
   * relative (grows with distance, unknown scale and shift: z = scale·d + shift). */
  depthM: Float32Array;
  /** 1 = valid; null = every finite depth > 0 is valid. */
  valid: Uint8Array | null;
  metric: boolean;
}

export type Reference =
  | {
      kind: 'rectangle';
      /** Image corners x0, y0, …, x3, y3 (pixels): top-left, top-right, bottom-right, bottom-left
       * of the object, clockwise on screen; width runs along TL→TR. */
      corners: ArrayLike<number>;
      widthM: number;
      heightM: number;
    }
  | { kind: 'length'; a: PixelXY; b: PixelXY; lengthM: number };

export interface NoiseModel {
  /** 1-sigma click error per axis of p1, p2, pixels. Default 0.5. */
  clickPx?: number;
  /** 1-sigma click error per axis of reference corners / known-length end points, pixels. Default 0.5. */
  cornerPx?: number;
  /** 1-sigma relative error of a metric model's global scale. Default 0.10. */
  modelRelative?: number;
  /**
   * 1-sigma relative error of one depth-map sample beyond its window's own spread: the model's
   * local error (roughly its AbsRel), independent between the two points. Default 0 (an exact map).
   */
  depthRelative?: number;
}

export interface MeasureInput {
  p1: PixelXY;
  p2: PixelXY;
  K: Intrinsics;
  width: number;
  height: number;
  depth?: DepthMapInput | undefined;
  reference?: Reference | undefined;
  /** Rectangle reference only: true = both points on its plane, false = use the depth map,
   * 'auto' (default) = decide per point by comparing the fitted depth with the plane's. */
  onPlane?: 'auto' | boolean | undefined;
  noise?: NoiseModel | undefined;
  /** Depth sampling window radius, pixels (window 2r+1). Default 2. */
  sampleRadiusPx?: number | undefined;
}

export type ScaleSource = 'reference_plane' | 'reference_depth_fit' | 'known_length' | 'model_metric';
export type PointSource = 'reference_plane' | 'depth_map';

export interface DepthFitSummary {
  /** z_plane ≈ scale·d + shift (metres). */
  scale: number;
  shift: number;
  shiftFitted: boolean;
  samples: number;
  inliers: number;
  /** Per-sample residual 1-sigma of the fit, metres. */
  residualSigmaM: number;
}

export interface MeasureResult {
  distanceM: number;
  /** 1-sigma of distanceM, metres (root sum of squares of the breakdown). */
  sigmaM: number;
  sigmaBreakdownM: { click: number; reference: number; depth: number; scaleFit: number; model: number };
  /** The two points, camera frame, metres. */
  p1Cam: Vec3;
  p2Cam: Vec3;
  /** Raw depth-map samples at p1, p2 (map units), or null where no map was read. */
  depth: [DepthSample | null, DepthSample | null] | null;
  /** Metric z-depth used for each point, metres. */
  depthUsedM: [number, number];
  /** 1-sigma of each depthUsedM, metres, propagated from the same noise sources as sigmaM. */
  depthSigmaM: [number, number];
  pointSource: [PointSource, PointSource];
  scaleSource: ScaleSource;
  /** Both points were measured on the reference plane. */
  onPlane: boolean;
  depthFit: DepthFitSummary | null;
  notes: string[];
}

/** A point whose depth differs from the plane's by ≤ max(3σ, this share of it) is on the plane. */
const ON_PLANE_MIN_REL = 0.005;
/** Below this relative depth spread over the rectangle, a relative map's shift is not identifiable. */
const SHIFT_MIN_SPREAD = 0.05;
const MIN_FIT_INLIERS = 8;

const isFinitePositive = (v: number) => Number.isFinite(v) && v > 0;

function checkPoint(p: PixelXY, width: number, height: number, what: string): void {
  const [x, y] = p;
  if (!(Number.isFinite(x) && Number.isFinite(y) && x >= 0 && x < width && y >= 0 && y < height))
    throw new MeasureError('point_outside', `${what} (${x}, ${y}) is outside the ${width}×${height} image`, {
      point: what,
    });
}

/** Independent noise parameters: θ perturbations with their 1-sigma and their group. */
type Group = 'click' | 'reference' | 'depth';

/**
 * The distance in metres between pixels p1 and p2, its 1-sigma, the two 3D points (camera frame,
 * metres), the depth used at each and which scale source applied (see the file comment for the
 * sources and the noise model). Throws `MeasureError`: 'point_outside' (p1, p2, a or b outside
 * [0, width) × [0, height)), 'identical_points' (p1, p2 < 0.5 px apart), 'degenerate_reference'
 * (repeated, collinear or misordered corners; non-positive sizes; a, b < 0.5 px apart; a map that
 * cannot be fitted to the rectangle when off-plane depth is required), 'no_scale' (no usable scale
 * source), 'no_depth_at_point' (no valid depth near a point that needs one). RangeError for
 * malformed sizes or intrinsics. Allocates a few small arrays per call; cost O(r²) per depth sample
 * plus O(576) per fit evaluation × ~30 Jacobian evaluations — about 1 ms with a depth fit.
 */
export function measureDistance(input: MeasureInput): MeasureResult {
  const { p1, p2, K, width, height, depth, reference } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
  if (!isFinitePositive(K.fx) || !isFinitePositive(K.fy) || !Number.isFinite(K.cx) || !Number.isFinite(K.cy))
    throw new RangeError('K must have positive finite fx, fy and finite cx, cy');
  if (depth && depth.depthM.length < width * height)
    throw new RangeError(`depth map has ${depth.depthM.length} values, ${width}×${height} needs more`);
  if (depth?.valid && depth.valid.length < width * height) throw new RangeError('valid mask is smaller than the image');
  const clickPx = input.noise?.clickPx ?? 0.5;
  const cornerPx = input.noise?.cornerPx ?? 0.5;
  const modelRelative = input.noise?.modelRelative ?? 0.1;
  const depthRelative = input.noise?.depthRelative ?? 0;
  const radius = input.sampleRadiusPx ?? 2;
  const onPlaneMode = input.onPlane ?? 'auto';

  checkPoint(p1, width, height, 'p1');
  checkPoint(p2, width, height, 'p2');
  if (Math.hypot(p2[0] - p1[0], p2[1] - p1[1]) < 0.5)
    throw new MeasureError('identical_points', 'p1 and p2 are the same point (less than half a pixel apart)');

  const notes: string[] = [];
  const sample = (p: PixelXY, what: string, required: boolean): DepthSample | null => {
    if (!depth) return null;
    const s = sampleDepthRobust(depth.depthM, depth.valid, width, height, p[0], p[1], radius, clickPx);
    if (s === null && required)
      throw new MeasureError('no_depth_at_point', `no valid depth near ${what} (${p[0]}, ${p[1]})`, { point: what });
    if (s?.straddlesEdge) notes.push(`${what} is at a depth edge: took the ${s.method.replace('_', ' ')}`);
    if (s?.method === 'nearest_valid')
      notes.push(`${what} has no valid depth in its window: used the nearest valid pixel`);
    return s;
  };

  // θ layout: [p1x, p1y, p2x, p2y, reference clicks…, depth deltas…]; evaluate(θ) → distance.
  const theta: number[] = [p1[0], p1[1], p2[0], p2[1]];
  const sig: number[] = [clickPx, clickPx, clickPx, clickPx];
  const group: Group[] = ['click', 'click', 'click', 'click'];
  const P1: Vec3 = [0, 0, 0];
  const P2: Vec3 = [0, 0, 0];
  const rayPoint = (out: Vec3, x: number, y: number, z: number) => {
    out[0] = ((x - K.cx) / K.fx) * z;
    out[1] = ((y - K.cy) / K.fy) * z;
    out[2] = z;
  };
  const dist3 = () => Math.hypot(P1[0] - P2[0], P1[1] - P2[1], P1[2] - P2[2]);
  /** Raw map depth of a sample moved to (x, y) along its local gradient, plus a delta. */
  const along = (s: DepthSample, p: PixelXY, x: number, y: number, delta: number) =>
    s.depth + s.gradX * (x - p[0]) + s.gradY * (y - p[1]) + delta;
  const addDepthParam = (s: DepthSample | null): number => {
    theta.push(0);
    sig.push(s ? Math.hypot(s.sigma, depthRelative * s.depth) : 0);
    group.push('depth');
    return theta.length - 1;
  };

  let evaluate: (th: number[], fitDelta: readonly [number, number]) => number;
  let scaleSource: ScaleSource;
  let samples: [DepthSample | null, DepthSample | null] | null = null;
  let pointSource: [PointSource, PointSource] = ['depth_map', 'depth_map'];
  let fitCov: [number, number, number] | null = null; // covSS, covSB, covBB of the fit deltas
  let depthFit: DepthFitSummary | null = null;
  let modelScaled = false;
  const depthUsedM: [number, number] = [NaN, NaN];

  if (reference?.kind === 'rectangle') {
    const { widthM, heightM } = reference;
    if (!isFinitePositive(widthM) || !isFinitePositive(heightM))
      throw new MeasureError('degenerate_reference', `reference size must be positive, got ${widthM} × ${heightM} m`);
    const planePts = [0, 0, widthM, 0, widthM, heightM, 0, heightM];
    const H = new Float64Array(9);
    const Hinv = new Float64Array(9);
    const pose = createPlanePose();
    homographyFromCorners(H, reference.corners, planePts);
    for (let i = 0; i < 8; i++) {
      theta.push(reference.corners[i]!);
      sig.push(cornerPx);
      group.push('reference');
    }
    planePoseFromHomography(pose, H, K);
    if (Math.abs(pose.columnRatio - 1) > 0.03)
      notes.push(
        `the rectangle's perspective disagrees with K by ${(Math.abs(pose.columnRatio - 1) * 100).toFixed(1)}% ` +
          '(wrong focal or reference size?): off-plane depths may be biased',
      );
    if (onPlaneMode === false && !depth)
      throw new MeasureError('no_scale', 'points off the reference plane need a depth map');

    // The depth map fitted to the plane, when a point may be off it.
    let refSamples: ReferenceSamples | null = null;
    let fit: AffineFit | null = null;
    const targets = new Float64Array(24 * 24);
    const planeTargets = (p: typeof pose) => {
      for (let k = 0; k < refSamples!.count; k++)
        targets[k] = planeDepthAtPixel(p, K, refSamples!.u[k]!, refSamples!.v[k]!);
    };
    if (depth && onPlaneMode !== true) {
      const c = reference.corners;
      const side = (a: number, b: number) => Math.hypot(c[2 * b]! - c[2 * a]!, c[2 * b + 1]! - c[2 * a + 1]!);
      refSamples = gatherReferenceSamples(
        H,
        widthM,
        heightM,
        [(side(0, 1) + side(3, 2)) / 2, (side(0, 3) + side(1, 2)) / 2],
        depth.depthM,
        depth.valid,
        width,
        height,
      );
      planeTargets(pose);
      let zMin = Infinity;
      let zMax = -Infinity;
      let zSum = 0;
      let good = 0;
      for (let k = 0; k < refSamples.count; k++) {
        const z = targets[k]!;
        if (!(z > 0)) {
          refSamples.inlier[k] = 0;
          continue;
        }
        zMin = Math.min(zMin, z);
        zMax = Math.max(zMax, z);
        zSum += z;
        good++;
      }
      let withShift = !depth.metric;
      if (withShift && good > 0 && (zMax - zMin) / (zSum / good) < SHIFT_MIN_SPREAD) {
        withShift = false;
        notes.push(
          'the reference is nearly fronto-parallel, so the relative map’s shift is not identifiable: fitted scale only',
        );
      }
      const f: AffineFit = {
        scale: NaN,
        shift: NaN,
        withShift,
        covSS: NaN,
        covSB: NaN,
        covBB: NaN,
        residualSigma: NaN,
        inliers: 0,
      };
      fitDepthAffine(refSamples, targets, withShift, true, f);
      if (f.inliers >= MIN_FIT_INLIERS && f.scale > 0) {
        fit = f;
        depthFit = {
          scale: f.scale,
          shift: f.shift,
          shiftFitted: withShift,
          samples: refSamples.count,
          inliers: f.inliers,
          residualSigmaM: f.residualSigma,
        };
      } else if (onPlaneMode === false) {
        throw new MeasureError(
          'degenerate_reference',
          'the depth map cannot be fitted to the reference rectangle (too few valid depths inside it, or they do not match its plane)',
        );
      } else {
        notes.push('the depth map could not be fitted to the reference: both points assumed on its plane');
      }
    }

    // Per point: on the plane, or from the rescaled depth map.
    if (fit) {
      const s1 = sample(p1, 'p1', onPlaneMode === false);
      const s2 = sample(p2, 'p2', onPlaneMode === false);
      samples = [s1, s2];
      const decide = (s: DepthSample | null, p: PixelXY, what: string): PointSource => {
        if (onPlaneMode === false) return 'depth_map';
        if (!s) {
          notes.push(`${what} has no depth: assumed on the reference plane`);
          return 'reference_plane';
        }
        const zPlane = planeDepthAtPixel(pose, K, p[0], p[1]);
        const zFit = fit!.scale * s.depth + fit!.shift;
        const varFit = s.depth * s.depth * fit!.covSS + 2 * s.depth * fit!.covSB + fit!.covBB;
        const sigmaZ = Math.sqrt((fit!.scale * s.sigma) ** 2 + varFit + fit!.residualSigma ** 2);
        if (Number.isFinite(zPlane) && Math.abs(zFit - zPlane) <= Math.max(3 * sigmaZ, ON_PLANE_MIN_REL * zPlane))
          return 'reference_plane';
        notes.push(
          `${what} is off the reference plane (depth ${zFit.toFixed(3)} m vs the plane's ` +
            `${Number.isFinite(zPlane) ? zPlane.toFixed(3) + ' m' : 'none'}): used the fitted depth map`,
        );
        return 'depth_map';
      };
      pointSource = [decide(s1, p1, 'p1'), decide(s2, p2, 'p2')];
    } else {
      pointSource = ['reference_plane', 'reference_plane'];
    }
    const bothOnPlane = pointSource[0] === 'reference_plane' && pointSource[1] === 'reference_plane';
    scaleSource = bothOnPlane ? 'reference_plane' : 'reference_depth_fit';
    if (!bothOnPlane) fitCov = [fit!.covSS, fit!.covSB, fit!.covBB];
    const dIdx = [
      addDepthParam(pointSource[0] === 'depth_map' ? samples![0] : null),
      addDepthParam(pointSource[1] === 'depth_map' ? samples![1] : null),
    ];
    const q = [0, 0];
    const corners = new Float64Array(8);
    const f2: AffineFit | null = bothOnPlane || !fit ? null : { ...fit };
    const q1 = [0, 0];
    const pts = [P1, P2];
    evaluate = (th, fitDelta) => {
      for (let i = 0; i < 8; i++) corners[i] = th[4 + i]!;
      homographyFromCorners(H, corners, planePts, false);
      invert3x3(Hinv, H);
      planePoseFromHomography(pose, H, K);
      let scale = NaN;
      let shift = NaN;
      if (f2) {
        planeTargets(pose);
        fitDepthAffine(refSamples!, targets, f2.withShift, false, f2);
        scale = f2.scale + fitDelta[0];
        shift = f2.shift + fitDelta[1];
      }
      for (let i = 0; i < 2; i++) {
        const x = th[2 * i]!;
        const y = th[2 * i + 1]!;
        const out = pts[i]!;
        if (pointSource[i] === 'reference_plane') {
          applyHomography(q, Hinv, x, y);
          const R = pose.camFromPlaneR;
          const t = pose.camFromPlaneT;
          for (let r = 0; r < 3; r++) out[r] = R[r * 3]! * q[0]! + R[r * 3 + 1]! * q[1]! + t[r]!;
          if (i === 0) {
            q1[0] = q[0]!;
            q1[1] = q[1]!;
          }
        } else {
          const s = samples![i]!;
          rayPoint(out, x, y, scale * along(s, i === 0 ? p1 : p2, x, y, th[dIdx[i]!]!) + shift);
        }
      }
      // Both on the plane: the distance in plane coordinates, independent of K.
      return bothOnPlane ? Math.hypot(q[0]! - q1[0]!, q[1]! - q1[1]!) : dist3();
    };
  } else if (reference?.kind === 'length') {
    const { a, b, lengthM } = reference;
    if (!isFinitePositive(lengthM))
      throw new MeasureError('degenerate_reference', `the known length must be positive, got ${lengthM} m`);
    checkPoint(a, width, height, 'reference point a');
    checkPoint(b, width, height, 'reference point b');
    if (Math.hypot(b[0] - a[0], b[1] - a[1]) < 0.5)
      throw new MeasureError('degenerate_reference', 'the known length’s end points coincide');
    if (!depth) throw new MeasureError('no_scale', 'a known length needs a depth map to measure other points with');
    const sa = sample(a, 'reference point a', true)!;
    const sb = sample(b, 'reference point b', true)!;
    const s1 = sample(p1, 'p1', true)!;
    const s2 = sample(p2, 'p2', true)!;
    samples = [s1, s2];
    theta.push(a[0], a[1], b[0], b[1]);
    sig.push(cornerPx, cornerPx, cornerPx, cornerPx);
    group.push('reference', 'reference', 'reference', 'reference');
    const i1 = addDepthParam(s1);
    const i2 = addDepthParam(s2);
    const ia = addDepthParam(sa);
    const ib = addDepthParam(sb);
    if (!depth.metric) notes.push('relative map with a known length: its shift is assumed 0 (scale only)');
    scaleSource = 'known_length';
    const A: Vec3 = [0, 0, 0];
    const B: Vec3 = [0, 0, 0];
    evaluate = (th) => {
      rayPoint(A, th[4]!, th[5]!, along(sa, a, th[4]!, th[5]!, th[ia]!));
      rayPoint(B, th[6]!, th[7]!, along(sb, b, th[6]!, th[7]!, th[ib]!));
      const s = lengthM / Math.hypot(A[0] - B[0], A[1] - B[1], A[2] - B[2]);
      rayPoint(P1, th[0]!, th[1]!, s * along(s1, p1, th[0]!, th[1]!, th[i1]!));
      rayPoint(P2, th[2]!, th[3]!, s * along(s2, p2, th[2]!, th[3]!, th[i2]!));
      return dist3();
    };
  } else if (depth?.metric) {
    const s1 = sample(p1, 'p1', true)!;
    const s2 = sample(p2, 'p2', true)!;
    samples = [s1, s2];
    const i1 = addDepthParam(s1);
    const i2 = addDepthParam(s2);
    scaleSource = 'model_metric';
    modelScaled = true;
    notes.push(`scale from the depth model's metric output (±${(modelRelative * 100).toFixed(0)}% assumed)`);
    evaluate = (th) => {
      rayPoint(P1, th[0]!, th[1]!, along(s1, p1, th[0]!, th[1]!, th[i1]!));
      rayPoint(P2, th[2]!, th[3]!, along(s2, p2, th[2]!, th[3]!, th[i2]!));
      return dist3();
    };
  } else {
    throw new MeasureError(
      'no_scale',
      depth
        ? 'the depth is relative: add a reference rectangle (A4, letter, card) or a known length'
        : 'no depth map and no reference rectangle: add a reference rectangle (A4, letter, card), or measure on a depth map with a known length',
    );
  }

  // Nominal value, then first-order propagation by central differences.
  const noDelta = [0, 0] as const;
  const distanceM = evaluate(theta, noDelta);
  const p1Cam: Vec3 = [P1[0], P1[1], P1[2]];
  const p2Cam: Vec3 = [P2[0], P2[1], P2[2]];
  depthUsedM[0] = p1Cam[2];
  depthUsedM[1] = p2Cam[2];
  const variance = { click: 0, reference: 0, depth: 0, scaleFit: 0, model: 0 };
  let depthVar1 = 0;
  let depthVar2 = 0;
  // Central difference of the distance and of both points' depths along one perturbation.
  const grad = [0, 0, 0];
  const diff = (up: () => number, down: () => number, h: number) => {
    const dUp = up();
    const z1 = P1[2];
    const z2 = P2[2];
    const dDown = down();
    grad[0] = (dUp - dDown) / (2 * h);
    grad[1] = (z1 - P1[2]) / (2 * h);
    grad[2] = (z2 - P2[2]) / (2 * h);
  };
  const th = theta.slice();
  for (let k = 0; k < theta.length; k++) {
    const s = sig[k]!;
    if (!(s > 0)) continue;
    const h = 1e-2 * s;
    const at = (v: number) => () => {
      th[k] = v;
      const d = evaluate(th, noDelta);
      th[k] = theta[k]!;
      return d;
    };
    diff(at(theta[k]! + h), at(theta[k]! - h), h);
    variance[group[k]!] += grad[0]! * grad[0]! * s * s;
    depthVar1 += grad[1]! * grad[1]! * s * s;
    depthVar2 += grad[2]! * grad[2]! * s * s;
  }
  if (fitCov && depthFit) {
    const hs = 1e-6 * Math.abs(depthFit.scale);
    const hb = 1e-6 * Math.max(depthUsedM[0], depthUsedM[1]);
    diff(
      () => evaluate(theta, [hs, 0]),
      () => evaluate(theta, [-hs, 0]),
      hs,
    );
    const gs = grad.slice();
    if (depthFit.shiftFitted)
      diff(
        () => evaluate(theta, [0, hb]),
        () => evaluate(theta, [0, -hb]),
        hb,
      );
    else grad.fill(0);
    const quad = (a: number, b: number) =>
      Math.max(0, a * a * fitCov![0] + 2 * a * b * fitCov![1] + b * b * fitCov![2]);
    variance.scaleFit = quad(gs[0]!, grad[0]!);
    depthVar1 += quad(gs[1]!, grad[1]!);
    depthVar2 += quad(gs[2]!, grad[2]!);
  }
  if (modelScaled) {
    variance.model = (modelRelative * distanceM) ** 2;
    depthVar1 += (modelRelative * depthUsedM[0]) ** 2;
    depthVar2 += (modelRelative * depthUsedM[1]) ** 2;
  }
  // Re-evaluate at the nominal θ so the scratch state (H, pose, points) is the nominal one.
  evaluate(theta, noDelta);
  const sigmaM = Math.sqrt(variance.click + variance.reference + variance.depth + variance.scaleFit + variance.model);
  return {
    distanceM,
    sigmaM,
    sigmaBreakdownM: {
      click: Math.sqrt(variance.click),
      reference: Math.sqrt(variance.reference),
      depth: Math.sqrt(variance.depth),
      scaleFit: Math.sqrt(variance.scaleFit),
      model: Math.sqrt(variance.model),
    },
    p1Cam,
    p2Cam,
    depth: samples,
    depthUsedM,
    depthSigmaM: [Math.sqrt(depthVar1), Math.sqrt(depthVar2)],
    pointSource,
    scaleSource,
    onPlane: pointSource[0] === 'reference_plane' && pointSource[1] === 'reference_plane',
    depthFit,
    notes,
  };
}
