import { ProviderError } from '@mesh/core';
import { classifyProviderError, type ProviderFailure } from '../classify-provider-error';
import type { HeaderSource } from '../retry-after';

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current && chain.length < 6) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** fetch's "fetch failed"/"terminated" TypeErrors and socket error codes anywhere in the cause chain. */
export function isNetworkFailure(err: unknown): boolean {
  return causeChain(err).some((e) => {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    return e instanceof TypeError && /fetch failed|terminated|network|socket/i.test(e.message);
  });
}

/**
 * The attempt's own signal is the timeout; the SDK's timeout is only a backstop set a little
 * later, so a timeout is always seen (and classified) the same way whatever the SDK.
 */
export function sdkBackstopTimeout(timeoutMs: number): number {
  return timeoutMs + 1000;
}

/** An SDK-side timeout (should the backstop ever fire first). */
export function isTimeoutFailure(err: unknown): boolean {
  return causeChain(err).some((e) => {
    // The OpenAI SDK's errors keep the name 'Error'; their class name tells.
    const className = (e as { constructor?: { name?: string } }).constructor?.name;
    return className === 'APIConnectionTimeoutError' || (e as { name?: unknown }).name === 'TimeoutError';
  });
}

export function isMalformedBody(err: unknown): boolean {
  return causeChain(err).some((e) => e instanceof SyntaxError || (e as { name?: unknown }).name === 'SyntaxError');
}

function tryParseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Turns what an SDK threw into a classified ProviderError. `http` carries the status, headers
 * and error body when the SDK exposed them.
 */
export function sdkFailure(
  provider: string,
  model: string,
  err: unknown,
  http?: { status?: number; headers?: HeaderSource; body?: unknown; bodyText?: string },
): ProviderError {
  const base: ProviderFailure = { provider, model, cause: err, message: err instanceof Error ? err.message : String(err) };
  if (http?.status !== undefined) {
    return classifyProviderError({ ...base, status: http.status, headers: http.headers, body: http.body ?? tryParseJson(http.bodyText), message: http.bodyText ?? base.message });
  }
  if (isTimeoutFailure(err)) {
    return new ProviderError(`${provider}:${model} timeout: the SDK gave up waiting`, { provider, model, retryable: true, errorClass: 'timeout', cause: err });
  }
  if (isMalformedBody(err)) return classifyProviderError({ ...base, malformed: true, message: 'the response body was not valid JSON' });
  if (isNetworkFailure(err)) return classifyProviderError({ ...base, network: true });
  return classifyProviderError(base);
}
