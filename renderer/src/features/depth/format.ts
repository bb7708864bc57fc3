/** A depth value as shown: metres with millimetres, or a relative number. */
export function formatDepth(v: number | null, kind: 'metric' | 'relative'): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return kind === 'metric' ? `${v.toFixed(3)} m` : v.toFixed(3);
}
