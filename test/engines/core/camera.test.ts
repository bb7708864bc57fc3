import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FULL_FRAME_DIAGONAL_MM,
  fieldOfViewDeg,
  focal35mmFromPx,
  focalPxFrom35mm,
  focalPxFromSensor,
  heuristicFocalPx,
  resolveIntrinsics,
  scaleIntrinsics,
  type Intrinsics,
} from '../../../engines/core/index.js';

const close = (actual: number, expected: number, tol: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} ≠ ${expected} ± ${tol}`);

test('camera › 35 mm equivalent is defined on the diagonal (43.2666 mm)', () => {
  close(FULL_FRAME_DIAGONAL_MM, 43.266615305567875, 1e-12);
  // iPhone-class 12 MP photo, 26 mm equivalent: diag 5040 px.
  close(focalPxFrom35mm(26, 4032, 3024), 3028.6630713897507, 1e-9);
  // The same in portrait: orientation-invariant.
  close(focalPxFrom35mm(26, 3024, 4032), 3028.6630713897507, 1e-9);
  close(focal35mmFromPx(3028.6630713897507, 4032, 3024), 26, 1e-9);
});

test('camera › sensor path: focalPx = focalMm / sensorWidthMm × widthPx', () => {
  // 4.25 mm lens on a 6.4 mm wide sensor, 4000 px wide → 2656.25 px.
  close(focalPxFromSensor(4.25, 6.4, 4000), 2656.25, 1e-9);
});

test('camera › the heuristic is a 26 mm equivalent (≈ 0.601 × diagonal, 79.5° diagonal FOV)', () => {
  close(heuristicFocalPx(4032, 3024), 3028.6630713897507, 1e-9);
  close(heuristicFocalPx(4032, 3024) / 5040, 0.6009, 1e-4);
  const r = resolveIntrinsics({ width: 4032, height: 3024 });
  assert.equal(r.source, 'heuristic');
  assert.deepEqual(r.K, { fx: 3028.6630713897507, fy: 3028.6630713897507, cx: 2016, cy: 1512 });
  close(r.focal35mmEquiv, 26, 1e-9);
  const diagFovDeg = (2 * Math.atan(2520 / r.K.fx) * 180) / Math.PI;
  close(diagFovDeg, 79.53, 0.01, 'diagonal FOV');
});

test('camera › explicit focal wins over EXIF; full K is taken as given', () => {
  const exif = { focalLength35mm: 26 };
  const a = resolveIntrinsics({ explicit: { focalPx: 1000 }, exif, width: 640, height: 480 });
  assert.equal(a.source, 'explicit');
  assert.deepEqual(a.K, { fx: 1000, fy: 1000, cx: 320, cy: 240 });
  const b = resolveIntrinsics({ explicit: { fx: 900, fy: 910, cx: 330.5, cy: 250.25 }, exif, width: 640, height: 480 });
  assert.equal(b.source, 'explicit');
  assert.deepEqual(b.K, { fx: 900, fy: 910, cx: 330.5, cy: 250.25 });
  assert.throws(() => resolveIntrinsics({ explicit: { focalPx: 0 }, width: 640, height: 480 }), RangeError);
  assert.throws(() => resolveIntrinsics({ explicit: { focalPx: NaN }, width: 640, height: 480 }), RangeError);
});

test('camera › EXIF 35 mm comes before the sensor path, which comes before the heuristic', () => {
  const sensor = { focalLengthMm: 4.25, focalPlaneXPxPerMm: 625, pixelXDimension: 4000, pixelYDimension: 3000 };
  const both = resolveIntrinsics({ exif: { ...sensor, focalLength35mm: 28 }, width: 4000, height: 3000 });
  assert.equal(both.source, 'exif_35mm');
  close(both.K.fx, 3235.7511446471694, 1e-9);
  const s = resolveIntrinsics({ exif: sensor, width: 4000, height: 3000 });
  assert.equal(s.source, 'exif_focal_sensor');
  close(s.K.fx, 2656.25, 1e-9); // 4.25 mm × 625 px/mm
  close(s.K.fy, 2656.25, 1e-9); // square pixels assumed without FocalPlaneYResolution
  assert.equal(s.K.cx, 2000);
  assert.equal(s.K.cy, 1500);
  // FocalLengthIn35mmFilm = 0 means unknown; a sensor width of 0.4 mm is implausible → heuristic.
  const h = resolveIntrinsics({
    exif: { focalLength35mm: 0, focalLengthMm: 4, focalPlaneXPxPerMm: 10000 },
    width: 4000,
    height: 3000,
  });
  assert.equal(h.source, 'heuristic');
});

test('camera › sensor path on a copy resized with EXIF kept: the sensor width comes from PixelXDimension', () => {
  // Camera wrote 4000 px over 6.4 mm; the file is a 1000 px wide copy → focal scales by 1/4.
  const r = resolveIntrinsics({
    exif: { focalLengthMm: 4.25, focalPlaneXPxPerMm: 625, pixelXDimension: 4000, pixelYDimension: 3000 },
    width: 1000,
    height: 750,
  });
  close(r.K.fx, 664.0625, 1e-9);
  close(r.K.fy, 664.0625, 1e-9);
});

test('camera › orientation 6: sensor-path fx/fy swap with the axes, the 35 mm path does not care', () => {
  // Stored 400×300, non-square focal-plane resolution so a missed swap shows.
  const exif = { focalLengthMm: 4.25, focalPlaneXPxPerMm: 62.5, focalPlaneYPxPerMm: 50, orientation: 6 };
  const r = resolveIntrinsics({ exif, width: 300, height: 400 });
  assert.equal(r.source, 'exif_focal_sensor');
  close(r.K.fx, 212.5, 1e-9); // = stored fy = 4.25 × 50
  close(r.K.fy, 265.625, 1e-9); // = stored fx = 4.25 × 62.5
  assert.equal(r.K.cx, 150);
  assert.equal(r.K.cy, 200);
  const upright = resolveIntrinsics({ exif: { ...exif, orientation: 1 }, width: 400, height: 300 });
  close(upright.K.fx, 265.625, 1e-9);
  close(upright.K.fy, 212.5, 1e-9);
  const f35 = resolveIntrinsics({ exif: { focalLength35mm: 26, orientation: 6 }, width: 300, height: 400 });
  close(f35.K.fx, 300.46260628866577, 1e-9);
});

test('camera › scaleIntrinsics follows a resize exactly (corner-origin pixel convention)', () => {
  const K: Intrinsics = { fx: 3028.66, fy: 3028.66, cx: 2016, cy: 1512 };
  const out = scaleIntrinsics({ fx: 0, fy: 0, cx: 0, cy: 0 }, K, 518 / 4032, 392 / 3024);
  close(out.fx, (3028.66 * 518) / 4032, 1e-9);
  close(out.fy, (3028.66 * 392) / 3024, 1e-9);
  assert.equal(out.cx, 259);
  assert.equal(out.cy, 196);
  // In place.
  const same = scaleIntrinsics(K, K, 0.5, 0.5);
  assert.equal(same, K);
  assert.deepEqual(K, { fx: 1514.33, fy: 1514.33, cx: 1008, cy: 756 });
});

test('camera › field of view of a centred 90° camera', () => {
  const fov = fieldOfViewDeg({ fx: 500, fy: 500, cx: 500, cy: 250 }, 1000, 500);
  close(fov.x, 90, 1e-9);
  close(fov.y, (2 * Math.atan(0.5) * 180) / Math.PI, 1e-9);
});
