import { ConflictError, MeshError, ValidationError, type ErrorDetail } from '@mesh/core';

/**
 * Errors of the tool layer, by fault. At registration: ValidationError (400) for what the client
 * sent, ToolSourceError (422) when the remote document or server it points to is unusable. At
 * call time none of them reaches the model loop as a throw: the executor turns them into an
 * error result.
 */

/**
 * The URL may never be called: a refused address (loopback, private, link-local, metadata), a
 * local name, or not http(s). A client error when it comes from a registration.
 */
export class OutboundRefusedError extends ValidationError {
  constructor(message: string, path = 'url') {
    super(message, [{ path, message }]);
    this.name = 'OutboundRefusedError';
  }
}

/** The outbound request failed: no answer, a network error, a timeout, a body over the cap. */
export class OutboundRequestError extends MeshError {
  readonly timedOut: boolean;
  constructor(message: string, options: { timedOut?: boolean; cause?: unknown } = {}) {
    super(options.timedOut ? 'timeout' : 'unavailable', options.timedOut ? 504 : 502, message, { cause: options.cause });
    this.name = 'OutboundRequestError';
    this.timedOut = options.timedOut ?? false;
  }
}

/**
 * The registration is well formed but what it points to cannot be used: an OpenAPI document
 * at document_url that does not load or parse, an MCP server that does not answer or lists
 * nothing usable (422). The code stays `validation_error` until core has a code of its own.
 */
export class ToolSourceError extends MeshError {
  constructor(message: string, details?: ErrorDetail[]) {
    super('unprocessable', 422, message, details ? { details } : {});
    this.name = 'ToolSourceError';
  }
}

/**
 * The journal holds another call at this subtask position: the retried loop asked for a
 * different tool or arguments than the attempt that recorded it. The loop must replay the
 * recorded calls before asking the model for new ones.
 */
export class ToolCallConflictError extends ConflictError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, details);
    this.name = 'ToolCallConflictError';
  }
}

/** A 400 for one field of a registration; the message says what is wrong, the detail where. */
export function invalidTool(path: string, message: string): ValidationError {
  return new ValidationError(`Invalid tool: ${message}`, [{ path, message }]);
}

/** A header refers to a secret the operator has not configured (`MESH_SECRET_<NAME>`). */
export class MissingSecretError extends ValidationError {
  readonly secretName: string;
  constructor(secretName: string, path = 'headers') {
    const message = `secret ${secretName} is not configured on this server (MESH_SECRET_${secretName})`;
    super(message, [{ path, message }]);
    this.name = 'MissingSecretError';
    this.secretName = secretName;
  }
}
