import busboy from 'busboy';
import type { Context } from 'koa';
import { AppError } from '../common/errors.js';
import type { UploadDef } from '../common/api/endpoint.js';

export interface UploadedFile {
  /** The form field it came in (`UploadDef.file` or one of its alternatives). */
  field: string;
  data: Buffer;
  /** As the client named it; informational only, never used as a path. */
  filename: string;
  mimeType: string;
}

export interface MultipartResult {
  /** The first file part. */
  file: UploadedFile;
  /** Every file part, in the order sent (one for single-file endpoints). */
  files: UploadedFile[];
  fields: Record<string, string>;
}

const MAX_FIELDS = 32;
const MAX_FIELD_BYTES = 4096;

const tooLarge = (limit: number) =>
  new AppError('payload_too_large', `the uploaded file exceeds the limit of ${limit} bytes`, {
    details: { limit_bytes: limit },
  });

const tooLargeTotal = (limit: number) =>
  new AppError('payload_too_large', `the uploaded files exceed the limit of ${limit} bytes in total`, {
    details: { limit_bytes: limit },
  });

/**
 * Reads a multipart/form-data body holding file parts (kept in memory) and a few short text fields.
 * By default exactly one file part named `def.file`, at most `def.maxFileBytes`; `def.maxFiles`
 * allows several parts of that name and `def.alternatives` other file fields used instead of it
 * (never two fields in one request). More parts of a field than it allows → 413 (validation 400
 * where only one is allowed). A declared length over the limit is refused before reading; a file
 * cut off by the limit is a 413, never a silently truncated image.
 */
export function readMultipart(ctx: Context, def: UploadDef): Promise<MultipartResult> {
  const maxCount: Record<string, number> = { [def.file]: def.maxFiles ?? 1 };
  for (const [name, part] of Object.entries(def.alternatives ?? {})) maxCount[name] = part.maxCount ?? 1;
  const names = Object.keys(maxCount);
  const named = names.map((n) => `"${n}"`).join(' or ');
  const single = names.length === 1 && maxCount[def.file] === 1;
  const maxTotal = def.maxTotalBytes ?? def.maxFileBytes;
  const type = ctx.get('content-type');
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    return Promise.reject(
      new AppError('unsupported_media_type', `the request body must be multipart/form-data with a ${named} file part`),
    );
  }
  const declared = ctx.request.length;
  const overhead = MAX_FIELDS * (MAX_FIELD_BYTES + 256) + 64 * 1024;
  if (declared !== undefined && declared > Math.max(def.maxFileBytes, maxTotal) + overhead)
    return Promise.reject(single ? tooLarge(def.maxFileBytes) : tooLargeTotal(maxTotal));
  // One more file than any field allows, so that the field's own check (with its message) fires first.
  const filesLimit = single ? 1 : Math.max(...Object.values(maxCount)) + 1;

  return new Promise<MultipartResult>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: ctx.req.headers,
        limits: {
          files: filesLimit,
          fields: MAX_FIELDS,
          fieldSize: MAX_FIELD_BYTES,
          fileSize: def.maxFileBytes,
          parts: MAX_FIELDS + filesLimit,
        },
      });
    } catch (err) {
      reject(new AppError('bad_request', `malformed multipart request: ${(err as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    const files: UploadedFile[] = [];
    const count: Record<string, number> = {};
    let order = 0; // slot of the next file part, so `files` keeps the order they were sent in
    let totalBytes = 0;
    let open = 0; // file streams not yet ended
    let closed = false;
    let failed: AppError | null = null;
    const fail = (err: AppError) => {
      if (failed) return;
      failed = err;
      ctx.req.unpipe(bb);
      ctx.req.resume(); // drain, so the client still reads our answer
      reject(err);
    };

    const done = () => {
      if (failed || !closed || open > 0) return;
      if (!files.length)
        fail(new AppError('validation_failed', `the form has no ${single ? `"${def.file}"` : named} file part`));
      else resolve({ file: files[0]!, files, fields });
    };
    bb.on('file', (name, stream, info) => {
      const max = maxCount[name];
      const other = Object.keys(count).find((n) => n !== name);
      const n = (count[name] = (count[name] ?? 0) + 1);
      const refuse = (err: AppError) => {
        stream.resume();
        fail(err);
      };
      if (max === undefined) {
        const expected = single ? `the file as "${def.file}"` : `the files as ${named}`;
        return refuse(new AppError('validation_failed', `unexpected file part "${name}"; send ${expected}`));
      }
      if (other !== undefined)
        return refuse(new AppError('validation_failed', `send either "${other}" or "${name}" files, not both`));
      if (n > max) {
        if (max === 1) return refuse(new AppError('validation_failed', `send exactly one "${name}" file`));
        return refuse(
          new AppError('payload_too_large', `too many "${name}" files: at most ${max} per request`, {
            details: { field: name, max_count: max },
          }),
        );
      }
      const chunks: Buffer[] = [];
      const slot = order++;
      open++;
      stream.on('data', (c: Buffer) => {
        totalBytes += c.length;
        if (totalBytes > maxTotal) fail(tooLargeTotal(maxTotal));
        else chunks.push(c);
      });
      stream.on('limit', () => fail(tooLarge(def.maxFileBytes)));
      stream.on('end', () => {
        open--;
        if (failed) return;
        files[slot] = {
          field: name,
          data: Buffer.concat(chunks),
          filename: info.filename ?? '',
          mimeType: info.mimeType,
        };
        done();
      });
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new AppError('validation_failed', `form field "${name}" is too long`));
      else if (name in fields) fail(new AppError('validation_failed', `form field "${name}" is given twice`));
      else fields[name] = value;
    });
    bb.on('filesLimit', () =>
      fail(
        single
          ? new AppError('validation_failed', 'send exactly one file')
          : new AppError('payload_too_large', `too many files: at most ${filesLimit - 1} per request`),
      ),
    );
    bb.on('fieldsLimit', () => fail(new AppError('validation_failed', `at most ${MAX_FIELDS} form fields`)));
    bb.on('partsLimit', () => fail(new AppError('validation_failed', 'too many parts in the form')));
    bb.on('error', (err: Error) => fail(new AppError('bad_request', `malformed multipart body: ${err.message}`)));
    bb.on('close', () => {
      closed = true;
      done();
    });
    ctx.req.on('aborted', () => fail(new AppError('bad_request', 'the upload was interrupted')));
    ctx.req.pipe(bb);
  });
}
