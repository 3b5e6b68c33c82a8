import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface McpTestServer {
  url: string;
  /** The Authorization header of every request, in order. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/**
 * A real MCP server for tests: the SDK's own McpServer (a fresh one from `build` per request)
 * over its stateless Streamable HTTP transport on 127.0.0.1, answering in JSON or in SSE streams.
 */
export async function startMcpTestServer(
  build: () => McpServer,
  options: {
    jsonResponses?: boolean;
    /** Answers every request with this status, the Authorization header echoed in the body (a server that leaks what it was sent). */
    rejectWith?: number;
  } = {},
): Promise<McpTestServer> {
  const authorizations: (string | undefined)[] = [];
  const server: Server = createServer(async (req, res) => {
    authorizations.push(req.headers.authorization);
    if (options.rejectWith) {
      res.writeHead(options.rejectWith, { 'content-type': 'text/plain' }).end(`token ${req.headers.authorization ?? ''} is not accepted here`);
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const mcp = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: options.jsonResponses ?? true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
