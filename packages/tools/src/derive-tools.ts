import { ValidationError, type BoundTool, type HttpToolSpec, type ToolSpec } from '@mesh/core';
import { invalidTool, MissingSecretError } from './errors';
import { deriveMcpTools } from './mcp-service';
import { deriveOpenApiTools } from './openapi-service';
import { secretNamesOf } from './secret-resolver';
import type { DeriveToolsDeps, DerivedToolSet } from './tool-derivation';

function deriveHttpTool(spec: HttpToolSpec, deps: DeriveToolsDeps): DerivedToolSet {
  const problem = deps.validator.inputSchemaProblem(spec.input_schema, { strict: true });
  if (problem) throw invalidTool('tool.input_schema', `input_schema ${problem}`);
  // Placeholders fill the path and query only, so the host is known now: check it without a lookup (the call resolves it).
  deps.policy.checkStatic(spec.request.url.replace(/\{[^{}]*\}/g, 'x'), 'request.url');
  return {
    tools: [{ name: spec.name, description: spec.description, input_schema: spec.input_schema, side_effects: spec.side_effects, requires_approval: spec.requires_approval, binding: { kind: 'http' } }],
    warnings: [],
  };
}

/**
 * What a registration (already parsed by the `ToolSpec` schema) turns into at registration: its
 * tools, with their input schemas compiled, the OpenAPI document loaded and validated, or the MCP
 * server's tools listed. Throws ValidationError (400) for what the client got wrong, including a
 * refused URL and a secret the operator has not configured, and ToolSourceError (422) when the
 * document or server it points to cannot be used.
 */
export async function deriveTools(spec: ToolSpec, deps: DeriveToolsDeps): Promise<DerivedToolSet> {
  for (const name of secretNamesOf(spec)) {
    if (deps.secrets(name) === undefined) throw new MissingSecretError(name, 'tool.headers');
  }
  switch (spec.kind) {
    case 'http':
      return deriveHttpTool(spec, deps);
    case 'openapi':
      return deriveOpenApiTools(spec, deps);
    case 'mcp':
      return deriveMcpTools(spec, deps);
    default: {
      const unknown: never = spec;
      throw new ValidationError(`Unknown tool kind ${String((unknown as { kind: unknown }).kind)}`);
    }
  }
}
