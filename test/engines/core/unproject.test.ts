import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countUsableDepth, gatherPointColors, unprojectDepth, type Intrinsics } from '../../../engines/core/index.js';

const W = 64;
const H = 48;
const K: Intrinsics = { fx: 50, fy: 55, cx: 31.7, cy: 24.3 };
// Tilted plane in the camera frame: 0.2·X − 0.1·Y + Z = 3 (metres).
const N = [0.2, -0.1, 1] as const;
const D = 3;

/** Ray-casts the plane through each pixel centre: the depth map's exact ground truth. */
function planeDepth(): Float32Array {
  const depth = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const rx = (x + 0.5 - K.cx) / K.fx;
      const ry = (y + 0.5 - K.cy) / K.fy;
      depth[y * W + x] = D / (N[0] * rx + N[1] * ry + N[2]);
    }
  }
  return depth;
}

test('unprojectDepth › points of a synthetic plane lie on it and reproject to their pixels (1e-5)', () => {
  const depth = planeDepth();
  const out = new Float32Array(W * H * 3);
  const n = unprojectDepth(out, depth, K, W, H);
  assert.equal(n, W * H);
  let worstPlane = 0;
  let worstPixel = 0;
  for (let i = 0; i < n; i++) {
    const X = out[i * 3]!;
    const Y = out[i * 3 + 1]!;
    const Z = out[i * 3 + 2]!;
    worstPlane = Math.max(worstPlane, Math.abs(N[0] * X + N[1] * Y + N[2] * Z - D));
    const u = (K.fx * X) / Z + K.cx - 0.5;
    const v = (K.fy * Y) / Z + K.cy - 0.5;
    worstPixel = Math.max(worstPixel, Math.abs(u - (i % W)), Math.abs(v - Math.floor(i / W)));
  }
  assert.ok(worstPlane < 1e-5, `plane residual ${worstPlane} m`);
  assert.ok(worstPixel < 1e-5, `reprojection error ${worstPixel} px`);
  // The pixel whose centre is the principal point lies on the optical axis.
  const onAxis = unprojectDepth(new Float32Array(3), new Float32Array([2]), { fx: 10, fy: 10, cx: 0.5, cy: 0.5 }, 1, 1);
  assert.equal(onAxis, 1);
});

test('unprojectDepth › skips masked, non-finite and non-positive depth; stride subsamples rows and columns', () => {
  const depth = planeDepth();
  const valid = new Uint8Array(W * H).fill(1);
  valid[0] = 0;
  depth[1] = Number.NaN;
  depth[2] = 0;
  depth[3] = -1;
  depth[4] = Number.POSITIVE_INFINITY;
  const out = new Float32Array(W * H * 3);
  const n = unprojectDepth(out, depth, K, W, H, valid);
  assert.equal(n, W * H - 5);
  assert.equal(countUsableDepth(depth, W, H, valid), n);
  // First written point is pixel 5.
  assert.equal(out[2], depth[5]);

  const s = unprojectDepth(out, depth, K, W, H, null, 4);
  // Rows 0,4,…,44 (12) × columns 0,4,…,60 (16), minus pixel 4 (∞); pixels 1–3 are not visited.
  assert.equal(s, 12 * 16 - 1);
  assert.equal(countUsableDepth(depth, W, H, null, 4), s);
});

test('unprojectDepth › throws instead of overrunning a short output', () => {
  const depth = planeDepth();
  assert.throws(() => unprojectDepth(new Float32Array(30), depth, K, W, H), RangeError);
  assert.throws(() => unprojectDepth(new Float32Array(W * H * 3), depth, K, W, H + 1), RangeError);
  assert.throws(() => unprojectDepth(new Float32Array(W * H * 3), depth, K, W, H, null, 0), RangeError);
});

test('gatherPointColors › returns the colours of exactly the unprojected pixels, in order', () => {
  const depth = planeDepth();
  depth[2 * W + 4] = Number.NaN; // visited at stride 2, so it must be skipped by both
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    rgb[i * 3] = i % 256;
    rgb[i * 3 + 1] = (i >> 8) & 255;
    rgb[i * 3 + 2] = 7;
  }
  const pts = new Float32Array(W * H * 3);
  const cols = new Uint8Array(W * H * 3);
  const n = unprojectDepth(pts, depth, K, W, H, null, 2);
  assert.equal(gatherPointColors(cols, rgb, depth, W, H, null, 2), n);
  for (let k = 0; k < n; k++) {
    // Recover the pixel from the point, then compare its colour.
    const Z = pts[k * 3 + 2]!;
    const x = Math.round((K.fx * pts[k * 3]!) / Z + K.cx - 0.5);
    const y = Math.round((K.fy * pts[k * 3 + 1]!) / Z + K.cy - 0.5);
    const i = y * W + x;
    assert.equal(cols[k * 3], rgb[i * 3]);
    assert.equal(cols[k * 3 + 1], rgb[i * 3 + 1]);
  }
});
