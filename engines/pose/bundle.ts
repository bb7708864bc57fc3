/**
 * Sparse bundle adjustment: Levenberg–Marquardt on the reprojection error of every observation,
 * with the points eliminated by the Schur complement (one 3×3 block per point), the reduced
 * camera system solved densely by Cholesky, and a robust loss through IRLS weights.
 *
 * Parameters (all updated in place):
 * - cameras, 6 numbers each in `camFromWorld`: the axis-angle ω (radians) of R and t (world
 *   units), x_cam = R(ω)·x_world + t; the rotation is stepped on the left, R ← exp([δω]×)·R;
 * - points, 3 numbers each in `pointsWorld` (world frame);
 * - shared intrinsics [focalPx, cx, cy] (square pixels, fx = fy = focalPx; pixels follow
 *   engines/core/camera.ts: u = f·X/Z + cx).
 * Observations: camera index, point index and pixel (u, v) in packed typed arrays.
 *
 * Gauge: the cameras listed in `fixedCameras` (default the first) do not move; with exactly one
 * fixed camera and `fixScale`, one translation coordinate of the first variable camera is also
 * held (the one along which a scaling about the fixed camera's centre moves it most). Local BA is
 * the same call with the cameras outside the window listed as fixed.
 *
 * Cost per iteration: O(nObs) to linearise, O(Σ_points m_p² · 6·6·3) to form the reduced system
 * (m_p = observations of point p), O((6·nVariableCameras + nIntrinsics)³ / 3) for the Cholesky
 * factorisation — fine up to a few hundred cameras. Allocates once per call: O(nObs · 18 +
 * nPoints · 24 + (6·nVariableCameras + nIntrinsics)²) doubles.
 */
import { choleskySolveInPlace } from '../core/linalg.js';
import { axisAngleFromRotation, multiplyRotations, rotationFromAxisAngle } from './rotation.js';

export interface BundleProblem {
  /** 6 per camera: camFromWorld axis-angle ω (rad), then t (world units). Updated in place. */
  camFromWorld: Float64Array;
  /** 3 per point, world frame. Updated in place. */
  pointsWorld: Float64Array;
  /** Shared intrinsics [focalPx, cx, cy], pixels. Updated in place when refined. */
  intrinsics: Float64Array;
  /** Camera index of each observation. */
  obsCamera: Uint32Array;
  /** Point index of each observation. */
  obsPoint: Uint32Array;
  /** Observed pixel (u, v) of each observation, 2 numbers each. */
  obsPx: Float64Array;
}

export type BundleLoss = 'none' | 'huber' | 'cauchy';

export interface BundleOptions {
  /** LM iterations (linearisations) at most; default 100. */
  maxIterations?: number;
  /** Stop when the cost decreases by less than this fraction in an accepted step; default 1e-9. */
  functionTolerance?: number;
  /** Stop when |δ| ≤ tol · (|x| + tol); default 1e-10. */
  parameterTolerance?: number;
  /** Indices of cameras held constant; default [0]. */
  fixedCameras?: ArrayLike<number>;
  /** With exactly one fixed camera, also fix the scale (one coordinate of another camera); default true. */
  fixScale?: boolean;
  /** Refine the shared focal length; default false. */
  refineFocal?: boolean;
  /** Refine the shared principal point (cx, cy); default false. */
  refinePrincipalPoint?: boolean;
  /** Robust loss on each observation's reprojection error; default 'none' (least squares). */
  loss?: BundleLoss;
  /** Scale of the robust loss, pixels (Huber's δ, Cauchy's c); default 1. */
  lossScalePx?: number;
}

export interface BundleReport {
  /** Linearisations done. */
  iterations: number;
  /** ½ Σ ρ(|r|²) before and after, px² (ρ(s) = s without a robust loss). */
  initialCost: number;
  finalCost: number;
  /** RMS of the residual coordinates at the end, √(Σ|r|² / (2·nObs)), px (unweighted): ≈ σ for σ px noise per coordinate. */
  rmsReprojectionPx: number;
  /** True when a tolerance was met (not the iteration cap or a stalled damping). */
  converged: boolean;
}

/** Dense Jacobian of the problem (tests and diagnostics); see {@link bundleDenseJacobian}. */
export interface BundleDenseJacobian {
  /** (2·nObs) × nParams, row-major; columns: variable cameras (6 each), intrinsics, points (3 each). */
  J: Float64Array;
  /** 2·nObs residuals (projected − observed), px. */
  residuals: Float64Array;
  /** IRLS weight of each observation. */
  weights: Float64Array;
  nParams: number;
  /** Column held fixed for the scale gauge, or −1. */
  gaugeColumn: number;
}

const EPS_DIAG = 1e-9;

// one observation's Jacobian rows: [ω(3) t(3) | f cx cy | X Y Z]
const ju = new Float64Array(12);
const jv = new Float64Array(12);
const dRot = new Float64Array(9);
const rTmp = new Float64Array(9);

class Workspace {
  readonly nCams: number;
  readonly nPts: number;
  readonly nObs: number;
  readonly camSlot: Int32Array; // variable slot of each camera or −1
  readonly nVar: number;
  readonly intrIdx: Int32Array; // which of (f, cx, cy) are refined
  readonly nIntr: number;
  readonly nc: number; // reduced system size
  gauge = -1;
  readonly ptStart: Int32Array;
  readonly ptObs: Int32Array;
  readonly Rcam: Float64Array;
  readonly W: Float64Array; // 18 per observation (6×3)
  readonly WK: Float64Array; // 9 per point (3×3, rows = intrinsics)
  readonly V: Float64Array; // 9 per point
  readonly Vinv: Float64Array;
  readonly bp: Float64Array; // 3 per point
  readonly A: Float64Array; // nc × nc
  readonly bc: Float64Array;
  readonly S: Float64Array;
  readonly delta: Float64Array; // nc + 3 nPts
  readonly Y: Float64Array; // 18 per observation of one point
  readonly weights: Float64Array;
  readonly loss: BundleLoss;
  readonly scale2: number;

  constructor(
    readonly pb: BundleProblem,
    opts: BundleOptions,
  ) {
    const nCams = pb.camFromWorld.length / 6;
    const nPts = pb.pointsWorld.length / 3;
    const nObs = pb.obsCamera.length;
    if (!Number.isInteger(nCams) || !Number.isInteger(nPts))
      throw new RangeError('bundleAdjust: camFromWorld needs 6 numbers per camera and pointsWorld 3 per point');
    if (pb.obsPoint.length !== nObs || pb.obsPx.length !== 2 * nObs)
      throw new RangeError('bundleAdjust: obsCamera, obsPoint and obsPx (2 each) must describe the same observations');
    if (pb.intrinsics.length !== 3) throw new RangeError('bundleAdjust: intrinsics must be [focalPx, cx, cy]');
    this.nCams = nCams;
    this.nPts = nPts;
    this.nObs = nObs;
    this.loss = opts.loss ?? 'none';
    const sc = opts.lossScalePx ?? 1;
    if (!(sc > 0)) throw new RangeError(`bundleAdjust: lossScalePx must be > 0, got ${sc}`);
    this.scale2 = sc * sc;
    this.camSlot = new Int32Array(nCams);
    const fixed = opts.fixedCameras ?? [0];
    for (let k = 0; k < fixed.length; k++) {
      const c = fixed[k]!;
      if (!(Number.isInteger(c) && c >= 0 && c < nCams))
        throw new RangeError(`bundleAdjust: fixed camera ${c} is not in [0, ${nCams})`);
      this.camSlot[c] = -1;
    }
    let nVar = 0;
    for (let c = 0; c < nCams; c++) if (this.camSlot[c] === 0) this.camSlot[c] = nVar++;
    this.nVar = nVar;
    const intr: number[] = [];
    if (opts.refineFocal) intr.push(0);
    if (opts.refinePrincipalPoint) intr.push(1, 2);
    this.intrIdx = Int32Array.from(intr);
    this.nIntr = intr.length;
    this.nc = 6 * nVar + this.nIntr;

    // observations grouped by point (CSR)
    this.ptStart = new Int32Array(nPts + 1);
    for (let o = 0; o < nObs; o++) {
      const c = pb.obsCamera[o]!;
      const p = pb.obsPoint[o]!;
      if (c >= nCams || p >= nPts)
        throw new RangeError(`bundleAdjust: observation ${o} refers to camera ${c}, point ${p}`);
      this.ptStart[p + 1] = this.ptStart[p + 1]! + 1;
    }
    let maxM = 0;
    for (let p = 0; p < nPts; p++) {
      maxM = Math.max(maxM, this.ptStart[p + 1]!);
      this.ptStart[p + 1] = this.ptStart[p + 1]! + this.ptStart[p]!;
    }
    this.ptObs = new Int32Array(nObs);
    const fill = this.ptStart.slice(0, nPts);
    for (let o = 0; o < nObs; o++) {
      const p = pb.obsPoint[o]!;
      this.ptObs[fill[p]!] = o;
      fill[p] = fill[p]! + 1;
    }

    this.Rcam = new Float64Array(9 * nCams);
    this.W = new Float64Array(18 * nObs);
    this.WK = new Float64Array(9 * nPts);
    this.V = new Float64Array(9 * nPts);
    this.Vinv = new Float64Array(9 * nPts);
    this.bp = new Float64Array(3 * nPts);
    this.A = new Float64Array(this.nc * this.nc);
    this.bc = new Float64Array(this.nc);
    this.S = new Float64Array(this.nc * this.nc);
    this.delta = new Float64Array(this.nc + 3 * nPts);
    this.Y = new Float64Array(18 * Math.max(1, maxM));
    this.weights = new Float64Array(nObs);

    if (opts.fixScale !== false && fixed.length === 1 && nVar > 0) this.chooseScaleGauge(fixed[0]!);
  }

  /** Holds the translation coordinate of the first variable camera that moves most under a scaling about the fixed camera's centre. */
  private chooseScaleGauge(fixedCam: number): void {
    const cw = this.pb.camFromWorld;
    rotationFromAxisAngle(rTmp, cw, 6 * fixedCam);
    const t0x = cw[6 * fixedCam + 3]!;
    const t0y = cw[6 * fixedCam + 4]!;
    const t0z = cw[6 * fixedCam + 5]!;
    // centre C0 = −R0ᵀ t0
    const c0x = -(rTmp[0]! * t0x + rTmp[3]! * t0y + rTmp[6]! * t0z);
    const c0y = -(rTmp[1]! * t0x + rTmp[4]! * t0y + rTmp[7]! * t0z);
    const c0z = -(rTmp[2]! * t0x + rTmp[5]! * t0y + rTmp[8]! * t0z);
    for (let c = 0; c < this.nCams; c++) {
      const slot = this.camSlot[c]!;
      if (slot < 0) continue;
      rotationFromAxisAngle(rTmp, cw, 6 * c);
      // scaling by s about C0 moves t_c along d = t_c + R_c C0
      const dx = cw[6 * c + 3]! + rTmp[0]! * c0x + rTmp[1]! * c0y + rTmp[2]! * c0z;
      const dy = cw[6 * c + 4]! + rTmp[3]! * c0x + rTmp[4]! * c0y + rTmp[5]! * c0z;
      const dz = cw[6 * c + 5]! + rTmp[6]! * c0x + rTmp[7]! * c0y + rTmp[8]! * c0z;
      const ax = Math.abs(dx);
      const ay = Math.abs(dy);
      const az = Math.abs(dz);
      if (Math.max(ax, ay, az) === 0) continue;
      this.gauge = 6 * slot + 3 + (ax >= ay && ax >= az ? 0 : ay >= az ? 1 : 2);
      return;
    }
  }

  /** IRLS weight ρ'(s) and ρ(s) for a squared residual s (px²). */
  private robust(s: number): { w: number; rho: number } {
    const k2 = this.scale2;
    if (this.loss === 'huber') {
      if (s <= k2) {
        ROBUST.w = 1;
        ROBUST.rho = s;
        return ROBUST;
      }
      const r = Math.sqrt(s);
      const k = Math.sqrt(k2);
      ROBUST.w = k / r;
      ROBUST.rho = 2 * k * r - k2;
      return ROBUST;
    }
    if (this.loss === 'cauchy') {
      ROBUST.w = 1 / (1 + s / k2);
      ROBUST.rho = k2 * Math.log1p(s / k2);
      return ROBUST;
    }
    ROBUST.w = 1;
    ROBUST.rho = s;
    return ROBUST;
  }

  /** ½ Σ ρ(|r|²) at the given parameters (Infinity if a point falls behind a camera); sumSq gets Σ |r|². */
  cost(cams: Float64Array, pts: Float64Array, intr: Float64Array): number {
    const { obsCamera, obsPoint, obsPx } = this.pb;
    for (let c = 0; c < this.nCams; c++) rotationFromAxisAngle(this.Rcam, cams, 6 * c, 9 * c);
    const f = intr[0]!;
    const cx = intr[1]!;
    const cy = intr[2]!;
    const R = this.Rcam;
    let cost = 0;
    let sumSq = 0;
    for (let o = 0; o < this.nObs; o++) {
      const c = obsCamera[o]!;
      const p = obsPoint[o]!;
      const x = pts[3 * p]!;
      const y = pts[3 * p + 1]!;
      const z = pts[3 * p + 2]!;
      const r = 9 * c;
      const Z = R[r + 6]! * x + R[r + 7]! * y + R[r + 8]! * z + cams[6 * c + 5]!;
      if (!(Z > 0)) return Infinity;
      const du = (f * (R[r]! * x + R[r + 1]! * y + R[r + 2]! * z + cams[6 * c + 3]!)) / Z + cx - obsPx[2 * o]!;
      const dv = (f * (R[r + 3]! * x + R[r + 4]! * y + R[r + 5]! * z + cams[6 * c + 4]!)) / Z + cy - obsPx[2 * o + 1]!;
      const s = du * du + dv * dv;
      sumSq += s;
      cost += this.robust(s).rho;
    }
    this.sumSq = sumSq;
    return 0.5 * cost;
  }
  sumSq = 0;

  /** Jacobian rows of observation o at the problem's current parameters into ju/jv; returns false behind the camera. */
  jacobian(o: number): boolean {
    const pb = this.pb;
    const c = pb.obsCamera[o]!;
    const p = pb.obsPoint[o]!;
    const cams = pb.camFromWorld;
    const R = this.Rcam;
    const r = 9 * c;
    const x = pb.pointsWorld[3 * p]!;
    const y = pb.pointsWorld[3 * p + 1]!;
    const z = pb.pointsWorld[3 * p + 2]!;
    const f = pb.intrinsics[0]!;
    const px = R[r]! * x + R[r + 1]! * y + R[r + 2]! * z;
    const py = R[r + 3]! * x + R[r + 4]! * y + R[r + 5]! * z;
    const pz = R[r + 6]! * x + R[r + 7]! * y + R[r + 8]! * z;
    const X = px + cams[6 * c + 3]!;
    const Y = py + cams[6 * c + 4]!;
    const Z = pz + cams[6 * c + 5]!;
    if (!(Z > 0)) return false;
    const iz = 1 / Z;
    const xz = X * iz;
    const yz = Y * iz;
    this.ru = f * xz + pb.intrinsics[1]! - pb.obsPx[2 * o]!;
    this.rv = f * yz + pb.intrinsics[2]! - pb.obsPx[2 * o + 1]!;
    const fz = f * iz;
    // ∂(u,v)/∂x_c = fz·[[1, 0, −xz], [0, 1, −yz]]; ∂x_c/∂δω = −[p]×, ∂x_c/∂t = I, ∂x_c/∂X = R
    ju[0] = -fz * xz * py;
    ju[1] = fz * (pz + xz * px);
    ju[2] = -fz * py;
    ju[3] = fz;
    ju[4] = 0;
    ju[5] = -fz * xz;
    jv[0] = -fz * (pz + yz * py);
    jv[1] = fz * yz * px;
    jv[2] = fz * px;
    jv[3] = 0;
    jv[4] = fz;
    jv[5] = -fz * yz;
    ju[6] = xz;
    ju[7] = 1;
    ju[8] = 0;
    jv[6] = yz;
    jv[7] = 0;
    jv[8] = 1;
    for (let k = 0; k < 3; k++) {
      ju[9 + k] = fz * (R[r + k]! - xz * R[r + 6 + k]!);
      jv[9 + k] = fz * (R[r + 3 + k]! - yz * R[r + 6 + k]!);
    }
    return true;
  }
  ru = 0;
  rv = 0;

  /** Builds the undamped normal equations (A, bc, W, WK, V, bp) at the current parameters; returns the cost. */
  linearise(): number {
    const pb = this.pb;
    const cost = this.cost(pb.camFromWorld, pb.pointsWorld, pb.intrinsics);
    const { A, bc, W, WK, V, bp, nc, intrIdx, nIntr } = this;
    const base = 6 * this.nVar;
    A.fill(0);
    bc.fill(0);
    W.fill(0);
    WK.fill(0);
    V.fill(0);
    bp.fill(0);
    for (let o = 0; o < this.nObs; o++) {
      if (!this.jacobian(o)) continue;
      const ru = this.ru;
      const rv = this.rv;
      const w = this.robust(ru * ru + rv * rv).w;
      this.weights[o] = w;
      const p = pb.obsPoint[o]!;
      const slot = this.camSlot[pb.obsCamera[o]!]!;
      // point block
      for (let a = 0; a < 3; a++) {
        const ua = w * ju[9 + a]!;
        const va = w * jv[9 + a]!;
        bp[3 * p + a] = bp[3 * p + a]! - ua * ru - va * rv;
        for (let b = 0; b < 3; b++) V[9 * p + 3 * a + b] = V[9 * p + 3 * a + b]! + ua * ju[9 + b]! + va * jv[9 + b]!;
      }
      if (slot >= 0) {
        const c0 = 6 * slot;
        for (let a = 0; a < 6; a++) {
          const ua = w * ju[a]!;
          const va = w * jv[a]!;
          bc[c0 + a] = bc[c0 + a]! - ua * ru - va * rv;
          for (let b = 0; b < 6; b++)
            A[(c0 + a) * nc + c0 + b] = A[(c0 + a) * nc + c0 + b]! + ua * ju[b]! + va * jv[b]!;
          for (let b = 0; b < 3; b++) W[18 * o + 3 * a + b] = ua * ju[9 + b]! + va * jv[9 + b]!;
          for (let k = 0; k < nIntr; k++) {
            const col = 6 + intrIdx[k]!;
            const v = ua * ju[col]! + va * jv[col]!;
            A[(c0 + a) * nc + base + k] = A[(c0 + a) * nc + base + k]! + v;
            A[(base + k) * nc + c0 + a] = A[(base + k) * nc + c0 + a]! + v;
          }
        }
      }
      for (let k = 0; k < nIntr; k++) {
        const col = 6 + intrIdx[k]!;
        const uk = w * ju[col]!;
        const vk = w * jv[col]!;
        bc[base + k] = bc[base + k]! - uk * ru - vk * rv;
        for (let l = 0; l < nIntr; l++) {
          const col2 = 6 + intrIdx[l]!;
          A[(base + k) * nc + base + l] = A[(base + k) * nc + base + l]! + uk * ju[col2]! + vk * jv[col2]!;
        }
        for (let b = 0; b < 3; b++) WK[9 * p + 3 * k + b] = WK[9 * p + 3 * k + b]! + uk * ju[9 + b]! + vk * jv[9 + b]!;
      }
    }
    return cost;
  }

  /**
   * The damped step (A + λD)δ = b through the Schur complement, into `delta` (reduced cameras and
   * intrinsics, then points). False if the reduced system is not positive definite.
   */
  solve(lambda: number): boolean {
    const { A, S, bc, W, WK, V, Vinv, bp, nc, nIntr, Y, delta, ptStart, ptObs } = this;
    const pb = this.pb;
    const base = 6 * this.nVar;
    S.set(A);
    for (let i = 0; i < nc; i++) {
      S[i * nc + i] = A[i * nc + i]! + lambda * Math.max(A[i * nc + i]!, EPS_DIAG);
      delta[i] = bc[i]!;
    }
    for (let p = 0; p < this.nPts; p++) {
      // damped V⁻¹
      const v = 9 * p;
      const m00 = V[v]! + lambda * Math.max(V[v]!, EPS_DIAG);
      const m11 = V[v + 4]! + lambda * Math.max(V[v + 4]!, EPS_DIAG);
      const m22 = V[v + 8]! + lambda * Math.max(V[v + 8]!, EPS_DIAG);
      const m01 = V[v + 1]!;
      const m02 = V[v + 2]!;
      const m12 = V[v + 5]!;
      const c00 = m11 * m22 - m12 * m12;
      const c01 = m02 * m12 - m01 * m22;
      const c02 = m01 * m12 - m02 * m11;
      const det = m00 * c00 + m01 * c01 + m02 * c02;
      const e0 = ptStart[p]!;
      const e1 = ptStart[p + 1]!;
      if (!(det > 1e-300) || e1 === e0) {
        Vinv.fill(0, v, v + 9);
        continue;
      }
      const id = 1 / det;
      Vinv[v] = c00 * id;
      Vinv[v + 1] = Vinv[v + 3] = c01 * id;
      Vinv[v + 2] = Vinv[v + 6] = c02 * id;
      Vinv[v + 4] = (m00 * m22 - m02 * m02) * id;
      Vinv[v + 5] = Vinv[v + 7] = (m01 * m02 - m00 * m12) * id;
      Vinv[v + 8] = (m00 * m11 - m01 * m01) * id;
      // Y_a = W_a V⁻¹ (6×3) for every observation a of p with a variable camera
      for (let e = e0; e < e1; e++) {
        const o = ptObs[e]!;
        if (this.camSlot[pb.obsCamera[o]!]! < 0) continue;
        const yb = 18 * (e - e0);
        for (let a = 0; a < 6; a++)
          for (let b = 0; b < 3; b++)
            Y[yb + 3 * a + b] =
              W[18 * o + 3 * a]! * Vinv[v + b]! +
              W[18 * o + 3 * a + 1]! * Vinv[v + 3 + b]! +
              W[18 * o + 3 * a + 2]! * Vinv[v + 6 + b]!;
      }
      // YK = WK V⁻¹ (nIntr×3), kept in Y's spare row block (rTmp is 9 long)
      for (let k = 0; k < nIntr; k++)
        for (let b = 0; b < 3; b++)
          rTmp[3 * k + b] =
            WK[v + 3 * k]! * Vinv[v + b]! +
            WK[v + 3 * k + 1]! * Vinv[v + 3 + b]! +
            WK[v + 3 * k + 2]! * Vinv[v + 6 + b]!;
      const b0 = bp[3 * p]!;
      const b1 = bp[3 * p + 1]!;
      const b2 = bp[3 * p + 2]!;
      for (let ea = e0; ea < e1; ea++) {
        const oa = ptObs[ea]!;
        const sa = this.camSlot[pb.obsCamera[oa]!]!;
        if (sa < 0) continue;
        const ya = 18 * (ea - e0);
        const ra = 6 * sa;
        for (let a = 0; a < 6; a++)
          delta[ra + a] = delta[ra + a]! - (Y[ya + 3 * a]! * b0 + Y[ya + 3 * a + 1]! * b1 + Y[ya + 3 * a + 2]! * b2);
        for (let eb = e0; eb < e1; eb++) {
          const ob = ptObs[eb]!;
          const sb = this.camSlot[pb.obsCamera[ob]!]!;
          if (sb < 0) continue;
          const rb = 6 * sb;
          for (let a = 0; a < 6; a++) {
            const y0 = Y[ya + 3 * a]!;
            const y1 = Y[ya + 3 * a + 1]!;
            const y2 = Y[ya + 3 * a + 2]!;
            const row = (ra + a) * nc + rb;
            for (let b = 0; b < 6; b++)
              S[row + b] =
                S[row + b]! - (y0 * W[18 * ob + 3 * b]! + y1 * W[18 * ob + 3 * b + 1]! + y2 * W[18 * ob + 3 * b + 2]!);
          }
        }
        // intrinsics × camera a
        for (let k = 0; k < nIntr; k++)
          for (let a = 0; a < 6; a++) {
            const s =
              rTmp[3 * k]! * W[18 * oa + 3 * a]! +
              rTmp[3 * k + 1]! * W[18 * oa + 3 * a + 1]! +
              rTmp[3 * k + 2]! * W[18 * oa + 3 * a + 2]!;
            S[(base + k) * nc + ra + a] = S[(base + k) * nc + ra + a]! - s;
            S[(ra + a) * nc + base + k] = S[(ra + a) * nc + base + k]! - s;
          }
      }
      for (let k = 0; k < nIntr; k++) {
        delta[base + k] = delta[base + k]! - (rTmp[3 * k]! * b0 + rTmp[3 * k + 1]! * b1 + rTmp[3 * k + 2]! * b2);
        for (let l = 0; l < nIntr; l++)
          S[(base + k) * nc + base + l] =
            S[(base + k) * nc + base + l]! -
            (rTmp[3 * k]! * WK[v + 3 * l]! +
              rTmp[3 * k + 1]! * WK[v + 3 * l + 1]! +
              rTmp[3 * k + 2]! * WK[v + 3 * l + 2]!);
      }
    }
    if (this.gauge >= 0) {
      const g = this.gauge;
      for (let i = 0; i < nc; i++) S[g * nc + i] = S[i * nc + g] = 0;
      S[g * nc + g] = 1;
      delta[g] = 0;
    }
    if (!choleskySolveInPlace(S, delta, nc)) return false;
    // back-substitution: δp = V⁻¹ (bp − Σ_a W_aᵀ δc_a − WKᵀ δk)
    for (let p = 0; p < this.nPts; p++) {
      let r0 = bp[3 * p]!;
      let r1 = bp[3 * p + 1]!;
      let r2 = bp[3 * p + 2]!;
      for (let e = ptStart[p]!; e < ptStart[p + 1]!; e++) {
        const o = ptObs[e]!;
        const s = this.camSlot[pb.obsCamera[o]!]!;
        if (s < 0) continue;
        for (let a = 0; a < 6; a++) {
          const d = delta[6 * s + a]!;
          r0 -= W[18 * o + 3 * a]! * d;
          r1 -= W[18 * o + 3 * a + 1]! * d;
          r2 -= W[18 * o + 3 * a + 2]! * d;
        }
      }
      for (let k = 0; k < nIntr; k++) {
        const d = delta[base + k]!;
        r0 -= WK[9 * p + 3 * k]! * d;
        r1 -= WK[9 * p + 3 * k + 1]! * d;
        r2 -= WK[9 * p + 3 * k + 2]! * d;
      }
      const v = 9 * p;
      const q = nc + 3 * p;
      delta[q] = Vinv[v]! * r0 + Vinv[v + 1]! * r1 + Vinv[v + 2]! * r2;
      delta[q + 1] = Vinv[v + 3]! * r0 + Vinv[v + 4]! * r1 + Vinv[v + 5]! * r2;
      delta[q + 2] = Vinv[v + 6]! * r0 + Vinv[v + 7]! * r1 + Vinv[v + 8]! * r2;
    }
    return true;
  }

  /** ½ δᵀ(λDδ + b): the decrease the linear model predicts for the step in `delta`. */
  predictedDecrease(lambda: number): number {
    const { A, V, bc, bp, delta, nc } = this;
    let s = 0;
    for (let i = 0; i < nc; i++) {
      const d = delta[i]!;
      s += d * (lambda * Math.max(A[i * nc + i]!, EPS_DIAG) * d + bc[i]!);
    }
    for (let p = 0; p < this.nPts; p++)
      for (let a = 0; a < 3; a++) {
        const d = delta[nc + 3 * p + a]!;
        s += d * (lambda * Math.max(V[9 * p + 4 * a]!, EPS_DIAG) * d + bp[3 * p + a]!);
      }
    return 0.5 * s;
  }

  /** Writes current parameters + `delta` into the trial arrays. */
  applyStep(cams: Float64Array, pts: Float64Array, intr: Float64Array): void {
    const pb = this.pb;
    cams.set(pb.camFromWorld);
    pts.set(pb.pointsWorld);
    intr.set(pb.intrinsics);
    const d = this.delta;
    for (let c = 0; c < this.nCams; c++) {
      const s = this.camSlot[c]!;
      if (s < 0) continue;
      rotationFromAxisAngle(dRot, d, 6 * s);
      rotationFromAxisAngle(rTmp, cams, 6 * c);
      multiplyRotations(rTmp, dRot, rTmp);
      axisAngleFromRotation(cams, rTmp, 0, 6 * c);
      for (let k = 3; k < 6; k++) cams[6 * c + k] = cams[6 * c + k]! + d[6 * s + k]!;
    }
    for (let k = 0; k < this.nIntr; k++) {
      const i = this.intrIdx[k]!;
      intr[i] = intr[i]! + d[6 * this.nVar + k]!;
    }
    for (let i = 0; i < 3 * this.nPts; i++) pts[i] = pts[i]! + d[this.nc + i]!;
  }
}
const ROBUST = { w: 1, rho: 0 };

/**
 * Bundle adjustment of `problem` in place by Levenberg–Marquardt with the Schur complement (see
 * the module comment for parameters, gauge, cost and allocation). Damping: A + λ·diag(A), λ
 * adapted by the gain ratio (Nielsen). Options are checked up front (RangeError). Returns the
 * costs (½ Σ ρ, px²), the final unweighted RMS reprojection error (px) and whether a tolerance was
 * met.
 */
export function bundleAdjust(problem: BundleProblem, options: BundleOptions = {}): BundleReport {
  const maxIterations = options.maxIterations ?? 100;
  const fTol = options.functionTolerance ?? 1e-9;
  const xTol = options.parameterTolerance ?? 1e-10;
  if (!(Number.isInteger(maxIterations) && maxIterations >= 0))
    throw new RangeError(`bundleAdjust: maxIterations must be an integer ≥ 0, got ${maxIterations}`);
  const ws = new Workspace(problem, options);
  const camsTry = new Float64Array(problem.camFromWorld.length);
  const ptsTry = new Float64Array(problem.pointsWorld.length);
  const intrTry = new Float64Array(3);
  let cost = ws.cost(problem.camFromWorld, problem.pointsWorld, problem.intrinsics);
  const initialCost = cost;
  let lambda = 1e-4;
  let nu = 2;
  let converged = false;
  let it = 0;
  while (it < maxIterations && !converged && Number.isFinite(cost)) {
    it++;
    if (cost === 0) {
      converged = true;
      break;
    }
    ws.linearise();
    let accepted = false;
    while (!accepted) {
      if (lambda > 1e16) break;
      if (!ws.solve(lambda)) {
        lambda *= nu;
        nu *= 2;
        continue;
      }
      // parameter tolerance
      let dn = 0;
      for (let i = 0; i < ws.delta.length; i++) dn += ws.delta[i]! * ws.delta[i]!;
      let xn = 0;
      for (let i = 0; i < problem.camFromWorld.length; i++) xn += problem.camFromWorld[i]! ** 2;
      for (let i = 0; i < problem.pointsWorld.length; i++) xn += problem.pointsWorld[i]! ** 2;
      if (Math.sqrt(dn) <= xTol * (Math.sqrt(xn) + xTol)) {
        converged = true;
        break;
      }
      const predicted = ws.predictedDecrease(lambda);
      ws.applyStep(camsTry, ptsTry, intrTry);
      const newCost = ws.cost(camsTry, ptsTry, intrTry);
      const rho = (cost - newCost) / predicted;
      if (newCost < cost && rho > 0) {
        problem.camFromWorld.set(camsTry);
        problem.pointsWorld.set(ptsTry);
        problem.intrinsics.set(intrTry);
        if (cost - newCost <= fTol * cost) converged = true;
        cost = newCost;
        lambda *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
        nu = 2;
        accepted = true;
      } else {
        lambda *= nu;
        nu *= 2;
      }
    }
    if (!accepted) break;
  }
  const finalCost = ws.cost(problem.camFromWorld, problem.pointsWorld, problem.intrinsics);
  return {
    iterations: it,
    initialCost,
    finalCost,
    rmsReprojectionPx: ws.nObs > 0 ? Math.sqrt(ws.sumSq / (2 * ws.nObs)) : 0,
    converged,
  };
}

/**
 * One damped LM step at the problem's current parameters, through the Schur complement, written to
 * `out` (length 6·nVariableCameras + nIntrinsics + 3·nPoints, in the column order of
 * {@link bundleDenseJacobian}); the problem is not changed. For tests and diagnostics; allocates a
 * workspace. Returns false if the reduced system is not positive definite.
 */
export function bundleStep(out: Float64Array, problem: BundleProblem, options: BundleOptions, lambda: number): boolean {
  const ws = new Workspace(problem, options);
  ws.linearise();
  if (!ws.solve(lambda)) return false;
  out.set(ws.delta);
  return true;
}

/**
 * The dense Jacobian, residuals and IRLS weights of `problem` at its current parameters, with the
 * same columns as the Schur solver (variable cameras ω, t; refined intrinsics; points). For tests
 * (the dense LM step must equal {@link bundleStep}); allocates O(nObs · nParams).
 */
export function bundleDenseJacobian(problem: BundleProblem, options: BundleOptions): BundleDenseJacobian {
  const ws = new Workspace(problem, options);
  ws.linearise();
  const n = ws.nc + 3 * ws.nPts;
  const J = new Float64Array(2 * ws.nObs * n);
  const residuals = new Float64Array(2 * ws.nObs);
  for (let o = 0; o < ws.nObs; o++) {
    if (!ws.jacobian(o)) continue;
    residuals[2 * o] = ws.ru;
    residuals[2 * o + 1] = ws.rv;
    const slot = ws.camSlot[problem.obsCamera[o]!]!;
    const p = problem.obsPoint[o]!;
    const ru = 2 * o * n;
    const rv = (2 * o + 1) * n;
    if (slot >= 0)
      for (let a = 0; a < 6; a++) {
        J[ru + 6 * slot + a] = ju[a]!;
        J[rv + 6 * slot + a] = jv[a]!;
      }
    for (let k = 0; k < ws.nIntr; k++) {
      J[ru + 6 * ws.nVar + k] = ju[6 + ws.intrIdx[k]!]!;
      J[rv + 6 * ws.nVar + k] = jv[6 + ws.intrIdx[k]!]!;
    }
    for (let a = 0; a < 3; a++) {
      J[ru + ws.nc + 3 * p + a] = ju[9 + a]!;
      J[rv + ws.nc + 3 * p + a] = jv[9 + a]!;
    }
  }
  return { J, residuals, weights: ws.weights.slice(), nParams: n, gaugeColumn: ws.gauge };
}
