/**
 * Small dense linear algebra for geometry kernels: 3-vectors and 3×3 matrices, SVD and symmetric
 * eigen-decomposition of small matrices (Jacobi), Gauss–Jordan elimination, and the real roots of
 * a polynomial.
 *
 * Storage: Float64Array, row-major (a[r * cols + c]). Output first, like gl-matrix: `out` is
 * written and returned; unless a function says otherwise, `out` may alias an input only for the
 * 3-vector helpers. Rotations act on column vectors: x_b = R·x_a.
 */

const EPS = 2.220446049250313e-16;

// ---------------------------------------------------------------------------------------------
// 3-vectors and 3×3 matrices

/** a · b of two 3-vectors. O(1). */
export function vec3Dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

/** out = a × b; `out` may alias `a` or `b`. No allocation. */
export function vec3Cross(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const x = a[1]! * b[2]! - a[2]! * b[1]!;
  const y = a[2]! * b[0]! - a[0]! * b[2]!;
  const z = a[0]! * b[1]! - a[1]! * b[0]!;
  out[0] = x;
  out[1] = y;
  out[2] = z;
  return out;
}

/** Euclidean norm of a 3-vector. O(1). */
export function vec3Norm(a: ArrayLike<number>): number {
  return Math.hypot(a[0]!, a[1]!, a[2]!);
}

/** out = a / |a| (zero vectors stay zero); `out` may alias `a`. Returns the norm of `a`. */
export function vec3Normalize(out: Float64Array, a: ArrayLike<number>): number {
  const n = vec3Norm(a);
  const s = n > 0 ? 1 / n : 0;
  out[0] = a[0]! * s;
  out[1] = a[1]! * s;
  out[2] = a[2]! * s;
  return n;
}

/** out = M·v (M 3×3 row-major); `out` may alias `v`. No allocation. */
export function mat3MulVec3(out: Float64Array, m: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  const x = v[0]!;
  const y = v[1]!;
  const z = v[2]!;
  out[0] = m[0]! * x + m[1]! * y + m[2]! * z;
  out[1] = m[3]! * x + m[4]! * y + m[5]! * z;
  out[2] = m[6]! * x + m[7]! * y + m[8]! * z;
  return out;
}

/** out = A·B (3×3); `out` must not alias A or B. No allocation. */
export function mat3Multiply(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      out[3 * r + c] = a[3 * r]! * b[c]! + a[3 * r + 1]! * b[3 + c]! + a[3 * r + 2]! * b[6 + c]!;
  return out;
}

/** out = Aᵀ (3×3); `out` may alias A. No allocation. */
export function mat3Transpose(out: Float64Array, a: ArrayLike<number>): Float64Array {
  const a1 = a[1]!;
  const a2 = a[2]!;
  const a5 = a[5]!;
  out[0] = a[0]!;
  out[1] = a[3]!;
  out[2] = a[6]!;
  out[3] = a1;
  out[4] = a[4]!;
  out[5] = a[7]!;
  out[6] = a2;
  out[7] = a5;
  out[8] = a[8]!;
  return out;
}

/** det A (3×3). O(1). */
export function mat3Determinant(a: ArrayLike<number>): number {
  return (
    a[0]! * (a[4]! * a[8]! - a[5]! * a[7]!) -
    a[1]! * (a[3]! * a[8]! - a[5]! * a[6]!) +
    a[2]! * (a[3]! * a[7]! - a[4]! * a[6]!)
  );
}

/** out = A⁻¹ (3×3) by the adjugate; returns false (out untouched) when det A = 0. No allocation. */
export function mat3Invert(out: Float64Array, a: ArrayLike<number>): boolean {
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!];
  const c0 = a4 * a8 - a5 * a7;
  const c1 = a5 * a6 - a3 * a8;
  const c2 = a3 * a7 - a4 * a6;
  const det = a0 * c0 + a1 * c1 + a2 * c2;
  if (det === 0 || !Number.isFinite(det)) return false;
  const s = 1 / det;
  out[0] = c0 * s;
  out[1] = (a2 * a7 - a1 * a8) * s;
  out[2] = (a1 * a5 - a2 * a4) * s;
  out[3] = c1 * s;
  out[4] = (a0 * a8 - a2 * a6) * s;
  out[5] = (a2 * a3 - a0 * a5) * s;
  out[6] = c2 * s;
  out[7] = (a1 * a6 - a0 * a7) * s;
  out[8] = (a0 * a4 - a1 * a3) * s;
  return true;
}

/** out = [v]×, the cross-product matrix ([v]×·w = v × w). No allocation. */
export function mat3Skew(out: Float64Array, v: ArrayLike<number>): Float64Array {
  out[0] = 0;
  out[1] = -v[2]!;
  out[2] = v[1]!;
  out[3] = v[2]!;
  out[4] = 0;
  out[5] = -v[0]!;
  out[6] = -v[1]!;
  out[7] = v[0]!;
  out[8] = 0;
  return out;
}

/**
 * out = the rotation by |r| radians about r/|r| (Rodrigues; r = 0 gives the identity). No
 * allocation.
 */
export function rotationFromAxisAngle(out: Float64Array, rx: number, ry: number, rz: number): Float64Array {
  const th = Math.hypot(rx, ry, rz);
  if (th < 1e-300) {
    out.fill(0, 0, 9);
    out[0] = out[4] = out[8] = 1;
    return out;
  }
  const x = rx / th;
  const y = ry / th;
  const z = rz / th;
  const c = Math.cos(th);
  const s = Math.sin(th);
  const C = 1 - c;
  out[0] = c + x * x * C;
  out[1] = x * y * C - z * s;
  out[2] = x * z * C + y * s;
  out[3] = y * x * C + z * s;
  out[4] = c + y * y * C;
  out[5] = y * z * C - x * s;
  out[6] = z * x * C - y * s;
  out[7] = z * y * C + x * s;
  out[8] = c + z * z * C;
  return out;
}

/** The angle, degrees, of the rotation Ra·Rbᵀ taking Rb to Ra (both 3×3 rotations). O(1). */
export function rotationAngleBetweenDeg(ra: ArrayLike<number>, rb: ArrayLike<number>): number {
  // M = Ra·Rbᵀ: cos θ = (tr M − 1) / 2, sin θ = |vee(M − Mᵀ)| / 2; atan2 stays accurate near 0 and π.
  const m = (r: number, k: number): number =>
    ra[3 * r]! * rb[3 * k]! + ra[3 * r + 1]! * rb[3 * k + 1]! + ra[3 * r + 2]! * rb[3 * k + 2]!;
  const c = (m(0, 0) + m(1, 1) + m(2, 2) - 1) / 2;
  const s = 0.5 * Math.hypot(m(2, 1) - m(1, 2), m(0, 2) - m(2, 0), m(1, 0) - m(0, 1));
  return (Math.atan2(s, c) * 180) / Math.PI;
}

// ---------------------------------------------------------------------------------------------
// SVD and symmetric eigen-decomposition

let svdWork = new Float64Array(0);
const MAX_SWEEPS = 60;

/**
 * Thin SVD A = U·diag(S)·Vᵀ of an m×n matrix with m ≥ n (pad short matrices with zero rows), by
 * one-sided Jacobi (Hestenes), which gives singular values and null vectors to high relative
 * accuracy. Writes S (length n, descending), V (n×n, row-major, column j the j-th right singular
 * vector) and, when `outU` is given, U (m×n, column j the j-th left singular vector; zero for
 * S_j = 0). `a` is not modified. Cost O(sweeps · m · n²), typically 6–10 sweeps; allocates only
 * when a module scratch buffer must grow. Returns false if it did not converge in 60 sweeps.
 */
export function svd(
  a: ArrayLike<number>,
  m: number,
  n: number,
  outS: Float64Array,
  outV: Float64Array,
  outU?: Float64Array,
): boolean {
  if (m < n) throw new RangeError(`svd: need rows ≥ columns, got ${m}×${n}`);
  let w: Float64Array;
  if (outU) w = outU;
  else {
    if (svdWork.length < m * n) svdWork = new Float64Array(m * n);
    w = svdWork;
  }
  for (let i = 0; i < m * n; i++) w[i] = a[i]!;
  outV.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) outV[i * n + i] = 1;
  let frob2 = 0;
  for (let i = 0; i < m * n; i++) frob2 += w[i]! * w[i]!;
  // Cross terms this small only mix columns that are already numerically zero (null space).
  const negligible = EPS * EPS * frob2 * n;
  let converged = false;
  for (let sweep = 0; sweep < MAX_SWEEPS && !converged; sweep++) {
    converged = true;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const wp = w[i * n + p]!;
          const wq = w[i * n + q]!;
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        if (Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta) || Math.abs(gamma) <= negligible) continue;
        converged = false;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const wp = w[i * n + p]!;
          const wq = w[i * n + q]!;
          w[i * n + p] = c * wp - s * wq;
          w[i * n + q] = s * wp + c * wq;
        }
        for (let i = 0; i < n; i++) {
          const vp = outV[i * n + p]!;
          const vq = outV[i * n + q]!;
          outV[i * n + p] = c * vp - s * vq;
          outV[i * n + q] = s * vp + c * vq;
        }
      }
  }
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let i = 0; i < m; i++) ss += w[i * n + j]! * w[i * n + j]!;
    outS[j] = Math.sqrt(ss);
  }
  // Selection sort, descending, swapping the columns of W and V with the values.
  for (let j = 0; j < n - 1; j++) {
    let k = j;
    for (let l = j + 1; l < n; l++) if (outS[l]! > outS[k]!) k = l;
    if (k === j) continue;
    const ts = outS[j]!;
    outS[j] = outS[k]!;
    outS[k] = ts;
    for (let i = 0; i < m; i++) {
      const t = w[i * n + j]!;
      w[i * n + j] = w[i * n + k]!;
      w[i * n + k] = t;
    }
    for (let i = 0; i < n; i++) {
      const t = outV[i * n + j]!;
      outV[i * n + j] = outV[i * n + k]!;
      outV[i * n + k] = t;
    }
  }
  if (outU)
    for (let j = 0; j < n; j++) {
      const s = outS[j]!;
      const inv = s > 0 ? 1 / s : 0;
      for (let i = 0; i < m; i++) outU[i * n + j] = w[i * n + j]! * inv;
    }
  return converged;
}

let eigWork = new Float64Array(0);

/**
 * Eigen-decomposition A = V·diag(λ)·Vᵀ of a symmetric n×n matrix by cyclic Jacobi rotations.
 * Writes the eigenvalues ascending to `outValues` (length n) and the unit eigenvectors as the
 * columns of `outVectors` (n×n, row-major). Only the upper triangle of `a` is read; `a` is not
 * modified. Cost O(sweeps · n³); allocates only when a module scratch buffer must grow. Returns
 * false if it did not converge in 60 sweeps.
 */
export function symmetricEigen(
  a: ArrayLike<number>,
  n: number,
  outValues: Float64Array,
  outVectors: Float64Array,
): boolean {
  if (eigWork.length < n * n) eigWork = new Float64Array(n * n);
  const A = eigWork;
  for (let r = 0; r < n; r++)
    for (let c = r; c < n; c++) {
      A[r * n + c] = a[r * n + c]!;
      A[c * n + r] = a[r * n + c]!;
    }
  const V = outVectors;
  V.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let converged = false;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += A[p * n + p]! * A[p * n + p]!;
      for (let q = p + 1; q < n; q++) off += A[p * n + q]! * A[p * n + q]!;
    }
    if (off <= EPS * EPS * diag || off === 0) {
      converged = true;
      break;
    }
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const app = A[p * n + p]!;
        const aqq = A[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(1 + theta * theta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!;
          const akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!;
          const aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!;
          const vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  for (let i = 0; i < n; i++) outValues[i] = A[i * n + i]!;
  for (let j = 0; j < n - 1; j++) {
    let k = j;
    for (let l = j + 1; l < n; l++) if (outValues[l]! < outValues[k]!) k = l;
    if (k === j) continue;
    const t = outValues[j]!;
    outValues[j] = outValues[k]!;
    outValues[k] = t;
    for (let i = 0; i < n; i++) {
      const tv = V[i * n + j]!;
      V[i * n + j] = V[i * n + k]!;
      V[i * n + k] = tv;
    }
  }
  return converged;
}

// ---------------------------------------------------------------------------------------------
// Linear systems

/**
 * Gauss–Jordan elimination with partial pivoting, in place, on a rows×cols matrix (cols ≥ rows):
 * reduces the leading rows×rows block to the identity, so the remaining columns hold
 * (leading block)⁻¹·(rest). Returns false (matrix partly reduced) if the leading block is singular
 * (pivot ≤ 1e-14 × largest entry). No allocation; O(rows² · cols).
 */
export function gaussJordanInPlace(a: Float64Array, rows: number, cols: number): boolean {
  let scale = 0;
  for (let i = 0; i < rows * cols; i++) scale = Math.max(scale, Math.abs(a[i]!));
  if (scale === 0) return false;
  const tiny = 1e-14 * scale;
  for (let c = 0; c < rows; c++) {
    let piv = c;
    let best = Math.abs(a[c * cols + c]!);
    for (let r = c + 1; r < rows; r++) {
      const v = Math.abs(a[r * cols + c]!);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (!(best > tiny)) return false;
    if (piv !== c)
      for (let k = 0; k < cols; k++) {
        const t = a[c * cols + k]!;
        a[c * cols + k] = a[piv * cols + k]!;
        a[piv * cols + k] = t;
      }
    const inv = 1 / a[c * cols + c]!;
    for (let k = c; k < cols; k++) a[c * cols + k] = a[c * cols + k]! * inv;
    for (let r = 0; r < rows; r++) {
      if (r === c) continue;
      const f = a[r * cols + c]!;
      if (f === 0) continue;
      for (let k = c; k < cols; k++) a[r * cols + k] = a[r * cols + k]! - f * a[c * cols + k]!;
    }
  }
  return true;
}

/**
 * Solves A·x = b for a square n×n A, in place: `a` is destroyed, `b` (length n) becomes x.
 * Gaussian elimination with partial pivoting; returns false for a singular A (pivot ≤ 1e-14 ×
 * largest entry). No allocation; O(n³).
 */
export function solveInPlace(a: Float64Array, b: Float64Array, n: number): boolean {
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]!));
  if (scale === 0) return false;
  const tiny = 1e-14 * scale;
  for (let c = 0; c < n; c++) {
    let piv = c;
    let best = Math.abs(a[c * n + c]!);
    for (let r = c + 1; r < n; r++) {
      const v = Math.abs(a[r * n + c]!);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (!(best > tiny)) return false;
    if (piv !== c) {
      for (let k = c; k < n; k++) {
        const t = a[c * n + k]!;
        a[c * n + k] = a[piv * n + k]!;
        a[piv * n + k] = t;
      }
      const tb = b[c]!;
      b[c] = b[piv]!;
      b[piv] = tb;
    }
    const d = a[c * n + c]!;
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / d;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] = a[r * n + k]! - f * a[c * n + k]!;
      b[r] = b[r]! - f * b[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r * n + k]! * b[k]!;
    b[r] = s / a[r * n + r]!;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Polynomials

/** Largest degree {@link polyRealRoots} accepts. */
export const MAX_POLY_DEGREE = 32;
// Level k holds the monic (k)-th-from-top derivative chain: levels[d] = p/p_d, levels[d-1] ∝ p', …
const polyLevels: Float64Array[] = Array.from({ length: MAX_POLY_DEGREE + 1 }, (_, k) => new Float64Array(k + 1));
const polyRoots: Float64Array[] = Array.from({ length: MAX_POLY_DEGREE + 1 }, (_, k) => new Float64Array(k));
const polyRootCount = new Int32Array(MAX_POLY_DEGREE + 1);

/** p(x) for coefficients c[0..degree] (ascending powers), by Horner. O(degree). */
export function polyEval(c: ArrayLike<number>, degree: number, x: number): number {
  let v = c[degree]!;
  for (let i = degree - 1; i >= 0; i--) v = v * x + c[i]!;
  return v;
}

// Root of the monotone monic polynomial p (degree d) in [lo, hi] where p(lo), p(hi) differ in sign:
// Newton steps kept inside the bracket, bisection otherwise.
function bracketedRoot(p: Float64Array, d: number, lo: number, hi: number, flo: number): number {
  let x = 0.5 * (lo + hi);
  for (let it = 0; it < 200; it++) {
    let f = p[d]!;
    let df = 0;
    for (let i = d - 1; i >= 0; i--) {
      df = df * x + f;
      f = f * x + p[i]!;
    }
    if (f === 0) return x;
    if (f < 0 === flo < 0) lo = x;
    else hi = x;
    let next = df !== 0 ? x - f / df : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= 2 * EPS * Math.max(1, Math.abs(x)) || hi - lo <= 4 * EPS * Math.max(1, Math.abs(x)))
      return next;
    x = next;
  }
  return x;
}

/**
 * The real roots of c[0] + c[1]·x + … + c[degree]·x^degree (ascending coefficients; `degree`
 * defaults to c.length − 1; leading zero coefficients are dropped), ascending, into `out`;
 * returns their count. Method: the real roots of p are separated by those of p′, so the roots of
 * the derivative chain p^(d−1), …, p′, p are found in turn, each in its monotone intervals
 * (bounded by the Cauchy bound) by safeguarded Newton–bisection. Finds every simple real root to
 * near machine precision; a root of even multiplicity (no sign change) is found only if p is
 * exactly 0 at a critical point. No allocation (module scratch), degree ≤ {@link MAX_POLY_DEGREE};
 * O(degree³) worst case, about 60 polynomial evaluations per root.
 */
export function polyRealRoots(out: Float64Array, c: ArrayLike<number>, degree = c.length - 1): number {
  let d = degree;
  while (d > 0 && c[d] === 0) d--;
  if (d > MAX_POLY_DEGREE) throw new RangeError(`polyRealRoots: degree ${d} > ${MAX_POLY_DEGREE}`);
  if (d <= 0) return 0;
  for (let i = 0; i <= d; i++) if (!Number.isFinite(c[i]!)) return 0;
  const top = polyLevels[d]!;
  const lead = c[d]!;
  for (let i = 0; i <= d; i++) top[i] = c[i]! / lead;
  for (let k = d - 1; k >= 1; k--) {
    const hi = polyLevels[k + 1]!;
    const lo = polyLevels[k]!;
    for (let i = 0; i <= k; i++) lo[i] = ((i + 1) * hi[i + 1]!) / (k + 1);
  }
  polyRoots[1]![0] = -polyLevels[1]![0]!;
  polyRootCount[1] = 1;
  for (let k = 2; k <= d; k++) {
    const p = polyLevels[k]!;
    const crit = polyRoots[k - 1]!;
    const nc = polyRootCount[k - 1]!;
    const roots = polyRoots[k]!;
    let bound = 0;
    for (let i = 0; i < k; i++) bound = Math.max(bound, Math.abs(p[i]!));
    bound += 1;
    let count = 0;
    let a = -bound;
    let fa = polyEval(p, k, a);
    for (let j = 0; j <= nc; j++) {
      const b = j < nc ? Math.min(bound, Math.max(-bound, crit[j]!)) : bound;
      const fb = polyEval(p, k, b);
      if (fa === 0) {
        if (count === 0 || roots[count - 1] !== a) roots[count++] = a;
      } else if (fb !== 0 && fa < 0 !== fb < 0) roots[count++] = bracketedRoot(p, k, a, b, fa);
      a = b;
      fa = fb;
    }
    if (fa === 0 && (count === 0 || roots[count - 1] !== a)) roots[count++] = a;
    polyRootCount[k] = count;
  }
  const n = polyRootCount[d]!;
  const r = polyRoots[d]!;
  for (let i = 0; i < n; i++) out[i] = r[i]!;
  return n;
}

/**
 * Solves A·x = b in place (b ← x) for a symmetric positive definite n×n row-major A, which is
 * overwritten by its Cholesky factor. Returns false (A not positive definite) without finishing.
 * No allocation; O(n³/3).
 */
export function choleskySolveInPlace(A: Float64Array, b: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j]!;
    for (let k = 0; k < j; k++) d -= A[j * n + k]! * A[j * n + k]!;
    if (!(d > 0)) return false;
    d = Math.sqrt(d);
    A[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= A[i * n + k]! * A[j * n + k]!;
      A[i * n + j] = s / d;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= A[i * n + k]! * b[k]!;
    b[i] = s / A[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= A[k * n + i]! * b[k]!;
    b[i] = s / A[i * n + i]!;
  }
  return true;
}
