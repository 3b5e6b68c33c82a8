import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { classifyProviderError, countsAgainstCircuit, statusOfErrorBody } from './classify-provider-error';
import { sdkFailure } from './providers/sdk-failure';
import { parseRetryAfter } from './retry-after';

const base = { model: 'm' };

describe('classifyProviderError', () => {
  it.each([
    [500, 'server', true],
    [503, 'server', true],
    [529, 'overloaded', true],
    [429, 'rate_limit', true],
    [408, 'timeout', true],
    [400, 'bad_request', false],
    [422, 'bad_request', false],
    [401, 'auth', false],
    [402, 'quota', false],
    [403, 'permission', false],
    [404, 'not_found', false],
  ])('%i → %s (retryable %s)', (status, errorClass, retryable) => {
    const error = classifyProviderError({ ...base, provider: 'openai', status, body: { error: { message: 'boom' } } });
    expect(error).toMatchObject({ name: 'ProviderError', errorClass, retryable, httpStatus: status, provider: 'openai', model: 'm' });
    expect(error.message).toBe(`openai:m ${errorClass} ${status}: boom`);
  });

  it.each([
    ['anthropic', { type: 'error', error: { type: 'rate_limit_error', message: 'spend', details: { error_code: 'enforced_spend_limit_reached' } } }],
    ['openai', { error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'quota' } }],
    [
      'google',
      { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'day', details: [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }] }] } },
    ],
  ])('%s: the quota 429 is not retryable', (provider, body) => {
    expect(classifyProviderError({ ...base, provider, status: 429, body })).toMatchObject({ errorClass: 'quota', retryable: false });
  });

  it('a per-minute Gemini 429 stays retryable and its RetryInfo is the wait', () => {
    const body = { error: { code: 429, details: [{ violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel' }] }, { retryDelay: '7s' }] } };
    expect(classifyProviderError({ ...base, provider: 'google', status: 429, body })).toMatchObject({ errorClass: 'rate_limit', retryable: true, retryAfterMs: 7000 });
  });

  it('reads retry-after and retry-after-ms headers', () => {
    expect(classifyProviderError({ ...base, provider: 'anthropic', status: 429, headers: new Headers({ 'retry-after': '3' }) }).retryAfterMs).toBe(3000);
    expect(classifyProviderError({ ...base, provider: 'openai', status: 503, headers: { 'retry-after-ms': '250' } }).retryAfterMs).toBe(250);
  });

  it('network, malformed and refusal failures', () => {
    expect(classifyProviderError({ ...base, provider: 'openai', network: true })).toMatchObject({ errorClass: 'network', retryable: true });
    expect(classifyProviderError({ ...base, provider: 'openai', malformed: true })).toMatchObject({ errorClass: 'malformed_response', retryable: true });
    expect(classifyProviderError({ ...base, provider: 'openai', refusal: true })).toMatchObject({ errorClass: 'refusal', retryable: false });
    expect(classifyProviderError({ ...base, provider: 'openai' })).toMatchObject({ errorClass: 'unknown', retryable: false });
  });

  it('only provider-health failures count against the circuit', () => {
    expect(['server', 'overloaded', 'network', 'timeout', 'rate_limit', 'quota', 'auth'].every(countsAgainstCircuit)).toBe(true);
    expect(['bad_request', 'not_found', 'invalid_output', 'refusal', 'aborted', 'circuit_open'].some(countsAgainstCircuit)).toBe(false);
  });
});

describe('statusOfErrorBody (errors delivered with a 200)', () => {
  it('maps each provider’s error body to the status it stands for', () => {
    expect(statusOfErrorBody('anthropic', { type: 'error', error: { type: 'overloaded_error' } })).toBe(529);
    expect(statusOfErrorBody('anthropic', { type: 'message', content: [] })).toBeUndefined();
    expect(statusOfErrorBody('openai', { error: { type: 'server_error' } })).toBe(500);
    expect(statusOfErrorBody('openai', { choices: [] })).toBeUndefined();
    expect(statusOfErrorBody('google', { error: { code: 503, status: 'UNAVAILABLE' } })).toBe(503);
    expect(statusOfErrorBody('google', { candidates: [] })).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('takes seconds, HTTP dates and ignores garbage', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(parseRetryAfter({ 'retry-after': '2' }, now)).toBe(2000);
    expect(parseRetryAfter({ 'Retry-After': 'Wed, 25 Nov 2026 10:00:05 GMT' }, now)).toBe(5000);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('sdkFailure', () => {
  it("classifies the SDKs' own connection and timeout errors", () => {
    expect(sdkFailure('openai', 'm', new OpenAI.APIConnectionTimeoutError())).toMatchObject({ errorClass: 'timeout', retryable: true });
    expect(sdkFailure('anthropic', 'm', new Anthropic.APIConnectionTimeoutError())).toMatchObject({ errorClass: 'timeout', retryable: true });
    const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(sdkFailure('google', 'm', reset)).toMatchObject({ errorClass: 'network', retryable: true });
    expect(sdkFailure('openai', 'm', new OpenAI.APIConnectionError({ cause: reset }))).toMatchObject({ errorClass: 'network', retryable: true });
    expect(sdkFailure('google', 'm', new SyntaxError('Unexpected end of JSON input'))).toMatchObject({ errorClass: 'malformed_response', retryable: true });
  });
});
