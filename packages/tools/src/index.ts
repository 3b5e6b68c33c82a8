/**
 * The tool layer, storage-agnostic. At registration, `deriveTools` turns a `ToolSpec` into the
 * tools a model can call (input schemas compiled, OpenAPI documents parsed, MCP servers listed).
 * At run time, a network's `ToolCatalog` resolves an agent's `tools`, and `runToolCall` runs one
 * call through a `ToolCallJournal` (recorded before and after; replayed, never repeated, on retry)
 * and a `ToolDispatcher` (arguments checked, executor by kind, time-bounded, secrets scrubbed).
 * Every outbound call goes through the `OutboundPolicy`.
 */
export * from './builtin-tools';
export * from './create-tool-dispatcher';
export * from './derive-tools';
export * from './tool-derivation';
export * from './errors';
export * from './http-service-call';
export * from './http-tool-executor';
export * from './in-memory-tool-call-journal';
export * from './json-schema-validator';
export * from './mcp-connection';
export * from './mcp-service';
export * from './mcp-tool-executor';
export * from './openapi-service';
export * from './openapi-tool-executor';
export * from './outbound-policy';
export * from './run-tool-call';
export * from './search-memory-executor';
export * from './secret-resolver';
export * from './send-email-executor';
export * from './sent-email-ledger';
export * from './tool-call-idempotency-key';
export * from './tool-call-journal';
export * from './tool-call-view';
export * from './tool-catalog';
export * from './tool-dispatcher';
export * from './tool-executor';
export * from './tool-names';
export * from './tool-output';
export * from './tool-environment';
