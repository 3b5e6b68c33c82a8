import { MeshError, PayloadTooLargeError, ValidationError } from '@mesh/core';
import busboy from 'busboy';
import type { Request, RequestHandler, Response } from 'express';
import { findUnsafeJson, hasUtf8Charset } from './json-body';
import type { UploadedFile } from '../request-locals';

/** One file part of a multipart request, read whole (within the limits): defined with the request locals it lands in. */
export type { UploadedFile } from '../request-locals';

export interface UploadLimits {
  maxFileBytes: number;
  maxTaskBytes: number;
  maxFiles: number;
  /** Bytes of the JSON body field. */
  fieldBytes: number;
}

export function isMultipartMediaType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'multipart/form-data';
}

const mib = (bytes: number) => (bytes % 1_048_576 === 0 ? `${bytes / 1_048_576} MiB` : `${bytes} bytes`);

/**
 * Reads a `multipart/form-data` body as it streams in: the JSON field `bodyField` becomes
 * `req.body`, every file part an upload in `res.locals.uploads`. It stops reading and answers at
 * once (413, or 400 for too many files or a malformed form) as soon as a limit is passed, so no
 * more than the limits allow is ever held in memory. Checking the files' types is the route's work.
 */
export function multipartBody(bodyField: string, limits: UploadLimits): RequestHandler {
  return (req, res, next) => {
    if (!hasUtf8Charset(req.headers['content-type'])) {
      next(new ValidationError('Invalid multipart body', [{ path: 'body', message: 'the form must be UTF-8' }]));
      return;
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fields: 1, fieldSize: limits.fieldBytes },
      });
    } catch (err) {
      next(new ValidationError('Invalid multipart body', [{ path: 'body', message: (err as Error).message }]));
      return;
    }
    const uploads: UploadedFile[] = [];
    let bodyText: string | undefined;
    let totalBytes = 0;
    let settled = false;

    const fail = (error: MeshError) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      // The rest of the request is read and dropped (never kept), and the connection closed after the answer.
      res.setHeader('Connection', 'close');
      req.resume();
      next(error);
    };

    parser.on('file', (field, stream, info) => {
      const name = info.filename ?? '';
      const chunks: Buffer[] = [];
      let fileBytes = 0;
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        fileBytes += chunk.length;
        totalBytes += chunk.length;
        if (totalBytes > limits.maxTaskBytes) {
          fail(new MeshError('payload_too_large', 413, `The task's attachments exceed the limit of ${mib(limits.maxTaskBytes)} together`, { details: [{ path: name || field, message: 'over the task limit' }] }));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('limit', () => {
        fail(new MeshError('payload_too_large', 413, `Attachment "${name}" exceeds the limit of ${mib(limits.maxFileBytes)} a file`, { details: [{ path: name || field, message: 'over the file limit' }] }));
      });
      stream.on('end', () => {
        if (settled) return;
        const declaredType = (info.mimeType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        uploads.push({ name, declaredType, data: Buffer.concat(chunks, fileBytes) });
      });
    });
    parser.on('field', (field, value, info) => {
      if (settled) return;
      if (field !== bodyField) {
        fail(new ValidationError('Invalid multipart body', [{ path: field, message: `unknown field (the JSON body goes in "${bodyField}", files in file parts)` }]));
      } else if (info.valueTruncated) {
        fail(new PayloadTooLargeError(`${limits.fieldBytes} bytes for the "${bodyField}" field`));
      } else {
        bodyText = value;
      }
    });
    parser.on('filesLimit', () => fail(new ValidationError(`Too many files: a task takes at most ${limits.maxFiles}`, [{ path: 'attachments', message: `at most ${limits.maxFiles} files` }])));
    parser.on('fieldsLimit', () => fail(new ValidationError(`Only one field, "${bodyField}", is taken besides the files`, [{ path: 'body', message: 'too many fields' }])));
    parser.on('error', (err: Error) => fail(new ValidationError('Malformed multipart body', [{ path: 'body', message: err.message }])));
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      finish(req, res, bodyField, bodyText, uploads, next);
    });
    req.on('aborted', () => fail(new ValidationError('The request body was incomplete', [{ path: 'body', message: 'incomplete' }])));
    req.pipe(parser);
  };
}

function finish(req: Request, res: Response, bodyField: string, bodyText: string | undefined, uploads: UploadedFile[], next: (err?: unknown) => void): void {
  if (bodyText === undefined) {
    next(new ValidationError('Invalid multipart body', [{ path: bodyField, message: `required: the JSON body as the "${bodyField}" field` }]));
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    next(new ValidationError('Invalid multipart body', [{ path: bodyField, message: 'is not valid JSON' }]));
    return;
  }
  const problem = findUnsafeJson(body, [bodyField]);
  if (problem) {
    next(new ValidationError('Invalid multipart body', [problem]));
    return;
  }
  req.body = body;
  res.locals.uploads = uploads;
  next();
}
