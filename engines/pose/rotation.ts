/**
 * Rotations as axis-angle vectors (radians; direction = axis, length = angle) and 3×3 row-major
 * matrices (Float64Array(9)). The exponential map is Rodrigues' formula; the logarithm is stable
 * at 0 and at π. All functions are O(1), allocate nothing and read/write at caller-given offsets
 * so packed arrays (6 numbers per camera, 9 per matrix) need no copies.
 */

/**
 * R = exp([ω]×) from the axis-angle ω = (aa[o], aa[o+1], aa[o+2]) in radians, written to
 * out[oo … oo+8] row-major. Taylor terms below 1e-4 rad keep it exact to double precision.
 */
export function rotationFromAxisAngle(out: Float64Array, aa: ArrayLike<number>, o = 0, oo = 0): Float64Array {
  const x = aa[o]!;
  const y = aa[o + 1]!;
  const z = aa[o + 2]!;
  const th2 = x * x + y * y + z * z;
  let a: number; // sin θ / θ
  let b: number; // (1 − cos θ) / θ²
  if (th2 < 1e-8) {
    a = 1 - th2 / 6;
    b = 0.5 - th2 / 24;
  } else {
    const th = Math.sqrt(th2);
    a = Math.sin(th) / th;
    b = (1 - Math.cos(th)) / th2;
  }
  // R = I + a K + b K², K = [ω]×, K² = ωωᵀ − θ² I
  out[oo] = 1 + b * (x * x - th2);
  out[oo + 1] = -a * z + b * x * y;
  out[oo + 2] = a * y + b * x * z;
  out[oo + 3] = a * z + b * x * y;
  out[oo + 4] = 1 + b * (y * y - th2);
  out[oo + 5] = -a * x + b * y * z;
  out[oo + 6] = -a * y + b * x * z;
  out[oo + 7] = a * x + b * y * z;
  out[oo + 8] = 1 + b * (z * z - th2);
  return out;
}

/**
 * ω = log(R): the axis-angle (radians, angle in [0, π]) of the rotation matrix R[ro … ro+8],
 * written to out[oo … oo+2]. R must be a rotation (orthonormal, det +1) to ~1e-9.
 */
export function axisAngleFromRotation(out: Float64Array, R: ArrayLike<number>, ro = 0, oo = 0): Float64Array {
  const r00 = R[ro]!;
  const r11 = R[ro + 4]!;
  const r22 = R[ro + 8]!;
  // vee(R − Rᵀ) = 2 sin θ · axis
  const vx = R[ro + 7]! - R[ro + 5]!;
  const vy = R[ro + 2]! - R[ro + 6]!;
  const vz = R[ro + 3]! - R[ro + 1]!;
  const cos = Math.min(1, Math.max(-1, (r00 + r11 + r22 - 1) / 2));
  const sin = 0.5 * Math.hypot(vx, vy, vz);
  const th = Math.atan2(sin, cos);
  if (cos > -0.99) {
    // θ/(2 sin θ), with its Taylor series near 0
    const k = th < 1e-4 ? 0.5 + (th * th) / 12 : th / (2 * sin);
    out[oo] = k * vx;
    out[oo + 1] = k * vy;
    out[oo + 2] = k * vz;
    return out;
  }
  // Near π, sin θ loses the axis: take it from the symmetric part (R + Rᵀ)/2 − cos θ I = (1 − cos θ) a aᵀ.
  const omc = 1 - cos;
  const d0 = (r00 - cos) / omc;
  const d1 = (r11 - cos) / omc;
  const d2 = (r22 - cos) / omc;
  let ax: number;
  let ay: number;
  let az: number;
  if (d0 >= d1 && d0 >= d2) {
    ax = Math.sqrt(Math.max(0, d0));
    ay = (R[ro + 1]! + R[ro + 3]!) / (2 * omc * ax);
    az = (R[ro + 2]! + R[ro + 6]!) / (2 * omc * ax);
  } else if (d1 >= d2) {
    ay = Math.sqrt(Math.max(0, d1));
    ax = (R[ro + 1]! + R[ro + 3]!) / (2 * omc * ay);
    az = (R[ro + 5]! + R[ro + 7]!) / (2 * omc * ay);
  } else {
    az = Math.sqrt(Math.max(0, d2));
    ax = (R[ro + 2]! + R[ro + 6]!) / (2 * omc * az);
    ay = (R[ro + 5]! + R[ro + 7]!) / (2 * omc * az);
  }
  // the sign of the axis follows sin θ · axis = vee(R − Rᵀ)/2
  const s = ax * vx + ay * vy + az * vz < 0 ? -1 : 1;
  const n = s * (th / Math.hypot(ax, ay, az));
  out[oo] = n * ax;
  out[oo + 1] = n * ay;
  out[oo + 2] = n * az;
  return out;
}

/** out = A · B for row-major 3×3 matrices; `out` may alias A or B. O(1), no allocation. */
export function multiplyRotations(out: Float64Array, A: ArrayLike<number>, B: ArrayLike<number>): Float64Array {
  const a0 = A[0]!, a1 = A[1]!, a2 = A[2]!, a3 = A[3]!, a4 = A[4]!, a5 = A[5]!, a6 = A[6]!, a7 = A[7]!, a8 = A[8]!; // prettier-ignore
  const b0 = B[0]!, b1 = B[1]!, b2 = B[2]!, b3 = B[3]!, b4 = B[4]!, b5 = B[5]!, b6 = B[6]!, b7 = B[7]!, b8 = B[8]!; // prettier-ignore
  out[0] = a0 * b0 + a1 * b3 + a2 * b6;
  out[1] = a0 * b1 + a1 * b4 + a2 * b7;
  out[2] = a0 * b2 + a1 * b5 + a2 * b8;
  out[3] = a3 * b0 + a4 * b3 + a5 * b6;
  out[4] = a3 * b1 + a4 * b4 + a5 * b7;
  out[5] = a3 * b2 + a4 * b5 + a5 * b8;
  out[6] = a6 * b0 + a7 * b3 + a8 * b6;
  out[7] = a6 * b1 + a7 * b4 + a8 * b7;
  out[8] = a6 * b2 + a7 * b5 + a8 * b8;
  return out;
}

/**
 * The angle (radians, in [0, π]) of the rotation taking B to A, i.e. of A·Bᵀ, for row-major 3×3
 * rotations. Uses atan2 of the skew and symmetric parts, so it stays exact for tiny angles.
 */
export function rotationAngleBetween(A: ArrayLike<number>, B: ArrayLike<number>): number {
  // M = A Bᵀ: M_ij = Σ_k A_ik B_jk
  const m = (i: number, j: number) =>
    A[3 * i]! * B[3 * j]! + A[3 * i + 1]! * B[3 * j + 1]! + A[3 * i + 2]! * B[3 * j + 2]!;
  const cos = (m(0, 0) + m(1, 1) + m(2, 2) - 1) / 2;
  const sin = 0.5 * Math.hypot(m(2, 1) - m(1, 2), m(0, 2) - m(2, 0), m(1, 0) - m(0, 1));
  return Math.atan2(sin, cos);
}
