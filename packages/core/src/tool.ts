import { z } from 'zod';
import { cleanText, isCleanString } from './json';

/**
 * Tools a network's agents may call: what `POST /networks/{id}/tools` accepts (`{"tool": ToolSpec}`),
 * what is stored (the spec plus the tools derived from it at registration) and what the API shows.
 * Secrets appear only as references (`{"secret": "NAME"}`); their values are resolved from operator
 * configuration at call time and are never part of any of these shapes.
 */

export const TOOL_LIMITS = {
  maxDescriptionLength: 2_000,
  maxUrlLength: 2_048,
  maxHeaders: 50,
  maxHeaderValueLength: 8_192,
  minTimeoutMs: 100,
  maxTimeoutMs: 120_000,
  maxOperations: 500,
  maxAllowedTools: 500,
  /** Nesting and size of an inline OpenAPI document or input schema (far above any real one; bounds the walk). */
  maxDocumentDepth: 64,
  maxDocumentKeys: 50_000,
} as const;

/** Names of the tools every network has without registering them. */
export const BUILTIN_TOOL_NAMES = ['send_email', 'search_memory'] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];

/** The built-in an agent asks a person with; offered to every agent of a task whose approvals allow questions. */
export const ASK_HUMAN_TOOL_NAME = 'ask_human';

/** A registered tool's (or service's) name: a slug, so derived names read `<name>.<operation>`. */
export const ToolName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be a lowercase slug: a-z first, then a-z, 0-9, _ or -, at most 64 characters')
  .refine((name) => name !== ASK_HUMAN_TOOL_NAME && !(BUILTIN_TOOL_NAMES as readonly string[]).includes(name), { message: 'is the name of a built-in tool' });
export type ToolName = z.infer<typeof ToolName>;

/** The part after the dot in a derived name (`analytics.getReport`): an operationId or MCP tool name, made safe. */
export const DERIVED_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/** A derived tool's full name: a built-in, a registered http tool, or `<service>.<operation>`. */
export const DerivedToolName = z.string().regex(/^[a-z][a-z0-9_-]{0,63}(\.[A-Za-z0-9_-]{1,64})?$/, 'must be a tool name or <service>.<operation>');

/** An entry of `agent_config.tools`: an exact tool name or `<service>.*` (every tool of a service). */
export const ToolPattern = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}(\.([A-Za-z0-9_-]{1,64}|\*))?$/, 'must be a tool name, <service>.<operation> or <service>.*');
export type ToolPattern = z.infer<typeof ToolPattern>;

/** The NAME of an operator secret, configured as `MESH_SECRET_<NAME>`. */
export const SecretName = z.string().max(100).regex(/^[A-Z][A-Z0-9_]*$/, 'must be uppercase letters, digits and _, starting with a letter');

export const SecretRef = z.strictObject({ secret: SecretName });
export type SecretRef = z.infer<typeof SecretRef>;

// RFC 9110 token characters.
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$/;
/** Set by the transport or by Agent Mesh itself; a registration may not choose them. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-connection', 'idempotency-key']);

export const HeaderValue = z.union([
  z
    .string()
    .max(TOOL_LIMITS.maxHeaderValueLength)
    .refine((value) => isCleanString(value) && !/[\r\n]/.test(value), { message: 'must not contain line breaks, NUL bytes or invalid unicode' }),
  SecretRef,
]);
export type HeaderValue = z.infer<typeof HeaderValue>;

export const ToolHeaders = z
  .record(z.string(), HeaderValue)
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > TOOL_LIMITS.maxHeaders) ctx.addIssue({ code: 'custom', message: `at most ${TOOL_LIMITS.maxHeaders} headers` });
    for (const name of names) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid header name' });
      else if (RESERVED_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: 'is set by Agent Mesh and may not be configured' });
    }
  });
export type ToolHeaders = z.infer<typeof ToolHeaders>;

/** Why a JSON document (an inline OpenAPI document, an input schema) cannot be stored, or null. */
export function findDocumentProblem(value: unknown, path: (string | number)[] = [], state = { keys: 0 }): { path: (string | number)[]; message: string } | null {
  if (path.length > TOOL_LIMITS.maxDocumentDepth) return { path, message: `nested deeper than ${TOOL_LIMITS.maxDocumentDepth} levels` };
  if (value === null || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, message: 'number must be finite' };
  if (typeof value === 'string') return isCleanString(value) ? null : { path, message: 'string contains a NUL byte or invalid unicode' };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = findDocumentProblem(value[i], [...path, i], state);
      if (problem) return problem;
    }
    return null;
  }
  if (typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (++state.keys > TOOL_LIMITS.maxDocumentKeys) return { path, message: `more than ${TOOL_LIMITS.maxDocumentKeys} keys` };
      // The OpenAPI parser merges objects while dereferencing: no key may reach a prototype.
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') return { path: [...path, key], message: `key "${key}" is not allowed` };
      if (!isCleanString(key)) return { path, message: 'key contains a NUL byte or invalid unicode' };
      const problem = findDocumentProblem((value as Record<string, unknown>)[key], [...path, key], state);
      if (problem) return problem;
    }
    return null;
  }
  return { path, message: `unsupported value of type ${typeof value}` };
}

const JsonDocument = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const problem = findDocumentProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
});

/**
 * A tool's input as a JSON Schema: checked here for shape (an object schema); compiled with ajv
 * at registration by @mesh/tools, which is what makes it valid.
 */
export const ToolInputSchema = JsonDocument.refine((schema) => schema.type === 'object', { message: 'must be a JSON Schema of "type": "object"', path: ['type'] });
export type ToolInputSchema = Record<string, unknown>;

const HttpUrlText = z
  .string()
  .max(TOOL_LIMITS.maxUrlLength)
  .refine((value) => /^https?:\/\//i.test(value), { message: 'must be an http or https URL' });

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const HttpMethod = z.preprocess((value) => (typeof value === 'string' ? value.toUpperCase() : value), z.enum(HTTP_METHODS));
export type HttpMethod = z.infer<typeof HttpMethod>;

/** GET and HEAD read; any other method is assumed to change something unless the registration says otherwise. */
export function methodHasSideEffects(method: string): boolean {
  const upper = method.toUpperCase();
  return upper !== 'GET' && upper !== 'HEAD';
}

/** The `{placeholders}` of a URL template, in order. */
export function urlTemplatePlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1] ?? '');
}

const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

const ToolDescription = cleanText({ max: TOOL_LIMITS.maxDescriptionLength });
const TimeoutMs = z.int().min(TOOL_LIMITS.minTimeoutMs).max(TOOL_LIMITS.maxTimeoutMs);

export const HttpToolRequest = z
  .strictObject({
    method: HttpMethod,
    /** `https://api.example.com/lists/{list_id}/members`: each `{placeholder}` is filled (URL-encoded) from the input. */
    url: HttpUrlText,
    headers: ToolHeaders.optional(),
  })
  .superRefine((request, ctx) => {
    const { url } = request;
    const origin = /^https?:\/\/[^/?#]*/i.exec(url)?.[0] ?? '';
    // The model fills placeholders: it may choose a path, never the host it talks to.
    if (origin.includes('{') || origin.includes('}')) ctx.addIssue({ code: 'custom', path: ['url'], message: 'placeholders may appear in the path and query only, not in the host' });
    const unbalanced = url.replace(/\{[^{}]*\}/g, '');
    if (unbalanced.includes('{') || unbalanced.includes('}')) ctx.addIssue({ code: 'custom', path: ['url'], message: 'has an unbalanced { or }' });
    for (const name of urlTemplatePlaceholders(url)) {
      if (!PLACEHOLDER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: ['url'], message: `placeholder {${name}} must be a property name (letters, digits, _ or -)` });
    }
    try {
      new URL(url.replace(/\{[^{}]*\}/g, 'x'));
    } catch {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'is not a valid URL template' });
    }
  });
export type HttpToolRequest = z.infer<typeof HttpToolRequest>;

export const HttpToolSpec = z
  .strictObject({
    kind: z.literal('http'),
    name: ToolName,
    description: ToolDescription.min(1),
    input_schema: ToolInputSchema,
    request: HttpToolRequest,
    /** Default: false for GET and HEAD, true otherwise. Side-effecting calls carry an Idempotency-Key. */
    side_effects: z.boolean().optional(),
    requires_approval: z.boolean().default(false),
    timeout_ms: TimeoutMs.optional(),
  })
  .superRefine((spec, ctx) => {
    const properties = (spec.input_schema.properties ?? {}) as Record<string, unknown>;
    const required = Array.isArray(spec.input_schema.required) ? (spec.input_schema.required as unknown[]) : [];
    for (const name of urlTemplatePlaceholders(spec.request.url)) {
      if (typeof properties !== 'object' || !Object.hasOwn(properties, name) || !required.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['request', 'url'], message: `placeholder {${name}} must be a required property of input_schema` });
      }
    }
  })
  .transform((spec) => ({ ...spec, side_effects: spec.side_effects ?? methodHasSideEffects(spec.request.method) }));
export type HttpToolSpec = z.infer<typeof HttpToolSpec>;

const OperationId = z.string().min(1).max(200).refine(isCleanString, { message: 'must not contain NUL bytes or invalid unicode' });

export const OpenApiToolSpec = z
  .strictObject({
    kind: z.literal('openapi'),
    name: ToolName,
    description: ToolDescription.optional(),
    /** An OpenAPI 3.x document, inline. Exactly one of `document` and `document_url`. */
    document: JsonDocument.optional(),
    /** Where to fetch the document (JSON), through the outbound policy, at registration. */
    document_url: HttpUrlText.optional(),
    /** Overrides the document's servers. */
    base_url: HttpUrlText.optional(),
    /** operationIds to expose; default: every operation. */
    operations: z.array(OperationId).min(1).max(TOOL_LIMITS.maxOperations).optional(),
    headers: ToolHeaders.optional(),
    requires_approval: z.boolean().default(false),
    timeout_ms: TimeoutMs.optional(),
  })
  .superRefine((spec, ctx) => {
    if ((spec.document === undefined) === (spec.document_url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['document'], message: 'exactly one of document and document_url is required' });
    }
    if (spec.operations && new Set(spec.operations).size !== spec.operations.length) ctx.addIssue({ code: 'custom', path: ['operations'], message: 'lists an operation twice' });
  });
export type OpenApiToolSpec = z.infer<typeof OpenApiToolSpec>;

export const McpToolSpec = z
  .strictObject({
    kind: z.literal('mcp'),
    name: ToolName,
    description: ToolDescription.optional(),
    /** The server's Streamable HTTP endpoint. */
    url: HttpUrlText,
    headers: ToolHeaders.optional(),
    /** The server's tool names to expose; default: all it lists. */
    allowed_tools: z.array(z.string().min(1).max(200).refine(isCleanString)).min(1).max(TOOL_LIMITS.maxAllowedTools).optional(),
    requires_approval: z.boolean().default(false),
    timeout_ms: TimeoutMs.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.allowed_tools && new Set(spec.allowed_tools).size !== spec.allowed_tools.length) ctx.addIssue({ code: 'custom', path: ['allowed_tools'], message: 'lists a tool twice' });
  });
export type McpToolSpec = z.infer<typeof McpToolSpec>;

export const ToolSpec = z.discriminatedUnion('kind', [HttpToolSpec, OpenApiToolSpec, McpToolSpec]);
export type ToolSpec = z.infer<typeof ToolSpec>;
export type ToolSpecInput = z.input<typeof ToolSpec>;
export type ToolKind = ToolSpec['kind'];

export const RegisterToolBody = z.strictObject({ tool: ToolSpec });
export type RegisterToolBody = z.infer<typeof RegisterToolBody>;

/** One tool a model can call, as the API shows it. */
export const DerivedTool = z.object({
  name: DerivedToolName,
  description: z.string(),
  input_schema: z.record(z.string(), z.unknown()),
  side_effects: z.boolean(),
  requires_approval: z.boolean(),
});
export type DerivedTool = z.infer<typeof DerivedTool>;

export const OpenApiParameterBinding = z.object({
  /** The input property that carries it. */
  property: z.string(),
  /** Its name on the wire. */
  name: z.string(),
  in: z.enum(['path', 'query', 'header']),
});
export type OpenApiParameterBinding = z.infer<typeof OpenApiParameterBinding>;

/** How a derived tool is executed: stored with it at registration, never shown by the API. */
export const ToolBinding = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('http') }),
  z.object({
    kind: z.literal('openapi'),
    operation_id: z.string(),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']),
    /** The path template as the document writes it (`/reports/{report_id}`). */
    path: z.string(),
    base_url: z.string(),
    parameters: z.array(OpenApiParameterBinding),
    /** The input property holding the JSON request body, or null when the operation takes none. */
    body_property: z.string().nullable(),
  }),
  z.object({ kind: z.literal('mcp'), tool: z.string() }),
  z.object({ kind: z.literal('send_email') }),
  z.object({ kind: z.literal('search_memory') }),
  /** Answered by a person, never executed (see ask_human). */
  z.object({ kind: z.literal('ask_human') }),
]);
export type ToolBinding = z.infer<typeof ToolBinding>;

export const BoundTool = DerivedTool.extend({ binding: ToolBinding });
export type BoundTool = z.infer<typeof BoundTool>;

/** A registration as stored: the spec (secret references only) and the tools derived from it. */
export const RegisteredTool = z.object({
  id: z.uuid(),
  network_id: z.uuid(),
  name: ToolName,
  kind: z.enum(['http', 'openapi', 'mcp']),
  description: z.string(),
  spec: ToolSpec,
  tools: z.array(BoundTool),
  created_at: z.string(),
});
export type RegisteredTool = z.infer<typeof RegisteredTool>;

/** What `GET /networks/{id}/tools` lists. */
export const ToolView = RegisteredTool.extend({ tools: z.array(DerivedTool) });
export type ToolView = z.infer<typeof ToolView>;

export const ToolList = z.object({ tools: z.array(ToolView) });
export type ToolList = z.infer<typeof ToolList>;

/**
 * What executing a tool produced, as recorded: `content` is the text for the model (already
 * capped), `data` the parsed value when there is one, `error` why it failed.
 */
export const ToolResult = z.object({
  ok: z.boolean(),
  content: z.string(),
  data: z.unknown().optional(),
  error: z.string().optional(),
  truncated: z.boolean().optional(),
});
export type ToolResult = z.infer<typeof ToolResult>;

/**
 * `awaiting_approval`: recorded, waiting for a person (nothing ran); `approved`: a person said yes
 * (its arguments may have been edited) and the subtask has not yet run it; `rejected`: a person
 * said no, or nobody answered in time (its result says so, and nothing ran).
 */
export const TOOL_CALL_STATUSES = ['running', 'completed', 'failed', 'awaiting_approval', 'approved', 'rejected'] as const;
export const ToolCallStatus = z.enum(TOOL_CALL_STATUSES);
export type ToolCallStatus = z.infer<typeof ToolCallStatus>;

/** One tool call as a subtask shows it (`tool_calls`); `result` is the truncated content. */
export const ToolCallView = z.object({
  id: z.uuid(),
  tool: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  status: ToolCallStatus,
  result: z.string().nullable(),
  error: z.string().nullable(),
  idempotency_key: z.string(),
  started_at: z.string(),
  duration_ms: z.number().nullable(),
});
export type ToolCallView = z.infer<typeof ToolCallView>;
