import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpToolSpec } from '@mesh/core';
import type { OutboundPolicy } from './outbound-policy';
import { resolveHeaders, type SecretResolver } from './secret-resolver';

export interface McpConnectionOptions {
  policy: OutboundPolicy;
  secrets: SecretResolver;
  timeoutMs: number;
  signal?: AbortSignal;
}

export const MCP_CLIENT_INFO = { name: 'agent-mesh', version: '0.1.0' };

/**
 * An initialised MCP client for a registration's server over Streamable HTTP. Every request of
 * the SDK's transport goes through the outbound policy's `fetch` (resolved, pinned, checked,
 * capped; redirects refused), with the registration's headers and secrets resolved now. The
 * caller closes it.
 */
export async function connectMcpServer(spec: Pick<McpToolSpec, 'url' | 'headers'>, options: McpConnectionOptions): Promise<Client> {
  const headers = resolveHeaders(spec.headers, options.secrets, 'tool.headers');
  const transport = new StreamableHTTPClientTransport(new URL(spec.url), {
    fetch: options.policy.fetchFor({ timeoutMs: options.timeoutMs }),
    requestInit: { headers },
    // A call is bounded by its own timeout; a dropped event stream is not worth reconnecting for.
    reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1_000, maxReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 1 },
  });
  const client = new Client(MCP_CLIENT_INFO);
  try {
    await client.connect(transport, { timeout: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
  return client;
}
