import { ApiError } from '../../../main/common/api/client.js';

/** An error as the UI shows it: what happened, and what to do about it. */
export interface UiError {
  message: string;
  hint: string | null;
  code: string | null;
  requestId: string | null;
}

const HINTS: Record<string, string> = {
  unauthorized: 'Open SpatialForge again from the link that `spatialforge serve` printed.',
  model_not_installed: 'Install a depth model (the command is above), then try again.',
  model_invalid: 'The model file does not match its manifest entry: download it again.',
  forbidden: 'These model weights are for research only; pick another model or enable research mode.',
  unsupported_media_type: 'Use a JPEG, PNG, WebP, TIFF or AVIF photo (convert HEIC to JPEG first).',
  payload_too_large: 'Use a photo under 64 MiB and 50 megapixels, or downscale it first.',
  bad_request: 'The file could not be read as an image: check that it is not truncated or corrupt.',
  point_outside: 'Click inside the photo.',
  identical_points: 'Click two different points.',
  degenerate_reference:
    'Click the four corners again, in order: top-left, top-right, bottom-right, bottom-left (clockwise on screen).',
  no_scale: 'Add a reference — a sheet, a card or a known length — or install a metric depth model.',
  no_depth_at_point: 'Pick points on a surface: the depth map has no value there.',
  unavailable: 'The core is busy; wait a moment and try again.',
  timeout: 'The request took too long; try a smaller photo.',
  rate_limited: 'Too many requests; wait a moment and try again.',
};

/**
 * Turns anything thrown by a request into a message with a hint, keeping the API's own words.
 * `hints` replaces the default hint for some codes where the workspace knows better.
 */
export function toUiError(err: unknown, hints: Partial<Record<string, string>> = {}): UiError {
  if (err instanceof ApiError) {
    const { code, message, details } = err.body.error;
    let text = message;
    if (code === 'validation_failed' && Array.isArray(details)) {
      const issues = details
        .map((d: unknown) => (typeof d === 'object' && d && 'message' in d ? String(d.message) : ''))
        .filter(Boolean);
      if (issues.length && !issues.every((i) => message.includes(i))) text += ` (${issues.join('; ')})`;
    }
    return { message: text, hint: hints[code] ?? HINTS[code] ?? null, code, requestId: err.requestId };
  }
  if (err instanceof TypeError && /fetch|network/i.test(err.message)) {
    return {
      message: 'The core did not answer.',
      hint: 'Check that `spatialforge serve` (or the app) is still running, then try again.',
      code: null,
      requestId: null,
    };
  }
  return { message: err instanceof Error ? err.message : String(err), hint: null, code: null, requestId: null };
}
