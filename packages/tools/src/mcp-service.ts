import { describeError, type BoundTool, type McpToolSpec } from '@mesh/core';
import type { DeriveToolsDeps, DerivedToolSet } from './tool-derivation';
import { invalidTool, MissingSecretError, OutboundRefusedError, ToolSourceError } from './errors';
import { connectMcpServer } from './mcp-connection';
import { scrubSecrets, secretValuesOf } from './secret-resolver';
import { toolNameSegment } from './tool-names';

export const MCP_DEFAULTS = {
  /** Pages of `tools/list` read at registration. */
  maxListPages: 20,
  maxDescriptionLength: 1_024,
};

/**
 * The tools of an MCP server: its `tools/list` (all, or those `allowed_tools` names), named
 * `<name>.<tool>`. Read-only tools (annotation `readOnlyHint`) have no side effects; every other
 * tool is assumed to have some. A server that does not answer is a 422 saying why.
 */
export async function deriveMcpTools(spec: McpToolSpec, deps: DeriveToolsDeps): Promise<DerivedToolSet> {
  // A refused address is the client's error (400); check it before the SDK wraps it.
  await deps.policy.check(spec.url, { field: 'url' });
  const timeoutMs = deps.timeoutMs ?? deps.policy.defaultTimeoutMs;
  const listed: { name: string; description?: string | undefined; inputSchema: Record<string, unknown>; annotations?: { readOnlyHint?: boolean | undefined } | undefined }[] = [];
  let client;
  try {
    client = await connectMcpServer(spec, { policy: deps.policy, secrets: deps.secrets, timeoutMs });
    let cursor: string | undefined;
    for (let page = 0; page < MCP_DEFAULTS.maxListPages; page++) {
      const result = await client.listTools(cursor ? { cursor } : {}, { timeout: timeoutMs });
      listed.push(...result.tools);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
  } catch (err) {
    if (err instanceof MissingSecretError || err instanceof OutboundRefusedError) throw err;
    const reason = scrubSecrets(describeError(err), secretValuesOf(spec, deps.secrets));
    throw new ToolSourceError(`The MCP server did not answer: ${reason}`, [{ path: 'tool.url', message: `the server did not answer: ${reason}` }]);
  } finally {
    await client?.close().catch(() => {});
  }
  const allowed = spec.allowed_tools ? new Set(spec.allowed_tools) : null;
  if (allowed) {
    const offered = new Set(listed.map((tool) => tool.name));
    const missing = [...allowed].filter((name) => !offered.has(name));
    if (missing.length > 0) throw invalidTool('tool.allowed_tools', `the server does not offer ${missing.join(', ')}`);
  }
  const tools: BoundTool[] = [];
  const warnings: string[] = [];
  for (const tool of listed) {
    if (allowed && !allowed.has(tool.name)) continue;
    const problem = deps.validator.inputSchemaProblem(tool.inputSchema, { strict: false });
    if (problem) {
      const message = `tool ${tool.name}: its input schema ${problem}`;
      if (allowed) throw new ToolSourceError(`The MCP server lists an unusable tool: ${message}`, [{ path: 'tool.allowed_tools', message }]);
      warnings.push(`${message}; it was skipped (allowed_tools can leave it out)`);
      continue;
    }
    const name = `${spec.name}.${toolNameSegment(tool.name)}`;
    if (tools.some((existing) => existing.name === name)) throw new ToolSourceError(`Two tools of the MCP server map to the name ${name}`, [{ path: 'tool.url', message: `two tools map to ${name}` }]);
    const description = tool.description?.trim() || tool.name;
    tools.push({
      name,
      description: description.length > MCP_DEFAULTS.maxDescriptionLength ? `${description.slice(0, MCP_DEFAULTS.maxDescriptionLength - 1)}…` : description,
      input_schema: tool.inputSchema,
      side_effects: tool.annotations?.readOnlyHint !== true,
      requires_approval: spec.requires_approval,
      binding: { kind: 'mcp', tool: tool.name },
    });
  }
  if (tools.length === 0) throw new ToolSourceError('The MCP server offers no usable tool', [{ path: 'tool.url', message: `no usable tool${warnings.length ? `: ${warnings.join('; ')}` : ''}` }]);
  return { tools, warnings };
}
