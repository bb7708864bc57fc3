import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError, type ErrorBody, type ErrorCode } from '../../common/errors.js';
import { requestLogger } from './observe.js';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * Turns every error into the one envelope `{error:{code,message,details?}}`. Expected errors
 * (`AppError`, or Koa/http-errors with a 4xx status) keep their message; anything else is a bug:
 * it is logged with its stack and the caller sees only a generic message and the request id.
 * Also answers unmatched paths with a 404 envelope.
 */
export function errorEnvelope(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && (ctx.body === undefined || ctx.body === null)) {
        throw new AppError('not_found', `no route for ${ctx.method.slice(0, 10)} ${ctx.path.slice(0, 200)}`);
      }
    } catch (err) {
      if (ctx.headerSent || !ctx.writable) {
        requestLogger(ctx, logger).error({ err }, 'error after response started');
        return;
      }
      const appError = toAppError(err);
      if (!appError) {
        requestLogger(ctx, logger).error({ err }, 'unhandled error');
        const body: ErrorBody = {
          error: {
            code: 'internal_error',
            message: `Internal server error. Quote request id ${String(ctx.state.requestId)} when reporting it.`,
          },
        };
        ctx.status = 500;
        ctx.body = body;
        return;
      }
      for (const [name, value] of Object.entries(appError.headers)) ctx.set(name, value);
      ctx.status = appError.status;
      ctx.body = appError.expose
        ? appError.toBody()
        : { error: { code: appError.code, message: 'Internal server error' } };
    }
  };
}

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { status?: unknown; expose?: unknown; message?: unknown; type?: unknown; headers?: unknown };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose !== false) {
    const code = CODE_BY_STATUS[e.status] ?? 'bad_request';
    const headers =
      e.headers && typeof e.headers === 'object'
        ? Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, String(v)]))
        : {};
    return new AppError(code, typeof e.message === 'string' ? e.message : code, { headers });
  }
  return null;
}
