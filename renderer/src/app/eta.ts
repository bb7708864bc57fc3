/** A progress reading: fraction done (0–1) at a time in ms (any monotonic clock). */
export interface ProgressSample {
  t: number;
  p: number;
}

/** How far back the rate is measured: long enough to smooth bursts, short enough to follow stages. */
const WINDOW_MS = 20_000;

/**
 * Appends a reading to `samples` (in place), dropping readings older than the window but keeping
 * at least two, and readings that go backwards (a retried job restarts its progress).
 */
export function addSample(samples: ProgressSample[], t: number, p: number): void {
  const last = samples.at(-1);
  if (last && p < last.p) samples.length = 0;
  else if (last && p === last.p) return; // the same reading again says nothing about the rate
  samples.push({ t, p });
  while (samples.length > 2 && t - samples[0]!.t > WINDOW_MS) samples.shift();
}

/**
 * Milliseconds left, from the rate over the recent readings; null while there is too little to go
 * on (under 1 % done, or under a second of readings). With one reading, falls back to the average
 * rate since `startedAt` when known. The time since the last reading counts as spent.
 */
export function remainingMs(
  samples: readonly ProgressSample[],
  now: number,
  startedAt: number | null = null,
): number | null {
  const last = samples.at(-1);
  if (!last || last.p < 0.01) return null;
  if (last.p >= 1) return 0;
  let rate: number | null = null; // fraction per ms
  const first = samples[0]!;
  if (samples.length >= 2 && last.t - first.t >= 1000 && last.p > first.p)
    rate = (last.p - first.p) / (last.t - first.t);
  else if (startedAt !== null && last.t - startedAt >= 1000) rate = last.p / (last.t - startedAt);
  if (!rate || !(rate > 0)) return null;
  return Math.max(0, (1 - last.p) / rate - Math.max(0, now - last.t));
}

/** "about 40 s left", "about 3 min left", "about 1 h 20 min left", "almost done"; "" when unknown. */
export function formatRemaining(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  const s = Math.round(ms / 1000);
  if (s < 2) return 'almost done';
  if (s < 60) return `about ${s} s left`;
  const min = Math.round(s / 60);
  if (min < 60) return `about ${min} min left`;
  return `about ${Math.floor(min / 60)} h ${min % 60} min left`;
}
