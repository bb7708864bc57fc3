import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DESCRIPTOR_WORDS,
  briefPattern,
  detectAndDescribe,
  hammingDistance,
  matchDescriptors,
  PATCH_RADIUS,
  type Keypoints,
} from '../../../engines/features/index.js';
import { blobField, render, rng } from './synth.js';

const W = 320;
const H = 240;
const field = blobField(7, 900, -120, -120, W + 120, H + 120, 150);

/** Warped view: pixel = s·R(θ)·(world − c) + c with c the image centre; returns the forward map too. */
function warped(thetaDeg: number, scale: number) {
  const th = (thetaDeg * Math.PI) / 180;
  const c = Math.cos(th);
  const s = Math.sin(th);
  const cx = W / 2;
  const cy = H / 2;
  // world = (1/scale)·R(−θ)·(pixel − c) + c
  const a = c / scale;
  const b = s / scale;
  const inv = [a, b, cx - a * cx - b * cy, -b, a, cy + b * cx - a * cy] as const;
  const forward = (x: number, y: number): [number, number] => [
    scale * (c * (x - cx) - s * (y - cy)) + cx,
    scale * (s * (x - cx) + c * (y - cy)) + cy,
  ];
  return { image: render(field, W, H, inv), forward };
}

function matchShare(A: Keypoints, B: Keypoints, forward: (x: number, y: number) => [number, number], tolPx: number) {
  const m = new Int32Array(2 * Math.min(A.count, B.count));
  const n = matchDescriptors(m, A.descriptors, A.count, B.descriptors, B.count, { ratio: 0.8, crossCheck: true });
  let good = 0;
  for (let k = 0; k < n; k++) {
    const a = m[2 * k]!;
    const b = m[2 * k + 1]!;
    const [u, v] = forward(A.xy[2 * a]!, A.xy[2 * a + 1]!);
    if (Math.hypot(u - B.xy[2 * b]!, v - B.xy[2 * b + 1]!) <= tolPx) good++;
  }
  return { n, good, share: n ? good / n : 0 };
}

test('descriptors › a 30° rotated, 1.1× scaled view matches the original at the true positions (≥ 90% of ratio-test and cross-checked matches within 3 px)', () => {
  const original = render(field, W, H);
  const { image, forward } = warped(30, 1.1);
  const A = detectAndDescribe(original, { corners: { maxCorners: 600 } });
  const B = detectAndDescribe(image, { corners: { maxCorners: 600 } });
  assert.ok(A.count > 200 && B.count > 200, `${A.count}, ${B.count} keypoints`);
  assert.equal(A.descriptors.length, DESCRIPTOR_WORDS * A.count);
  // 3 px: Shi–Tomasi corners on blobs are not scale covariant, so a corner itself moves ≈ 1–2 px at 1.1×.
  const r = matchShare(A, B, forward, 3);
  assert.ok(r.n >= 60, `${r.n} matches`);
  assert.ok(r.share >= 0.9, `${r.good} of ${r.n} correct (${(100 * r.share).toFixed(1)}%)`);
  // Upright BRIEF on the same corners is not rotation invariant: the orientation is what makes it work.
  const Au = detectAndDescribe(original, { corners: { maxCorners: 600 }, descriptor: { oriented: false } });
  const Bu = detectAndDescribe(image, { corners: { maxCorners: 600 }, descriptor: { oriented: false } });
  const u = matchShare(Au, Bu, forward, 3);
  assert.ok(u.good < r.good / 3, `upright: ${u.good} correct, oriented: ${r.good}`);
  console.log(
    `30°, 1.1×: ${r.good}/${r.n} correct (${(100 * r.share).toFixed(1)}%) among ${A.count}/${B.count} keypoints; upright BRIEF ${u.good}/${u.n}`,
  );
});

test('descriptors › orientation follows the image rotation and keypoints stay off the border', () => {
  const original = render(field, W, H);
  const { image, forward } = warped(30, 1);
  const A = detectAndDescribe(original, { corners: { maxCorners: 300 } });
  const B = detectAndDescribe(image, { corners: { maxCorners: 300 } });
  for (let k = 0; k < A.count; k++) {
    assert.ok(A.xy[2 * k]! >= PATCH_RADIUS && A.xy[2 * k]! <= W - PATCH_RADIUS);
    assert.ok(A.xy[2 * k + 1]! >= PATCH_RADIUS && A.xy[2 * k + 1]! <= H - PATCH_RADIUS);
  }
  // For corners found at the same place in both views, the angle differs by ≈ 30°.
  const diffs: number[] = [];
  for (let a = 0; a < A.count; a++) {
    const [u, v] = forward(A.xy[2 * a]!, A.xy[2 * a + 1]!);
    for (let b = 0; b < B.count; b++) {
      if (Math.hypot(u - B.xy[2 * b]!, v - B.xy[2 * b + 1]!) > 0.75) continue;
      let d = ((B.angle[b]! - A.angle[a]!) * 180) / Math.PI - 30;
      d = ((((d + 180) % 360) + 360) % 360) - 180;
      diffs.push(Math.abs(d));
    }
  }
  diffs.sort((x, y) => x - y);
  assert.ok(diffs.length > 50, `${diffs.length} repeated corners`);
  const median = diffs[diffs.length >> 1]!;
  assert.ok(median < 3, `median orientation error ${median}°`);
});

test('descriptors › hammingDistance counts differing bits; the pattern is seeded and inside the patch', () => {
  const r = rng(3);
  const a = new Uint32Array(2 * DESCRIPTOR_WORDS);
  for (let i = 0; i < a.length; i++) a[i] = Math.floor(r() * 2 ** 32);
  let naive = 0;
  for (let w = 0; w < DESCRIPTOR_WORDS; w++)
    for (let b = 0; b < 32; b++) naive += ((a[w]! >>> b) & 1) ^ ((a[DESCRIPTOR_WORDS + w]! >>> b) & 1);
  assert.equal(hammingDistance(a, 0, a, 1), naive);
  assert.equal(hammingDistance(a, 1, a, 1), 0);
  const ones = new Uint32Array(DESCRIPTOR_WORDS).fill(0xffffffff);
  const zeros = new Uint32Array(DESCRIPTOR_WORDS);
  assert.equal(hammingDistance(ones, 0, zeros, 0), 256);
  const p = briefPattern(9);
  assert.deepEqual(p, briefPattern(9));
  assert.notDeepEqual(p, briefPattern(10));
  for (let i = 0; i < p.length; i += 2) assert.ok(Math.hypot(p[i]!, p[i + 1]!) < PATCH_RADIUS);
});
