import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distortPixel, undistortPixel } from '../../../engines/core/distortion.js';

// The left camera of OpenCV's stereo chessboard sample (misc/left_intrinsics.yml), strong barrel distortion.
const K = { fx: 535.9157, fy: 535.9157, cx: 342.7832, cy: 236.0708 };
const D = { k1: -0.26637, k2: -0.038589, p1: 0.0017832, p2: -0.00028122, k3: 0.23839 };

test('undistortPixel inverts distortPixel across the image to 1e-6 px', () => {
  const a = [0, 0];
  const b = [0, 0];
  for (let v = 0; v <= 480; v += 40)
    for (let u = 0; u <= 640; u += 40) {
      distortPixel(a, u, v, K, D);
      undistortPixel(b, a[0]!, a[1]!, K, D);
      assert.ok(Math.hypot(b[0]! - u, b[1]! - v) < 1e-6, `(${u},${v}) → (${b[0]},${b[1]})`);
    }
});

test('a corner pixel moves outwards by the expected amount under barrel distortion', () => {
  const out = [0, 0];
  undistortPixel(out, 20, 20, K, D);
  // Barrel distortion pulls edges in: the ideal position is farther from the centre.
  assert.ok(Math.hypot(out[0]! - K.cx, out[1]! - K.cy) > Math.hypot(20 - K.cx, 20 - K.cy) + 10);
  undistortPixel(out, K.cx, K.cy, K, D);
  assert.deepEqual([out[0], out[1]], [K.cx, K.cy]);
});
