import { describeError, type ToolResult } from '@mesh/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { MissingSecretError } from './errors';
import { connectMcpServer } from './mcp-connection';
import type { OutboundPolicy } from './outbound-policy';
import type { SecretResolver } from './secret-resolver';
import { errorResult, type ToolExecution, type ToolExecutor } from './tool-executor';

export interface McpToolExecutorOptions {
  policy: OutboundPolicy;
  secrets: SecretResolver;
}

/** The `_meta` key that carries the call's idempotency key to servers that read it. */
export const MCP_IDEMPOTENCY_META_KEY = 'agent-mesh/idempotency-key';

type ContentBlock = { type: string; text?: string; mimeType?: string; uri?: string; resource?: { uri?: string; text?: string; mimeType?: string } };

/** MCP content blocks as text for the model; binary blocks are named, not inlined. */
export function mcpContentText(content: readonly ContentBlock[]): string {
  return content
    .map((block) => {
      if (block.type === 'text') return block.text ?? '';
      if (block.type === 'resource') return block.resource?.text ?? `[resource ${block.resource?.uri ?? ''} (${block.resource?.mimeType ?? 'binary'})]`;
      if (block.type === 'resource_link') return `[resource link ${block.uri ?? ''}]`;
      return `[${block.type}${block.mimeType ? ` ${block.mimeType}` : ''}]`;
    })
    .join('\n');
}

/**
 * A tool of an MCP server, called through `tools/call` on a connection opened for the call (so
 * secrets are resolved now and no session outlives it). A result with `isError` is an error
 * result for the model. MCP has no idempotency header: the key travels in `_meta`.
 */
export class McpToolExecutor implements ToolExecutor {
  constructor(private readonly options: McpToolExecutorOptions) {}

  async execute(execution: ToolExecution): Promise<ToolResult> {
    const { tool } = execution;
    const spec = tool.registration?.spec;
    if (tool.binding.kind !== 'mcp' || spec?.kind !== 'mcp') return errorResult(`${tool.name} is not an MCP tool`);
    let client: Client | undefined;
    try {
      client = await connectMcpServer(spec, { policy: this.options.policy, secrets: this.options.secrets, timeoutMs: execution.timeoutMs, signal: execution.signal });
      const result = await client.callTool(
        { name: tool.binding.tool, arguments: execution.arguments, _meta: { [MCP_IDEMPOTENCY_META_KEY]: execution.idempotencyKey } },
        undefined,
        { timeout: execution.timeoutMs, signal: execution.signal },
      );
      const content = Array.isArray(result.content) ? mcpContentText(result.content as ContentBlock[]) : JSON.stringify(result.toolResult ?? null);
      const data = result.structuredContent;
      if (result.isError === true) return errorResult(`the tool reported an error: ${content.slice(0, 500)}`, { content, ...(data !== undefined ? { data } : {}) });
      return { ok: true, content, ...(data !== undefined ? { data } : {}) };
    } catch (err) {
      if (err instanceof MissingSecretError) return errorResult(err.message);
      return errorResult(client ? `the MCP call failed: ${describeError(err)}` : `the MCP server did not answer: ${describeError(err)}`);
    } finally {
      await client?.close().catch(() => {});
    }
  }
}
