import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { AppError } from '../common/errors.js';

/**
 * Reads a JSON request body of at most `limitBytes`. A declared `Content-Length` over the limit is
 * refused before a byte is read; a chunked body is cut off at the limit. Empty → `undefined`.
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  const length = ctx.request.length;
  const chunked = ctx.get('transfer-encoding') !== '';
  if (!chunked && !length) return undefined;
  if (length !== undefined && length > limitBytes) {
    throw new AppError(
      'payload_too_large',
      `request body of ${length} bytes exceeds the limit of ${limitBytes} bytes`,
      {
        details: { limit_bytes: limitBytes },
      },
    );
  }
  if (!ctx.is('application/json')) {
    throw new AppError('unsupported_media_type', 'the request body must be application/json');
  }
  let text: string;
  try {
    text = await getRawBody(ctx.req, { length, limit: limitBytes, encoding: 'utf8' });
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') {
      throw new AppError('payload_too_large', `request body exceeds the limit of ${limitBytes} bytes`, {
        details: { limit_bytes: limitBytes },
      });
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      throw new AppError('unsupported_media_type', 'the request body must be UTF-8 JSON');
    }
    throw new AppError('bad_request', 'the request body could not be read', { cause: err });
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError('invalid_json', `the request body is not valid JSON: ${(err as Error).message}`);
  }
}
