import type { GrayImage } from './gray.js';

/**
 * Sharpness as the variance of the Laplacian (4-neighbour kernel [0 1 0; 1 −4 1; 0 1 0]) over the
 * interior pixels, in grey levels². Higher is sharper; blur removes high frequencies and lowers
 * it. Only comparable between images of the same size and content type, hence the running-median
 * rule in FrameSelector. No allocation; O(w·h).
 */
export function laplacianVariance(gray: GrayImage): number {
  const { width: w, height: h, data: s } = gray;
  if (w < 3 || h < 3) return 0;
  let sum = 0;
  let sum2 = 0;
  for (let y = 1; y < h - 1; y++) {
    let i = y * w + 1;
    for (let x = 1; x < w - 1; x++, i++) {
      const v = s[i - 1]! + s[i + 1]! + s[i - w]! + s[i + w]! - 4 * s[i]!;
      sum += v;
      sum2 += v * v;
    }
  }
  const n = (w - 2) * (h - 2);
  const mean = sum / n;
  return Math.max(0, sum2 / n - mean * mean);
}
