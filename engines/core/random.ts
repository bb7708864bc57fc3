/**
 * Seeded pseudo-random numbers, so every randomised engine (RANSAC, test scenes) is reproducible.
 * mulberry32: 32-bit state, period 2^32, good enough for sampling and synthetic data (not crypto).
 */

/** A generator of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * A mulberry32 generator seeded with the low 32 bits of `seed` (any finite number; the same seed
 * gives the same sequence on every platform). Allocates one closure; each call is O(1), no allocation.
 */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n) from `rng`. O(1), no allocation. */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** A standard normal sample (Box–Muller, one of the pair) from `rng`. O(1), no allocation. */
export function randomNormal(rng: Rng): number {
  let u = rng();
  while (u <= 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
