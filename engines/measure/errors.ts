/**
 * The measure engine's expected failures. Each is the caller's to fix (a click, a reference, a
 * missing depth map), so the host answers them as 4xx with the message shown to the user;
 * {@link MEASURE_ERROR_STATUS} is the suggested HTTP status.
 */
export type MeasureErrorCode =
  'point_outside' | 'identical_points' | 'degenerate_reference' | 'no_scale' | 'no_depth_at_point';

/** Suggested HTTP status per code: all 422 — the request is well formed, but these clicks,
 * this reference or this image cannot give a measurement (main/common/errors.ts agrees). */
export const MEASURE_ERROR_STATUS: Readonly<Record<MeasureErrorCode, number>> = {
  point_outside: 422,
  identical_points: 422,
  degenerate_reference: 422,
  no_scale: 422,
  no_depth_at_point: 422,
};

export class MeasureError extends Error {
  override readonly name = 'MeasureError';
  readonly status: number;
  constructor(
    readonly code: MeasureErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = MEASURE_ERROR_STATUS[code];
  }
}
