import type { ToolResult } from '@mesh/core';
import { MissingSecretError } from './errors';
import { appendQuery, callHttpService, pathSegmentText, scalarText, setHeaderDefault } from './http-service-call';
import type { OutboundPolicy } from './outbound-policy';
import { resolveHeaders, type SecretResolver } from './secret-resolver';
import { errorResult, type ToolExecution, type ToolExecutor } from './tool-executor';

export interface OpenApiToolExecutorOptions {
  policy: OutboundPolicy;
  secrets: SecretResolver;
}

/** `https://api.example.com/v1` + `/reports/{id}`: the path is appended to the base URL's path. */
export function joinBaseUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return base;
}

/**
 * One operation of an OpenAPI service, as bound at registration: the input's path parameters
 * fill the path (URL-encoded), query parameters the query string, header parameters headers, and
 * the `body` property is sent as JSON, against the registration's base URL (or the document's
 * server). Side-effecting operations carry `Idempotency-Key`.
 */
export class OpenApiToolExecutor implements ToolExecutor {
  constructor(private readonly options: OpenApiToolExecutorOptions) {}

  async execute(execution: ToolExecution): Promise<ToolResult> {
    const { tool } = execution;
    const spec = tool.registration?.spec;
    if (tool.binding.kind !== 'openapi' || spec?.kind !== 'openapi') return errorResult(`${tool.name} is not an OpenAPI operation`);
    const binding = tool.binding;
    const input = execution.arguments;
    let headers: Record<string, string>;
    try {
      headers = resolveHeaders(spec.headers, this.options.secrets);
    } catch (err) {
      if (err instanceof MissingSecretError) return errorResult(err.message);
      throw err;
    }
    const query: Record<string, unknown> = {};
    let missing: string | null = null;
    const path = binding.path.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
      const parameter = binding.parameters.find((p) => p.in === 'path' && p.name === name);
      const text = parameter ? pathSegmentText(input[parameter.property]) : null;
      if (text === null) {
        missing ??= parameter?.property ?? name;
        return whole;
      }
      return text;
    });
    if (missing) return errorResult(`the argument ${missing} is required and must be a string, number or boolean (and not . or ..)`);
    for (const parameter of binding.parameters) {
      const value = input[parameter.property];
      if (value === undefined || value === null) continue;
      if (parameter.in === 'query') query[parameter.name] = value;
      else if (parameter.in === 'header') headers[parameter.name] = scalarText(value) ?? JSON.stringify(value);
    }
    setHeaderDefault(headers, 'accept', 'application/json');
    if (tool.side_effects) headers['idempotency-key'] = execution.idempotencyKey;
    const url = joinBaseUrl(binding.base_url, path);
    appendQuery(url, query);
    let body: string | undefined;
    if (binding.body_property !== null && input[binding.body_property] !== undefined) {
      body = JSON.stringify(input[binding.body_property]);
      setHeaderDefault(headers, 'content-type', 'application/json');
    }
    return callHttpService(this.options.policy, {
      url: url.href,
      method: binding.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: execution.signal,
      timeoutMs: execution.timeoutMs,
    });
  }
}
