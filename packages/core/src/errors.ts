/**
 * Errors by fault. Every error the product raises on purpose is a MeshError with a stable
 * `code` and the HTTP `status` it maps to; the API's error middleware turns it into
 * `{"error": {"code", "message", "details"?}}`. Retry decisions check `name`, which
 * survives crossing a process boundary (the class does not).
 */
export type MeshErrorCode =
  | 'validation_error'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'budget_exhausted'
  | 'forbidden'
  | 'provider_error'
  | 'model_output_error'
  | 'timeout'
  | 'unavailable'
  | 'internal_error';

export interface ErrorDetail {
  path: string;
  message: string;
}

export class MeshError extends Error {
  readonly code: MeshErrorCode;
  readonly status: number;
  readonly details?: ErrorDetail[] | Record<string, unknown>;

  constructor(
    code: MeshErrorCode,
    status: number,
    message: string,
    options: { details?: ErrorDetail[] | Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshError';
    this.code = code;
    this.status = status;
    if (options.details !== undefined) this.details = options.details;
  }
}

/** The client sent something invalid (400). */
export class ValidationError extends MeshError {
  constructor(message: string, details?: ErrorDetail[]) {
    super('validation_error', 400, message, details ? { details } : {});
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends MeshError {
  constructor(message = 'A valid API key is required (Authorization: Bearer <key> or X-API-Key)') {
    super('unauthorized', 401, message);
    this.name = 'UnauthorizedError';
  }
}

/** Also used for another tenant's resources: they must look exactly like missing ones. */
export class NotFoundError extends MeshError {
  constructor(what: string, id?: string) {
    super('not_found', 404, id ? `${what} ${id} not found` : `${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends MeshError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', 409, message, details ? { details } : {});
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends MeshError {
  constructor(limit: string) {
    super('payload_too_large', 413, `Request body exceeds the limit of ${limit}`);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends MeshError {
  constructor() {
    super('unsupported_media_type', 415, 'Request body must be JSON (Content-Type: application/json)');
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class RateLimitedError extends MeshError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('rate_limited', 429, message, { details: { retry_after_seconds: retryAfterSeconds } });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Per-tenant backpressure: the tenant already has `cap` tasks queued or running
 * (MESH_MAX_QUEUED_TASKS_PER_TENANT). A 429 like the request rate limit, with its own message.
 */
export class QueuedTaskCapError extends RateLimitedError {
  static readonly RETRY_AFTER_SECONDS = 5;
  constructor(unfinished: number, cap: number) {
    super(
      `The tenant already has ${unfinished} tasks queued or running (limit ${cap}); start more when some have finished`,
      QueuedTaskCapError.RETRY_AFTER_SECONDS,
    );
    this.name = 'QueuedTaskCapError';
  }
}

/**
 * A token or cost budget of the tenant (or of the network) is used up for its period: new tasks
 * are refused with 402, and a running task stops before its next model call.
 */
export class BudgetExhaustedError extends MeshError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('budget_exhausted', 402, message, details ? { details } : {});
    this.name = 'BudgetExhaustedError';
  }
}

export function isBudgetExhausted(err: unknown): boolean {
  return err instanceof BudgetExhaustedError || (err instanceof Error && err.name === 'BudgetExhaustedError');
}

/** The key is valid but may not do this (operator routes outside MESH_ADMIN_TENANTS). */
export class ForbiddenError extends MeshError {
  constructor(message: string) {
    super('forbidden', 403, message);
    this.name = 'ForbiddenError';
  }
}

export class ServiceUnavailableError extends MeshError {
  constructor(message: string, cause?: unknown) {
    super('unavailable', 503, message, { cause });
    this.name = 'ServiceUnavailableError';
  }
}

/** A model provider failed (network, 5xx, quota, auth). `retryable` drives the retry policy. */
export class ProviderError extends MeshError {
  readonly provider: string;
  readonly model: string;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** Short machine-readable class: rate_limit, quota, auth, server, overloaded, network, timeout, bad_request, not_found, aborted, circuit_open, unknown. */
  readonly errorClass: string;

  constructor(
    message: string,
    options: {
      provider: string;
      model: string;
      retryable: boolean;
      errorClass: string;
      httpStatus?: number;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super('provider_error', 502, message, { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = options.provider;
    this.model = options.model;
    this.retryable = options.retryable;
    this.errorClass = options.errorClass;
    this.httpStatus = options.httpStatus;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The model answered, but not with what the schema asks for. */
export class ModelOutputError extends MeshError {
  readonly raw: string | undefined;
  constructor(message: string, options: { raw?: string; details?: ErrorDetail[]; cause?: unknown } = {}) {
    super('model_output_error', 502, message, {
      ...(options.details ? { details: options.details } : {}),
      cause: options.cause,
    });
    this.name = 'ModelOutputError';
    this.raw = options.raw;
  }
}

export class MeshTimeoutError extends MeshError {
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, cause?: unknown) {
    super('timeout', 504, message, { cause });
    this.name = 'MeshTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

export function isMeshError(err: unknown): err is MeshError {
  return err instanceof MeshError;
}

/** A readable one-line description of any thrown value, safe for logs and task records. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
