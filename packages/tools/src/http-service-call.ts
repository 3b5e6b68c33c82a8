import { describeError, type ToolResult } from '@mesh/core';
import { OutboundRefusedError } from './errors';
import { describeUrl, type OutboundPolicy, type OutboundRequest } from './outbound-policy';
import { errorResult } from './tool-executor';

const TEXT_TYPE = /^(text\/|application\/([\w.+-]*\+)?(json|xml|x-www-form-urlencoded|javascript|yaml)|application\/problem)/i;

/**
 * One request of an http or OpenAPI tool through the outbound policy, turned into a result: the
 * body as text for the model (parsed as `data` when it is JSON), non-2xx answers and transport
 * failures as error results, a redirect as an error (never followed).
 */
export async function callHttpService(policy: OutboundPolicy, request: OutboundRequest): Promise<ToolResult> {
  let response;
  try {
    response = await policy.request(request);
  } catch (err) {
    return errorResult(err instanceof OutboundRefusedError ? `the call was refused: ${err.message}` : `the call failed: ${describeError(err)}`);
  }
  const { status, headers, truncated } = response;
  const type = headers['content-type'] ?? '';
  const isText = type === '' || TEXT_TYPE.test(type);
  const text = isText ? response.body.toString('utf8') : `[${response.body.length}${truncated ? '+' : ''} bytes of ${type}]`;
  let data: unknown;
  if (isText && !truncated && /json/i.test(type)) {
    try {
      data = JSON.parse(text);
    } catch {
      // Not JSON after all: the model gets the text.
    }
  }
  const extra = { ...(data !== undefined ? { data } : {}), ...(truncated ? { truncated } : {}) };
  if (status >= 300 && status < 400) {
    return errorResult(`${describeUrl(new URL(request.url))} answered ${status} (a redirect); redirects are not followed`, extra);
  }
  if (status < 200 || status >= 300) {
    const error = `the service answered ${status}`;
    return errorResult(error, { ...extra, content: text ? `${error}:\n${text}` : error });
  }
  return { ok: true, content: text === '' ? `(empty response, status ${status})` : text, ...extra };
}

/** Adds input values to a URL's query string: arrays repeat the key, objects are sent as JSON. */
export function appendQuery(url: URL, values: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(key, typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item));
    }
  }
}

/** A value that can stand in a URL path segment or a header, as text; null for objects and arrays. */
export function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/**
 * A value for a `{placeholder}` in a path, URL-encoded; null when it cannot be one: not a scalar,
 * or a dot segment, which URL parsing would resolve into another path (`..` even when encoded).
 */
export function pathSegmentText(value: unknown): string | null {
  const text = scalarText(value);
  if (text === null || /^(\.|%2e){1,2}$/i.test(text)) return null;
  return encodeURIComponent(text);
}

/** Sets a header unless the registration already set it (in any case). */
export function setHeaderDefault(headers: Record<string, string>, name: string, value: string): void {
  if (!Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase())) headers[name] = value;
}
