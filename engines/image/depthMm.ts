/**
 * Depth in whole millimetres as uint16, the PNG16 depth convention (TUM RGB-D, ScanNet and Azure
 * Kinect use the same scale): 0 = invalid/unknown, 1..65535 = millimetres, 65535 also meaning
 * "65.535 m or farther" (saturated).
 */

/** The largest representable depth, millimetres (65.535 m). */
export const DEPTH_MM_MAX = 65535;

/**
 * Writes round(depthM × 1000) into `out[start..end)`: 0 where the mask is zero or the depth is not
 * a finite positive number; a depth that rounds to 0 mm but is valid becomes 1 (so it does not read
 * as invalid); above 65 535 mm it is clamped to 65 535. The range arguments let a host convert a
 * large map in slices between event-loop turns. Returns how many values were clamped at the top.
 * No allocation; O(end − start).
 */
export function depthToMillimetres(
  out: Uint16Array,
  depthM: Float32Array,
  valid: Uint8Array | null,
  start = 0,
  end = depthM.length,
): number {
  if (out.length < end || depthM.length < end) throw new RangeError('depthToMillimetres: range exceeds the arrays');
  if (valid !== null && valid.length < end) throw new RangeError('depthToMillimetres: valid mask is too short');
  let clamped = 0;
  for (let i = start; i < end; i++) {
    const d = depthM[i]!;
    if ((valid !== null && valid[i] === 0) || !(d > 0) || d === Infinity) {
      out[i] = 0;
      continue;
    }
    const mm = Math.round(d * 1000);
    if (mm > DEPTH_MM_MAX) {
      out[i] = DEPTH_MM_MAX;
      clamped++;
    } else out[i] = mm < 1 ? 1 : mm;
  }
  return clamped;
}
