import { ProviderError } from '@mesh/core';
import { parseGoogleRetryDelay, parseRetryAfter, type HeaderSource } from './retry-after';

/**
 * What a provider adapter knows about a failed request, independent of its SDK.
 * `status` set = the server answered with an error (or a 200 whose body is an error).
 */
export interface ProviderFailure {
  provider: string;
  model: string;
  status?: number;
  headers?: HeaderSource;
  /** The parsed error body as the provider sent it. */
  body?: unknown;
  message?: string;
  /** No HTTP answer: connection refused or reset, DNS, TLS. */
  network?: boolean;
  /** The response arrived but was not valid JSON. */
  malformed?: boolean;
  /** The model declined (safety/refusal stop reason). */
  refusal?: boolean;
  cause?: unknown;
}

/** Failure classes that say something about the provider's health; only these count against its circuit. */
const BREAKER_CLASSES = new Set(['server', 'overloaded', 'network', 'timeout', 'malformed_response', 'rate_limit', 'quota', 'auth', 'permission']);

export function countsAgainstCircuit(errorClass: string): boolean {
  return BREAKER_CLASSES.has(errorClass);
}

const ANTHROPIC_SPEND_LIMIT_CODES = new Set(['enforced_spend_limit_reached', 'contract_spend_limit_reached', 'linked_organization_spend_limit_reached', 'linked_organization_billing_unavailable']);

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The inner error object whether the body is `{error: {...}}` (all three providers) or the inner object itself (openai's APIError.error). */
function innerError(body: unknown): Record<string, unknown> | undefined {
  const outer = record(body);
  return record(outer?.['error']) ?? outer;
}

function isGooglePerDayQuota(inner: Record<string, unknown> | undefined): boolean {
  const details = inner?.['details'];
  if (!Array.isArray(details)) return false;
  return details.some((detail) => {
    const violations = record(detail)?.['violations'];
    return Array.isArray(violations) && violations.some((v) => /per ?day/i.test(String(record(v)?.['quotaId'] ?? '')));
  });
}

/**
 * 429s that a retry cannot fix: Anthropic spend limits, OpenAI `insufficient_quota`, Gemini
 * per-day RESOURCE_EXHAUSTED. They go to the next model at once.
 */
function isQuotaExhausted(provider: string, inner: Record<string, unknown> | undefined): boolean {
  if (!inner) return false;
  switch (provider) {
    case 'anthropic': {
      const code = record(inner['details'])?.['error_code'];
      return inner['type'] === 'billing_error' || (typeof code === 'string' && ANTHROPIC_SPEND_LIMIT_CODES.has(code));
    }
    case 'openai':
      return inner['code'] === 'insufficient_quota' || inner['type'] === 'insufficient_quota';
    case 'google':
      return isGooglePerDayQuota(inner);
    default:
      return false;
  }
}

function apiMessage(inner: Record<string, unknown> | undefined, fallback?: string): string {
  const message = inner?.['message'];
  const text = typeof message === 'string' && message ? message : fallback ?? '';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function build(failure: ProviderFailure, errorClass: string, retryable: boolean, extra: { httpStatus?: number; retryAfterMs?: number; detail?: string } = {}): ProviderError {
  const where = `${failure.provider}:${failure.model}`;
  const status = extra.httpStatus === undefined ? '' : ` ${extra.httpStatus}`;
  const detail = extra.detail ? `: ${extra.detail}` : '';
  return new ProviderError(`${where} ${errorClass}${status}${detail}`, {
    provider: failure.provider,
    model: failure.model,
    retryable,
    errorClass,
    ...(extra.httpStatus === undefined ? {} : { httpStatus: extra.httpStatus }),
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
    cause: failure.cause,
  });
}

/** Maps a failure to a ProviderError whose `errorClass` and `retryable` drive retry, fallback and the circuit. */
export function classifyProviderError(failure: ProviderFailure, now: number = Date.now()): ProviderError {
  if (failure.refusal) return build(failure, 'refusal', false, { detail: failure.message ?? 'the model declined to answer' });
  if (failure.malformed) return build(failure, 'malformed_response', true, { detail: failure.message ?? 'the response body was not valid JSON' });
  if (failure.network || failure.status === undefined) {
    return build(failure, failure.network ? 'network' : 'unknown', Boolean(failure.network), { detail: failure.message ?? 'connection failed' });
  }
  const status = failure.status;
  const inner = innerError(failure.body);
  const detail = apiMessage(inner, failure.message);
  const retryAfterMs = parseRetryAfter(failure.headers, now) ?? (failure.provider === 'google' ? parseGoogleRetryDelay(inner?.['details']) : undefined);
  const base = { httpStatus: status, detail, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (status === 429) {
    return isQuotaExhausted(failure.provider, inner) ? build(failure, 'quota', false, base) : build(failure, 'rate_limit', true, base);
  }
  if (status === 402) return build(failure, 'quota', false, base);
  if (status === 401) return build(failure, 'auth', false, base);
  if (status === 403) return build(failure, 'permission', false, base);
  if (status === 404) return build(failure, 'not_found', false, base);
  if (status === 408) return build(failure, 'timeout', true, base);
  if (status === 529 || inner?.['type'] === 'overloaded_error') return build(failure, 'overloaded', true, base);
  if (status >= 500) return build(failure, 'server', true, base);
  if (status >= 400) return build(failure, 'bad_request', false, base);
  // A 2xx/3xx that still carried an error body and no recognisable status: treat like a server fault.
  return build(failure, 'server', true, base);
}

/** The HTTP status an error body delivered with a 200 stands for (errors can arrive after a 200). */
export function statusOfErrorBody(provider: string, body: unknown): number | undefined {
  const outer = record(body);
  if (!outer) return undefined;
  const inner = record(outer['error']);
  if (provider === 'anthropic') {
    if (outer['type'] !== 'error' || !inner) return undefined;
    const type = inner['type'];
    const byType: Record<string, number> = {
      invalid_request_error: 400,
      authentication_error: 401,
      billing_error: 402,
      permission_error: 403,
      not_found_error: 404,
      rate_limit_error: 429,
      timeout_error: 504,
      api_error: 500,
      overloaded_error: 529,
    };
    return typeof type === 'string' ? byType[type] ?? 500 : 500;
  }
  if (!inner) return undefined;
  if (provider === 'google') {
    const code = inner['code'];
    return typeof code === 'number' && code >= 400 ? code : 500;
  }
  // openai: {error: {message, type, code}}; `code` is a string there.
  const type = String(inner['type'] ?? '');
  if (type === 'insufficient_quota' || inner['code'] === 'insufficient_quota' || type.includes('rate_limit')) return 429;
  if (type.includes('invalid_request')) return 400;
  return 500;
}
