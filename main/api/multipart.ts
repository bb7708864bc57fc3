import busboy from 'busboy';
import type { Context } from 'koa';
import { AppError } from '../common/errors.js';
import type { UploadDef } from '../common/api/endpoint.js';

export interface UploadedFile {
  data: Buffer;
  /** As the client named it; informational only, never used as a path. */
  filename: string;
  mimeType: string;
}

export interface MultipartResult {
  file: UploadedFile;
  fields: Record<string, string>;
}

const MAX_FIELDS = 32;
const MAX_FIELD_BYTES = 4096;

const tooLarge = (limit: number) =>
  new AppError('payload_too_large', `the uploaded file exceeds the limit of ${limit} bytes`, {
    details: { limit_bytes: limit },
  });

/**
 * Reads a multipart/form-data body holding exactly one file part named `def.file` (kept in memory,
 * at most `def.maxFileBytes`) and a few short text fields. A declared length over the limit is
 * refused before reading; a file cut off by the limit is a 413, never a silently truncated image.
 */
export function readMultipart(ctx: Context, def: UploadDef): Promise<MultipartResult> {
  const type = ctx.get('content-type');
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    return Promise.reject(
      new AppError(
        'unsupported_media_type',
        `the request body must be multipart/form-data with a "${def.file}" file part`,
      ),
    );
  }
  const declared = ctx.request.length;
  const overhead = MAX_FIELDS * (MAX_FIELD_BYTES + 256) + 64 * 1024;
  if (declared !== undefined && declared > def.maxFileBytes + overhead)
    return Promise.reject(tooLarge(def.maxFileBytes));

  return new Promise<MultipartResult>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: ctx.req.headers,
        limits: {
          files: 1,
          fields: MAX_FIELDS,
          fieldSize: MAX_FIELD_BYTES,
          fileSize: def.maxFileBytes,
          parts: MAX_FIELDS + 1,
        },
      });
    } catch (err) {
      reject(new AppError('bad_request', `malformed multipart request: ${(err as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let file: UploadedFile | null = null;
    let failed: AppError | null = null;
    const fail = (err: AppError) => {
      if (failed) return;
      failed = err;
      ctx.req.unpipe(bb);
      ctx.req.resume(); // drain, so the client still reads our answer
      reject(err);
    };

    bb.on('file', (name, stream, info) => {
      if (name !== def.file) {
        stream.resume();
        fail(new AppError('validation_failed', `unexpected file part "${name}"; send the file as "${def.file}"`));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(tooLarge(def.maxFileBytes)));
      stream.on('end', () => {
        if (failed) return;
        file = { data: Buffer.concat(chunks), filename: info.filename ?? '', mimeType: info.mimeType };
      });
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new AppError('validation_failed', `form field "${name}" is too long`));
      else if (name in fields) fail(new AppError('validation_failed', `form field "${name}" is given twice`));
      else fields[name] = value;
    });
    bb.on('filesLimit', () => fail(new AppError('validation_failed', 'send exactly one file')));
    bb.on('fieldsLimit', () => fail(new AppError('validation_failed', `at most ${MAX_FIELDS} form fields`)));
    bb.on('partsLimit', () => fail(new AppError('validation_failed', 'too many parts in the form')));
    bb.on('error', (err: Error) => fail(new AppError('bad_request', `malformed multipart body: ${err.message}`)));
    bb.on('close', () => {
      if (failed) return;
      if (!file) fail(new AppError('validation_failed', `the form has no "${def.file}" file part`));
      else resolve({ file, fields });
    });
    ctx.req.on('aborted', () => fail(new AppError('bad_request', 'the upload was interrupted')));
    ctx.req.pipe(bb);
  });
}
