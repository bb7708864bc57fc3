import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleDepthRobust } from '../../../engines/measure/index.js';
import { gaussian, mulberry32 } from '../../fixtures/scenes.js';

const W = 40;
const H = 40;
const BG = 3;
const FG = 2;
// Foreground square: columns 15..24, rows 15..24 (pixels), at 2 m in front of a 3 m wall.
const inFg = (i: number, j: number) => i >= 15 && i <= 24 && j >= 15 && j <= 24;

function map(noiseRel = 0, seed = 1): Float32Array {
  const g = gaussian(mulberry32(seed));
  const d = new Float32Array(W * H);
  for (let j = 0; j < H; j++) for (let i = 0; i < W; i++) d[j * W + i] = (inFg(i, j) ? FG : BG) * (1 + noiseRel * g());
  return d;
}

describe('sampleDepthRobust', () => {
  it('returns the exact depth of a flat region with zero sigma and no edge', () => {
    const s = sampleDepthRobust(map(), null, W, H, 5.5, 5.5)!;
    assert.equal(s.depth, BG);
    assert.equal(s.sigma, 0);
    assert.equal(s.method, 'window_median');
    assert.equal(s.straddlesEdge, false);
    assert.equal(s.validCount, 25);
    assert.equal(s.windowPx, 5);
  });

  it('a click one pixel inside a foreground edge keeps the foreground, with a larger sigma than a flat region', () => {
    const d = map(0.01, 7);
    const flat = sampleDepthRobust(d, null, W, H, 20.5, 20.5)!;
    // Pixel column 23 is one pixel inside the right edge (column 24 is the last foreground one).
    const edge = sampleDepthRobust(d, null, W, H, 23.5, 20.5)!;
    assert.ok(Math.abs(edge.depth - FG) < 0.03 * FG, `edge depth ${edge.depth}`);
    assert.equal(edge.straddlesEdge, true);
    assert.equal(edge.method, 'foreground_cluster');
    assert.ok(edge.sigma > flat.sigma, `edge sigma ${edge.sigma} vs flat ${flat.sigma}`);
    assert.equal(flat.straddlesEdge, false);
  });

  it('a click one pixel off the foreground (on the background next to it) returns the foreground, flagged as an edge', () => {
    const d = map();
    // Column 25 is background, right next to the foreground's last column 24.
    const s = sampleDepthRobust(d, null, W, H, 25.5, 20.5)!;
    assert.equal(s.depth, FG);
    assert.equal(s.straddlesEdge, true);
    assert.equal(s.method, 'foreground_cluster');
    // The click is on a background pixel: the edge term is half the gap (p = 0.5).
    assert.ok(Math.abs(s.sigma - 0.5 * (BG - FG)) < 1e-9, `sigma ${s.sigma}`);
    // Two pixels off, the foreground is out of snapping reach: the background is kept.
    const far = sampleDepthRobust(d, null, W, H, 26.5, 20.5)!;
    assert.equal(far.depth, BG);
    assert.equal(far.method, 'centre_cluster');
  });

  it('at a box corner, where the window is mostly background, still returns the foreground (a plain median would not)', () => {
    const d = map();
    const s = sampleDepthRobust(d, null, W, H, 24.5, 24.5)!; // the corner pixel: 9 of 25 are foreground
    assert.equal(s.depth, FG);
    assert.equal(s.straddlesEdge, true);
    const window: number[] = [];
    for (let j = 22; j <= 26; j++) for (let i = 22; i <= 26; i++) window.push(d[j * W + i]!);
    window.sort((a, b) => a - b);
    assert.equal(window[12], BG, 'the plain window median is the background');
  });

  it('ignores a single flying pixel under the click (thin minority) and takes the surrounding surface', () => {
    const d = map();
    d[5 * W + 5] = 7; // behind: the surrounding surface is also the nearer one
    assert.equal(sampleDepthRobust(d, null, W, H, 5.5, 5.5)!.depth, BG);
    d[5 * W + 5] = 1; // in front, but one pixel is not an object
    const s = sampleDepthRobust(d, null, W, H, 5.5, 5.5)!;
    assert.equal(s.depth, BG);
    assert.equal(s.method, 'majority_cluster');
    assert.equal(s.straddlesEdge, true);
  });

  it('follows a slanted surface to the sub-pixel click position (local plane, not the pixel centre)', () => {
    const d = new Float32Array(W * H);
    for (let j = 0; j < H; j++) for (let i = 0; i < W; i++) d[j * W + i] = 2 + 0.01 * (i + 0.5) + 0.004 * (j + 0.5);
    const s = sampleDepthRobust(d, null, W, H, 10.2, 12.9)!;
    assert.ok(Math.abs(s.depth - (2 + 0.01 * 10.2 + 0.004 * 12.9)) < 1e-6, `${s.depth}`);
    assert.ok(Math.abs(s.gradX - 0.01) < 1e-6 && Math.abs(s.gradY - 0.004) < 1e-6);
    assert.equal(s.straddlesEdge, false);
  });

  it('skips masked pixels; an invalid centre raises sigma; an empty window falls back to the nearest valid pixel or null', () => {
    const d = map(0.01, 3);
    const valid = new Uint8Array(W * H).fill(1);
    const ok = sampleDepthRobust(d, valid, W, H, 5.5, 5.5)!;
    valid[5 * W + 5] = 0;
    const hole = sampleDepthRobust(d, valid, W, H, 5.5, 5.5)!;
    assert.equal(hole.centreInvalid, true);
    assert.equal(hole.validCount, 24);
    assert.ok(hole.sigma > 2 * ok.sigma, `${hole.sigma} vs ${ok.sigma}`);
    for (let j = 3; j <= 7; j++) for (let i = 3; i <= 7; i++) valid[j * W + i] = 0;
    const nearest = sampleDepthRobust(d, valid, W, H, 5.5, 5.5)!;
    assert.equal(nearest.method, 'nearest_valid');
    assert.ok(Math.abs(nearest.depth - BG) < 0.05 * BG);
    valid.fill(0);
    assert.equal(sampleDepthRobust(d, valid, W, H, 5.5, 5.5), null);
  });

  it('sigma is calibrated on a noisy flat surface: |error| ≤ sigma in 60–85% of 400 seeded windows', () => {
    const d = map(0.02, 11);
    let covered = 0;
    let n = 0;
    for (let j = 3; j < H - 3; j += 2)
      for (let i = 3; i < W - 3; i += 2) {
        if (i >= 12 && i <= 27 && j >= 12 && j <= 27) continue; // stay away from the foreground
        const s = sampleDepthRobust(d, null, W, H, i + 0.5, j + 0.5)!;
        if (Math.abs(s.depth - BG) <= s.sigma) covered++;
        n++;
      }
    const d2 = map(0.02, 12);
    for (let j = 3; j < H - 3; j += 2)
      for (let i = 3; i < W - 3; i += 2) {
        if (i >= 12 && i <= 27 && j >= 12 && j <= 27) continue;
        const s = sampleDepthRobust(d2, null, W, H, i + 0.5, j + 0.5)!;
        if (Math.abs(s.depth - BG) <= s.sigma) covered++;
        n++;
      }
    const coverage = covered / n;
    assert.ok(n >= 300, `${n} windows`);
    assert.ok(coverage >= 0.6 && coverage <= 0.85, `coverage ${coverage.toFixed(3)} over ${n}`);
  });

  it('rejects a bad radius and a point outside the map', () => {
    assert.throws(() => sampleDepthRobust(map(), null, W, H, 5, 5, 1.5), RangeError);
    assert.throws(() => sampleDepthRobust(map(), null, W, H, 40, 5), RangeError);
  });
});
