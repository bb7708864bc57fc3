import type { Intrinsics } from './camera.js';

/**
 * Lens distortion, OpenCV's model (Brown–Conrady): radial k1, k2, k3 and tangential p1, p2, applied
 * to normalised coordinates (x, y) = ((u − cx)/fx, (v − cy)/fy):
 *   r² = x² + y²,  radial = 1 + k1·r² + k2·r⁴ + k3·r⁶
 *   x_d = x·radial + 2·p1·x·y + p2·(r² + 2x²),  y_d = y·radial + p1·(r² + 2y²) + 2·p2·x·y
 * Coefficients are the ones OpenCV's calibrateCamera prints (k1, k2, p1, p2, k3), which do not
 * depend on the pixel-centre convention; K must be in ours (camera.ts): add 0.5 to an OpenCV cx, cy.
 */
export interface Distortion {
  k1: number;
  k2: number;
  p1: number;
  p2: number;
  k3: number;
}

/** Distorted pixel → the pixel an ideal pinhole camera with the same K would see. Writes `out` [u, v]. */
export function undistortPixel(
  out: Float64Array | number[],
  u: number,
  v: number,
  K: Readonly<Intrinsics>,
  d: Readonly<Distortion>,
) {
  const xd = (u - K.cx) / K.fx;
  const yd = (v - K.cy) / K.fy;
  // Fixed-point iteration as in cv::undistortPoints, run to convergence (not a fixed 5 steps):
  // x = (x_d − tangential(x)) / radial(x).
  let x = xd;
  let y = yd;
  for (let i = 0; i < 100; i++) {
    const r2 = x * x + y * y;
    const radial = 1 + r2 * (d.k1 + r2 * (d.k2 + r2 * d.k3));
    const dx = 2 * d.p1 * x * y + d.p2 * (r2 + 2 * x * x);
    const dy = d.p1 * (r2 + 2 * y * y) + 2 * d.p2 * x * y;
    const nx = (xd - dx) / radial;
    const ny = (yd - dy) / radial;
    const step = Math.abs(nx - x) + Math.abs(ny - y);
    x = nx;
    y = ny;
    if (step < 1e-14) break;
  }
  out[0] = x * K.fx + K.cx;
  out[1] = y * K.fy + K.cy;
  return out;
}

/** Ideal pinhole pixel → distorted pixel (the forward model). Writes `out` [u, v]. */
export function distortPixel(
  out: Float64Array | number[],
  u: number,
  v: number,
  K: Readonly<Intrinsics>,
  d: Readonly<Distortion>,
) {
  const x = (u - K.cx) / K.fx;
  const y = (v - K.cy) / K.fy;
  const r2 = x * x + y * y;
  const radial = 1 + r2 * (d.k1 + r2 * (d.k2 + r2 * d.k3));
  out[0] = (x * radial + 2 * d.p1 * x * y + d.p2 * (r2 + 2 * x * x)) * K.fx + K.cx;
  out[1] = (y * radial + d.p1 * (r2 + 2 * y * y) + 2 * d.p2 * x * y) * K.fy + K.cy;
  return out;
}
