import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import {
  choleskySolveInPlace,
  gaussJordanInPlace,
  mat3Determinant,
  mat3Invert,
  mat3Multiply,
  mat3Skew,
  mat3Transpose,
  polyEval,
  polyRealRoots,
  rotationAngleBetweenDeg,
  rotationFromAxisAngle,
  solveInPlace,
  svd,
  symmetricEigen,
  vec3Cross,
} from '../../../engines/core/linalg.js';
import { mulberry32 } from '../../../engines/core/random.js';

const rng = mulberry32(11);
const randMat = (m: number, n: number) => Float64Array.from({ length: m * n }, () => rng() * 2 - 1);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

/** Coefficients (ascending) of Π (x − r). */
function fromRoots(roots: number[], lead = 1): Float64Array {
  let c = [lead];
  for (const r of roots) {
    const next = new Array<number>(c.length + 1).fill(0);
    for (let i = 0; i < c.length; i++) {
      next[i + 1]! += c[i]!;
      next[i]! -= r * c[i]!;
    }
    c = next;
  }
  return Float64Array.from(c);
}

describe('linalg › 3×3', () => {
  it('multiplies, transposes, inverts and takes determinants', () => {
    const a = randMat(3, 3);
    const inv = new Float64Array(9);
    assert.ok(mat3Invert(inv, a));
    const prod = mat3Multiply(new Float64Array(9), a, inv);
    assert.ok(maxAbsDiff(prod, [1, 0, 0, 0, 1, 0, 0, 0, 1]) < 1e-12);
    assert.ok(Math.abs(mat3Determinant(a) * mat3Determinant(inv) - 1) < 1e-12);
    assert.equal(mat3Invert(inv, [1, 2, 3, 2, 4, 6, 0, 0, 1]), false);
    const at = mat3Transpose(new Float64Array(9), a);
    assert.equal(at[1], a[3]);
    const v = [0.3, -1.2, 2];
    const w = [1, 0.5, -0.7];
    const sk = mat3Skew(new Float64Array(9), v);
    const cr = vec3Cross(new Float64Array(3), v, w);
    const skw = [0, 1, 2].map((r) => sk[3 * r]! * w[0]! + sk[3 * r + 1]! * w[1]! + sk[3 * r + 2]! * w[2]!);
    assert.ok(maxAbsDiff(skw, cr) < 1e-15);
  });

  it('builds rotations and measures the angle between them, also near 0', () => {
    const R = rotationFromAxisAngle(new Float64Array(9), 0.3, -0.4, 1.2);
    const RtR = mat3Multiply(new Float64Array(9), mat3Transpose(new Float64Array(9), R), R);
    assert.ok(maxAbsDiff(RtR, [1, 0, 0, 0, 1, 0, 0, 0, 1]) < 1e-15);
    assert.ok(Math.abs(mat3Determinant(R) - 1) < 1e-15);
    const I = rotationFromAxisAngle(new Float64Array(9), 0, 0, 0);
    const expected = (Math.hypot(0.3, -0.4, 1.2) * 180) / Math.PI;
    assert.ok(Math.abs(rotationAngleBetweenDeg(R, I) - expected) < 1e-12);
    const tiny = rotationFromAxisAngle(new Float64Array(9), 1e-9, 0, 0);
    assert.ok(Math.abs(rotationAngleBetweenDeg(tiny, I) - (1e-9 * 180) / Math.PI) < 1e-20);
  });
});

describe('linalg › svd', () => {
  it('reconstructs a random 7×4 matrix with orthonormal factors, values descending', () => {
    const a = randMat(7, 4);
    const S = new Float64Array(4);
    const V = new Float64Array(16);
    const U = new Float64Array(28);
    assert.ok(svd(a, 7, 4, S, V, U));
    for (let j = 0; j < 3; j++) assert.ok(S[j]! >= S[j + 1]!);
    const rec = new Float64Array(28);
    for (let i = 0; i < 7; i++)
      for (let k = 0; k < 4; k++) {
        let s = 0;
        for (let j = 0; j < 4; j++) s += U[i * 4 + j]! * S[j]! * V[k * 4 + j]!;
        rec[i * 4 + k] = s;
      }
    assert.ok(maxAbsDiff(rec, a) < 1e-14);
    for (let p = 0; p < 4; p++)
      for (let q = 0; q < 4; q++) {
        let uu = 0;
        let vv = 0;
        for (let i = 0; i < 7; i++) uu += U[i * 4 + p]! * U[i * 4 + q]!;
        for (let i = 0; i < 4; i++) vv += V[i * 4 + p]! * V[i * 4 + q]!;
        assert.ok(Math.abs(uu - (p === q ? 1 : 0)) < 1e-14);
        assert.ok(Math.abs(vv - (p === q ? 1 : 0)) < 1e-14);
      }
  });

  it('finds the null space of a rank-5 9-column matrix (padded with zero rows)', () => {
    const a = new Float64Array(81);
    a.set(randMat(5, 9));
    const S = new Float64Array(9);
    const V = new Float64Array(81);
    assert.ok(svd(a, 9, 9, S, V));
    for (let j = 5; j < 9; j++) {
      assert.ok(S[j]! < 1e-14, `S[${j}] = ${S[j]}`);
      for (let r = 0; r < 5; r++) {
        let s = 0;
        for (let c = 0; c < 9; c++) s += a[r * 9 + c]! * V[c * 9 + j]!;
        assert.ok(Math.abs(s) < 1e-14);
      }
    }
    assert.ok(S[4]! > 1e-3);
  });

  it('rejects short matrices', () => {
    assert.throws(() => svd(new Float64Array(6), 2, 3, new Float64Array(3), new Float64Array(9)), RangeError);
  });
});

describe('linalg › symmetricEigen', () => {
  it('diagonalises a random symmetric 6×6 matrix, values ascending', () => {
    const b = randMat(6, 6);
    const a = new Float64Array(36);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) a[r * 6 + c] = b[r * 6 + c]! + b[c * 6 + r]!;
    const w = new Float64Array(6);
    const V = new Float64Array(36);
    assert.ok(symmetricEigen(a, 6, w, V));
    for (let j = 0; j < 5; j++) assert.ok(w[j]! <= w[j + 1]!);
    for (let j = 0; j < 6; j++)
      for (let r = 0; r < 6; r++) {
        let av = 0;
        for (let c = 0; c < 6; c++) av += a[r * 6 + c]! * V[c * 6 + j]!;
        assert.ok(Math.abs(av - w[j]! * V[r * 6 + j]!) < 1e-13);
      }
  });
});

describe('linalg › linear systems', () => {
  it('solves a random 6×6 system and reports a singular one', () => {
    const a = randMat(6, 6);
    const x = randMat(6, 1);
    const b = new Float64Array(6);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) b[r]! += a[r * 6 + c]! * x[c]!;
    assert.ok(solveInPlace(Float64Array.from(a), b, 6));
    assert.ok(maxAbsDiff(b, x) < 1e-12);
    assert.equal(solveInPlace(new Float64Array([1, 2, 2, 4]), new Float64Array(2), 2), false);
  });

  it('Gauss–Jordan reduces the leading block to the identity', () => {
    const a = randMat(4, 7);
    const copy = Float64Array.from(a);
    assert.ok(gaussJordanInPlace(a, 4, 7));
    // copy_lead · reduced_rest = copy_rest
    for (let r = 0; r < 4; r++)
      for (let c = 4; c < 7; c++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += copy[r * 7 + k]! * a[k * 7 + c]!;
        assert.ok(Math.abs(s - copy[r * 7 + c]!) < 1e-12);
      }
  });
});

describe('linalg › polyRealRoots', () => {
  const out = new Float64Array(32);
  it('finds all roots of polynomials with known real roots, to near machine precision', () => {
    const cases = [
      [2],
      [-1, 3],
      [-3, -1, 2, 5],
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
      [-7, -2.5, -1, -0.3, 0, 0.25, 1.5, 4, 9, 30],
      [1e-3, 2e-3, 1, 1000],
    ];
    for (const roots of cases) {
      const c = fromRoots(roots, 3.7);
      const n = polyRealRoots(out, c);
      assert.equal(n, roots.length, `roots of ${roots.join(',')}: got ${Array.from(out.subarray(0, n)).join(',')}`);
      const sorted = [...roots].sort((p, q) => p - q);
      for (let i = 0; i < n; i++) {
        const tol = 1e-9 * Math.max(1, Math.abs(sorted[i]!));
        assert.ok(Math.abs(out[i]! - sorted[i]!) < tol, `root ${sorted[i]} vs ${out[i]}`);
      }
    }
  });

  it('ignores complex roots and leading zeros', () => {
    // (x² + 1)(x − 2)(x + 0.5) with two zero leading coefficients appended.
    const c = fromRoots([2, -0.5]);
    const full = new Float64Array(7);
    for (let i = 0; i < c.length; i++) {
      full[i]! += c[i]!;
      full[i + 2]! += c[i]!;
    }
    const n = polyRealRoots(out, full);
    assert.equal(n, 2);
    assert.ok(Math.abs(out[0]! + 0.5) < 1e-14 && Math.abs(out[1]! - 2) < 1e-14);
    assert.equal(polyRealRoots(out, [1, 0, 1]), 0);
    assert.equal(polyRealRoots(out, [5]), 0);
    assert.equal(polyRealRoots(out, [0, 0]), 0);
  });

  it('agrees with evaluation on random degree-10 polynomials', () => {
    const r = mulberry32(5);
    let total = 0;
    for (let trial = 0; trial < 200; trial++) {
      const c = Float64Array.from({ length: 11 }, () => r() * 2 - 1);
      const n = polyRealRoots(out, c);
      total += n;
      for (let i = 0; i < n; i++) {
        const x = out[i]!;
        let scale = 0;
        for (let k = 0; k <= 10; k++) scale += Math.abs(c[k]!) * Math.abs(x) ** k;
        assert.ok(Math.abs(polyEval(c, 10, x)) < 1e-13 * scale, `residual at ${x}`);
      }
      // Sturm-free sanity: every sign change on a fine grid is matched by a root found.
      let changes = 0;
      let prev = polyEval(c, 10, -50);
      for (let x = -50; x <= 50; x += 0.001) {
        const v = polyEval(c, 10, x);
        if (v !== 0 && prev !== 0 && v < 0 !== prev < 0) changes++;
        prev = v;
      }
      let inRange = 0;
      for (let i = 0; i < n; i++) if (Math.abs(out[i]!) < 50) inRange++;
      assert.ok(inRange >= changes, `trial ${trial}: ${inRange} roots in range, ${changes} sign changes`);
    }
    assert.ok(total > 200);
  });
});

test('choleskySolveInPlace solves an SPD system and refuses an indefinite one', () => {
  const A = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
  const x = [1, -2, 0.5];
  const b = Float64Array.from([0, 1, 2].map((r) => A[3 * r]! * x[0]! + A[3 * r + 1]! * x[1]! + A[3 * r + 2]! * x[2]!));
  assert.ok(choleskySolveInPlace(Float64Array.from(A), b, 3));
  x.forEach((v, i) => assert.ok(Math.abs(b[i]! - v) < 1e-12, `x[${i}] = ${b[i]}`));
  assert.equal(choleskySolveInPlace(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2), false);
});
