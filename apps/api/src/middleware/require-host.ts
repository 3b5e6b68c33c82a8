import { ValidationError } from '@mesh/core';
import type { RequestHandler } from 'express';

/**
 * HTTP/1.1 requires a Host header. Node's own check answers with a bare 400, so the server turns
 * it off (`requireHostHeader: false`) and this answers the same refusal in the error shape.
 */
export const requireHostHeader: RequestHandler = (req, _res, next) => {
  const needsHost = req.httpVersionMajor === 1 && req.httpVersionMinor >= 1;
  next(needsHost && !req.headers.host ? new ValidationError('The Host header is required', [{ path: 'headers.host', message: 'missing' }]) : undefined);
};
