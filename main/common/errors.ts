/**
 * The error vocabulary shared by the core, the CLI and the renderer.
 *
 * An `AppError` is an *expected* failure: it carries a machine-readable `code`, the HTTP status the
 * API answers with, and `expose` — whether `message` may be shown to the caller. Anything that is
 * not an `AppError` is a bug and becomes a 500 whose message never leaves the process.
 */

export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  host_not_allowed: 403,
  origin_not_allowed: 403,
  invalid_signature: 403,
  link_expired: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  model_not_installed: 409,
  model_invalid: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  point_outside: 422,
  identical_points: 422,
  degenerate_reference: 422,
  no_scale: 422,
  no_depth_at_point: 422,
  reconstruction_failed: 422,
  rate_limited: 429,
  quota_exceeded: 429,
  internal_error: 500,
  timeout: 503,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly expose: boolean;
  /** Extra response headers, e.g. `Retry-After` for a 429. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.headers = options.headers ?? {};
    this.expose = this.status < 500 || code === 'timeout' || code === 'unavailable';
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
