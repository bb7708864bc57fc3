/**
 * Similarity alignment of two point sets (Umeyama 1991): the scale, rotation and translation that
 * best map `src` onto `dst` in least squares, dst ≈ scale·R·src + t. Reconstructions have no
 * absolute frame or scale, so comparing them with ground truth (camera centres, points) needs it.
 */
import { svd } from '../core/index.js';

/** dst ≈ scale · R · src + t (R row-major 3×3 rotation, det +1; t in the units of dst). */
export interface Similarity {
  scale: number;
  R: Float64Array;
  t: Float64Array;
}

const sigma = new Float64Array(9);
const U = new Float64Array(9);
const V = new Float64Array(9);
const S = new Float64Array(3);

/** A fresh identity similarity (allocates two small arrays). */
export function createSimilarity(): Similarity {
  return { scale: 1, R: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), t: new Float64Array(3) };
}

/**
 * Least-squares similarity `dstFromSrc` with dst_i ≈ scale·R·src_i + t over n point pairs packed
 * xyz in `src` and `dst` (3n numbers each), by Umeyama's closed form: the SVD of the 3×3
 * cross-covariance, with the reflection fixed so det R = +1. With `withScale` false the scale is 1
 * (rigid fit). Writes `out` and returns true; false (out untouched) when n < 3 or the source
 * points are all coincident or collinear. No allocation (module scratch); O(n).
 */
export function umeyamaAlignment(
  out: Similarity,
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  withScale = true,
): boolean {
  const n = Math.floor(src.length / 3);
  if (n < 3 || src.length !== 3 * n || dst.length !== 3 * n) return false;
  let msx = 0, msy = 0, msz = 0, mdx = 0, mdy = 0, mdz = 0; // prettier-ignore
  for (let i = 0; i < n; i++) {
    msx += src[3 * i]!;
    msy += src[3 * i + 1]!;
    msz += src[3 * i + 2]!;
    mdx += dst[3 * i]!;
    mdy += dst[3 * i + 1]!;
    mdz += dst[3 * i + 2]!;
  }
  msx /= n;
  msy /= n;
  msz /= n;
  mdx /= n;
  mdy /= n;
  mdz /= n;
  // Σ = (1/n) Σ (dst_i − μd)(src_i − μs)ᵀ, σs² = (1/n) Σ |src_i − μs|²
  sigma.fill(0);
  let varSrc = 0;
  for (let i = 0; i < n; i++) {
    const sx = src[3 * i]! - msx;
    const sy = src[3 * i + 1]! - msy;
    const sz = src[3 * i + 2]! - msz;
    const dx = dst[3 * i]! - mdx;
    const dy = dst[3 * i + 1]! - mdy;
    const dz = dst[3 * i + 2]! - mdz;
    sigma[0] = sigma[0]! + dx * sx;
    sigma[1] = sigma[1]! + dx * sy;
    sigma[2] = sigma[2]! + dx * sz;
    sigma[3] = sigma[3]! + dy * sx;
    sigma[4] = sigma[4]! + dy * sy;
    sigma[5] = sigma[5]! + dy * sz;
    sigma[6] = sigma[6]! + dz * sx;
    sigma[7] = sigma[7]! + dz * sy;
    sigma[8] = sigma[8]! + dz * sz;
    varSrc += sx * sx + sy * sy + sz * sz;
  }
  for (let k = 0; k < 9; k++) sigma[k] = sigma[k]! / n;
  varSrc /= n;
  if (!(varSrc > 0)) return false;
  if (!svd(sigma, 3, 3, S, V, U)) return false;
  // collinear sources leave two singular values at zero: the rotation about that line is free
  if (!(S[1]! > 1e-12 * S[0]!)) return false;
  const detU =
    U[0]! * (U[4]! * U[8]! - U[5]! * U[7]!) -
    U[1]! * (U[3]! * U[8]! - U[5]! * U[6]!) +
    U[2]! * (U[3]! * U[7]! - U[4]! * U[6]!);
  const detV =
    V[0]! * (V[4]! * V[8]! - V[5]! * V[7]!) -
    V[1]! * (V[3]! * V[8]! - V[5]! * V[6]!) +
    V[2]! * (V[3]! * V[7]! - V[4]! * V[6]!);
  const d3 = detU * detV < 0 ? -1 : 1;
  // R = U diag(1, 1, d3) Vᵀ
  const R = out.R;
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      R[3 * r + c] = U[3 * r]! * V[3 * c]! + U[3 * r + 1]! * V[3 * c + 1]! + d3 * U[3 * r + 2]! * V[3 * c + 2]!;
  const scale = withScale ? (S[0]! + S[1]! + d3 * S[2]!) / varSrc : 1;
  out.scale = scale;
  out.t[0] = mdx - scale * (R[0]! * msx + R[1]! * msy + R[2]! * msz);
  out.t[1] = mdy - scale * (R[3]! * msx + R[4]! * msy + R[5]! * msz);
  out.t[2] = mdz - scale * (R[6]! * msx + R[7]! * msy + R[8]! * msz);
  return true;
}

/** out_i = scale·R·p_i + t for packed xyz `points`; `out` may be `points`. No allocation; O(n). */
export function applySimilarity(out: Float64Array, dstFromSrc: Similarity, points: ArrayLike<number>): Float64Array {
  const { scale: s, R, t } = dstFromSrc;
  const n = Math.floor(points.length / 3);
  for (let i = 0; i < n; i++) {
    const x = points[3 * i]!;
    const y = points[3 * i + 1]!;
    const z = points[3 * i + 2]!;
    out[3 * i] = s * (R[0]! * x + R[1]! * y + R[2]! * z) + t[0]!;
    out[3 * i + 1] = s * (R[3]! * x + R[4]! * y + R[5]! * z) + t[1]!;
    out[3 * i + 2] = s * (R[6]! * x + R[7]! * y + R[8]! * z) + t[2]!;
  }
  return out;
}
