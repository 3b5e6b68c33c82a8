import { HttpToolExecutor } from './http-tool-executor';
import type { JsonSchemaValidator } from './json-schema-validator';
import { McpToolExecutor } from './mcp-tool-executor';
import { OpenApiToolExecutor } from './openapi-tool-executor';
import type { OutboundPolicy } from './outbound-policy';
import { SearchMemoryExecutor, type SearchMemory } from './search-memory-executor';
import type { SecretResolver } from './secret-resolver';
import type { SendEmailExecutor } from './send-email-executor';
import { ToolDispatcher, type ToolDispatcherOptions } from './tool-dispatcher';

export interface ToolDispatcherWiring {
  policy: OutboundPolicy;
  secrets: SecretResolver;
  validator: JsonSchemaValidator;
  /** Present when MESH_SMTP_URL and MESH_EMAIL_FROM are set; long-lived (it holds the SMTP transport). */
  sendEmail?: SendEmailExecutor;
  /** The memory search of the network the calls belong to. */
  searchMemory?: SearchMemory;
  timeoutMs?: number;
}

/** A dispatcher with every executor wired: http, OpenAPI, MCP, and the built-ins that are configured. */
export function createToolDispatcher(wiring: ToolDispatcherWiring): ToolDispatcher {
  const outbound = { policy: wiring.policy, secrets: wiring.secrets };
  const executors: ToolDispatcherOptions['executors'] = {
    http: new HttpToolExecutor(outbound),
    openapi: new OpenApiToolExecutor(outbound),
    mcp: new McpToolExecutor(outbound),
    ...(wiring.sendEmail ? { send_email: wiring.sendEmail } : {}),
    ...(wiring.searchMemory ? { search_memory: new SearchMemoryExecutor(wiring.searchMemory) } : {}),
  };
  return new ToolDispatcher({ executors, validator: wiring.validator, secrets: wiring.secrets, ...(wiring.timeoutMs !== undefined ? { timeoutMs: wiring.timeoutMs } : {}) });
}
