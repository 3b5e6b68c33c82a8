import type { ToolResult } from '@mesh/core';
import { MissingSecretError } from './errors';
import { appendQuery, callHttpService, pathSegmentText, setHeaderDefault } from './http-service-call';
import type { OutboundPolicy } from './outbound-policy';
import { resolveHeaders, type SecretResolver } from './secret-resolver';
import { errorResult, type ToolExecution, type ToolExecutor } from './tool-executor';

export interface HttpToolExecutorOptions {
  policy: OutboundPolicy;
  secrets: SecretResolver;
}

/**
 * Fills a URL template's `{placeholders}` (URL-encoded) from the input; returns the URL and the
 * input that is left, or why it cannot be filled.
 */
export function fillUrlTemplate(template: string, input: Record<string, unknown>): { url: string; rest: Record<string, unknown> } | { error: string } {
  const rest = { ...input };
  let error: string | null = null;
  const url = template.replace(/\{([^{}]*)\}/g, (_, name: string) => {
    const text = pathSegmentText(input[name]);
    if (text === null) {
      error ??= input[name] === undefined ? `the argument ${name} is required` : `the argument ${name} must be a string, number or boolean (and not . or ..)`;
      return '';
    }
    delete rest[name];
    return text;
  });
  return error ? { error } : { url, rest };
}

/**
 * An `http` tool: the URL template filled from the input, the rest of the input as the JSON
 * body (or the query string for GET and HEAD), the registration's headers with secrets resolved
 * now, and `Idempotency-Key` on side-effecting calls so the service can de-duplicate a repeat.
 */
export class HttpToolExecutor implements ToolExecutor {
  constructor(private readonly options: HttpToolExecutorOptions) {}

  async execute(execution: ToolExecution): Promise<ToolResult> {
    const spec = execution.tool.registration?.spec;
    if (spec?.kind !== 'http') return errorResult(`${execution.tool.name} is not an http tool`);
    const filled = fillUrlTemplate(spec.request.url, execution.arguments);
    if ('error' in filled) return errorResult(filled.error);
    let headers: Record<string, string>;
    try {
      headers = resolveHeaders(spec.request.headers, this.options.secrets, 'request.headers');
    } catch (err) {
      if (err instanceof MissingSecretError) return errorResult(err.message);
      throw err;
    }
    setHeaderDefault(headers, 'accept', 'application/json');
    if (execution.tool.side_effects) headers['idempotency-key'] = execution.idempotencyKey;
    const method = spec.request.method;
    const url = new URL(filled.url);
    let body: string | undefined;
    if (method === 'GET' || method === 'HEAD') {
      appendQuery(url, filled.rest);
    } else {
      body = JSON.stringify(filled.rest);
      setHeaderDefault(headers, 'content-type', 'application/json');
    }
    return callHttpService(this.options.policy, {
      url: url.href,
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: execution.signal,
      timeoutMs: execution.timeoutMs,
    });
  }
}
