import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TRACK_OK,
  TRACK_FB_MISMATCH,
  buildPyramid,
  createPyramid,
  detectCorners,
  trackLK,
  type GrayImage,
} from '../../../engines/features/index.js';
import { blobField, render } from './synth.js';

const W = 320;
const H = 240;
const field = blobField(7, 1400, -60, -60, W + 60, H + 60);

/** Tracks the corners of `a` into `b`; returns positions, status, errors. */
function track(a: GrayImage, b: GrayImage, opts: Parameters<typeof trackLK>[7] = {}) {
  const pa = createPyramid();
  const pb = createPyramid();
  buildPyramid(pa, a, 3);
  buildPyramid(pb, b, 3);
  const pts = new Float32Array(600);
  const n = detectCorners(pts, a, { maxCorners: 300, minDistancePx: 8 });
  const out = new Float32Array(2 * n);
  const status = new Uint8Array(n);
  const err = new Float32Array(n);
  const ok = trackLK(out, status, err, pa, pb, pts, n, opts);
  return { pts, n, out, status, err, ok };
}

/** Errors against the true map for points whose windows stay 12 px inside both images. */
function errors(r: ReturnType<typeof track>, map: (x: number, y: number) => [number, number]) {
  const e: number[] = [];
  let lostInside = 0;
  for (let i = 0; i < r.n; i++) {
    const x = r.pts[2 * i]!;
    const y = r.pts[2 * i + 1]!;
    const [tx, ty] = map(x, y);
    const inside = (u: number, v: number) => u > 12 && v > 12 && u < W - 12 && v < H - 12;
    if (!inside(x, y) || !inside(tx, ty)) continue;
    if (r.status[i] !== TRACK_OK) {
      lostInside++;
      continue;
    }
    e.push(Math.hypot(r.out[2 * i]! - tx, r.out[2 * i + 1]! - ty));
  }
  e.sort((p, q) => p - q);
  return { max: e[e.length - 1]!, median: e[e.length >> 1]!, count: e.length, lostInside };
}

test('trackLK › sub-pixel translation (2.3, −1.7) px: every interior corner within 0.05 px', () => {
  const t = [2.3, -1.7] as const;
  const a = render(field, W, H);
  const b = render(field, W, H, [1, 0, -t[0], 0, 1, -t[1]]);
  const r = track(a, b);
  const e = errors(r, (x, y) => [x + t[0], y + t[1]]);
  console.log(`LK (2.3, −1.7): ${e.count} points, median error ${e.median.toFixed(4)} px, max ${e.max.toFixed(4)} px`);
  assert.ok(e.count > 150, `enough points: ${e.count}`);
  assert.ok(e.lostInside <= 0.03 * e.count, `lost ${e.lostInside}`);
  assert.ok(e.max < 0.05, `max error ${e.max}`);
});

test('trackLK › small affine warp (2% scale, 1.5° rotation, shift): within 0.05 px with affine refinement', () => {
  const th = (1.5 * Math.PI) / 180;
  const s = 1.02;
  const c = [W / 2, H / 2];
  // Point map q = A (p − c) + c + t with A = s·R(th), t = (1.2, 0.6).
  const A = [s * Math.cos(th), -s * Math.sin(th), s * Math.sin(th), s * Math.cos(th)] as const;
  const t = [1.2, 0.6];
  const map = (x: number, y: number): [number, number] => [
    A[0] * (x - c[0]!) + A[1] * (y - c[1]!) + c[0]! + t[0]!,
    A[2] * (x - c[0]!) + A[3] * (y - c[1]!) + c[1]! + t[1]!,
  ];
  // Inverse for rendering: p = A⁻¹ (q − c − t) + c.
  const det = A[0] * A[3] - A[1] * A[2];
  const ia = A[3] / det;
  const ib = -A[1] / det;
  const ic = -A[2] / det;
  const id = A[0] / det;
  const ox = c[0]! + t[0]!;
  const oy = c[1]! + t[1]!;
  const a = render(field, W, H);
  const b = render(field, W, H, [ia, ib, c[0]! - ia * ox - ib * oy, ic, id, c[1]! - ic * ox - id * oy]);
  const e = errors(track(a, b, { affine: true }), map);
  const et = errors(track(a, b), map);
  console.log(
    `LK affine warp: ${e.count} points, median error ${e.median.toFixed(4)} px, max ${e.max.toFixed(4)} px ` +
      `(translation-only window: median ${et.median.toFixed(4)}, max ${et.max.toFixed(4)} px)`,
  );
  assert.ok(e.count > 150);
  assert.ok(e.lostInside <= 0.03 * e.count, `lost ${e.lostInside}`);
  assert.ok(e.max < 0.05, `max error ${e.max}`);
  assert.ok(et.median > e.median, 'the deformation model is what brings the error down');
});

test('trackLK › 25 px translation through the pyramid; a single level cannot follow it', () => {
  const t = [25, -14.6] as const;
  const a = render(field, W, H);
  const b = render(field, W, H, [1, 0, -t[0], 0, 1, -t[1]]);
  const r = track(a, b);
  const e = errors(r, (x, y) => [x + t[0], y + t[1]]);
  console.log(`LK (25, −14.6): ${e.count} points, median error ${e.median.toFixed(4)} px, max ${e.max.toFixed(4)} px`);
  assert.ok(e.count > 150);
  assert.ok(e.lostInside <= 0.03 * e.count, `lost ${e.lostInside}`);
  assert.ok(e.max < 0.05, `max error ${e.max}`);
  const flat = track(a, b, { maxLevel: 0 });
  const ef = errors(flat, (x, y) => [x + t[0], y + t[1]]);
  assert.ok(ef.lostInside + ef.count > 0 && ef.lostInside > ef.count, `without the pyramid most are lost`);
});

test('trackLK › forward–backward check flags points that left the image or were occluded', () => {
  const t = [-20, 0] as const;
  const a = render(field, W, H);
  const b = render(field, W, H, [1, 0, -t[0], 0, 1, -t[1]]);
  // An occluder: a patch of unrelated texture over [150, 230) × [80, 160) in the second frame.
  const other = render(blobField(99, 1400, -60, -60, W + 60, H + 60), W, H);
  for (let y = 80; y < 160; y++) for (let x = 150; x < 230; x++) b.data[y * W + x] = other.data[y * W + x]!;
  // The check alone leaves a wrong track whose window slid off the occluder onto a lookalike;
  // an error ceiling (mean |ΔI| 8 grey levels; good tracks here stay below 2) removes it.
  const r = track(a, b, { maxErrorGrey: 8 });
  let left = 0;
  let leftOk = 0;
  let occl = 0;
  let occlOk = 0;
  let clear = 0;
  let clearOk = 0;
  let fbFlags = 0;
  for (let i = 0; i < r.n; i++) {
    const x = r.pts[2 * i]! + t[0];
    const y = r.pts[2 * i + 1]! + t[1];
    const ok = r.status[i] === TRACK_OK;
    if (r.status[i] === TRACK_FB_MISMATCH) fbFlags++;
    if (x < -3) {
      left++;
      if (ok) leftOk++;
    } else if (x > 150 + 11 && x < 230 - 11 && y > 80 + 11 && y < 160 - 11) {
      occl++;
      if (ok) occlOk++;
    } else if (x > 12 && (x < 150 - 12 || x > 230 + 12 || y < 80 - 12 || y > 160 + 12)) {
      clear++;
      if (ok) clearOk++;
    }
  }
  console.log(
    `FB: left the image ${leftOk}/${left} kept, occluded ${occlOk}/${occl} kept, clear ${clearOk}/${clear} kept, ${fbFlags} forward–backward flags`,
  );
  assert.ok(left >= 10 && occl >= 5 && clear > 100);
  assert.equal(leftOk, 0, 'points that left the image are dropped');
  assert.equal(occlOk, 0, 'occluded points are dropped');
  assert.ok(clearOk >= 0.9 * clear, 'visible points are kept');
  assert.ok(fbFlags > 0);
});
