import { dereference, validate, type ParserOptions } from '@readme/openapi-parser';
import {
  findDocumentProblem,
  methodHasSideEffects,
  ValidationError,
  type BoundTool,
  type OpenApiParameterBinding,
  type OpenApiToolSpec,
  type ToolBinding,
} from '@mesh/core';
import type { DeriveToolsDeps, DerivedToolSet } from './tool-derivation';
import { invalidTool, OutboundRefusedError, OutboundRequestError, ToolSourceError } from './errors';
import { resolveHeaders } from './secret-resolver';
import { toolNameSegment } from './tool-names';

export const OPENAPI_DEFAULTS = {
  /** Bytes of a document fetched from document_url. */
  maxDocumentBytes: 2 * 1024 * 1024,
  /** Characters of an operation's description kept for the model. */
  maxDescriptionLength: 1_024,
};

// External references are never resolved: they would be fetched outside the outbound policy.
const PARSER_OPTIONS: ParserOptions = { resolve: { external: false, file: false }, dereference: { circular: 'ignore' }, timeoutMs: 5_000 };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type OpenApiMethod = Extract<ToolBinding, { kind: 'openapi' }>['method'];

type Json = Record<string, unknown>;
type ParserDocument = Exclude<Parameters<typeof dereference>[0], string>;

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Json;
  content?: Record<string, { schema?: Json }>;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Where in a JSON text a parse error points, as line and column. */
function jsonErrorLocation(text: string, err: Error): string {
  const position = /position (\d+)/.exec(err.message)?.[1];
  if (position === undefined) return err.message;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return `${err.message} (line ${line}, column ${column})`;
}

/** A server object's URL with its variables at their defaults. */
function serverUrl(server: unknown): string | null {
  if (!isObject(server) || typeof server.url !== 'string') return null;
  const variables = isObject(server.variables) ? server.variables : {};
  return server.url.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return isObject(variable) && typeof variable.default === 'string' ? variable.default : whole;
  });
}

function firstServer(...candidates: unknown[]): string | null {
  for (const servers of candidates) {
    if (Array.isArray(servers) && servers.length > 0) return serverUrl(servers[0]);
  }
  return null;
}

/**
 * Loads the document (inline, or from document_url through the outbound policy) and validates it
 * with @readme/openapi-parser. A document the client sent inline that does not parse is a 400; one
 * fetched from document_url that does not load or parse is a 422. Either way the message says where.
 */
async function loadDocument(spec: OpenApiToolSpec, deps: DeriveToolsDeps): Promise<{ document: Json; url: URL | null }> {
  const inline = spec.document !== undefined;
  const fail = (message: string) => (inline ? new ValidationError(`Invalid OpenAPI document: ${message}`, [{ path: 'tool.document', message }]) : new ToolSourceError(`The OpenAPI document at document_url is unusable: ${message}`, [{ path: 'tool.document_url', message }]));
  let document: unknown;
  let url: URL | null = null;
  if (spec.document !== undefined) {
    document = structuredClone(spec.document);
  } else {
    const documentUrl = spec.document_url as string;
    url = new URL(documentUrl);
    const headers = { accept: 'application/json', ...resolveHeaders(spec.headers, deps.secrets, 'tool.headers') };
    let response;
    try {
      response = await deps.policy.request({
        url: documentUrl,
        method: 'GET',
        headers,
        field: 'document_url',
        maxResponseBytes: deps.maxDocumentBytes ?? OPENAPI_DEFAULTS.maxDocumentBytes,
        ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
      });
    } catch (err) {
      if (err instanceof OutboundRefusedError) throw err;
      if (err instanceof OutboundRequestError) throw fail(`it could not be fetched: ${err.message}`);
      throw err;
    }
    if (response.status >= 300 && response.status < 400) throw fail(`the server answered ${response.status} (a redirect); redirects are not followed`);
    if (response.status !== 200) throw fail(`the server answered ${response.status}`);
    if (response.truncated) throw fail(`it is larger than ${deps.maxDocumentBytes ?? OPENAPI_DEFAULTS.maxDocumentBytes} bytes`);
    const text = response.body.toString('utf8');
    try {
      document = JSON.parse(text);
    } catch (err) {
      throw fail(`it is not JSON: ${jsonErrorLocation(text, err as Error)}`);
    }
    const problem = findDocumentProblem(document);
    if (problem) throw fail(`${problem.message} at ${problem.path.join('.') || 'the root'}`);
  }
  if (!isObject(document) || typeof document.openapi !== 'string' || !/^3\.[01]\.\d+/.test(document.openapi)) {
    throw fail('it must be an OpenAPI 3.0 or 3.1 document (its "openapi" field says which)');
  }
  let result;
  try {
    result = await validate(structuredClone(document) as unknown as ParserDocument, PARSER_OPTIONS);
  } catch (err) {
    throw fail(`it does not parse: ${(err as Error).message}`);
  }
  if (!result.valid) {
    const errors = result.errors.slice(0, 5).map((error) => error.message.slice(0, 2_000));
    throw fail(`it does not parse:\n${errors.join('\n\n')}`);
  }
  try {
    return { document: (await dereference(structuredClone(document) as unknown as ParserDocument, PARSER_OPTIONS)) as unknown as Json, url };
  } catch (err) {
    throw fail(`its references do not resolve: ${(err as Error).message}`);
  }
}

/** An operation's parameters: the path item's, overridden by the operation's own (same name and place). */
function operationParameters(pathItem: Json, operation: Json): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const list of [pathItem.parameters, operation.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const parameter of list) {
      if (isObject(parameter) && typeof parameter.name === 'string' && typeof parameter.in === 'string') byKey.set(`${parameter.in}:${parameter.name}`, parameter as unknown as Parameter);
    }
  }
  return [...byKey.values()];
}

function jsonMediaSchema(content: unknown): { found: boolean; schema: Json } {
  if (!isObject(content)) return { found: false, schema: {} };
  const type = Object.keys(content).find((key) => /^application\/([\w.+-]*\+)?json\b/i.test(key) || key === '*/*');
  if (type === undefined) return { found: false, schema: {} };
  const media = content[type];
  return { found: true, schema: isObject(media) && isObject(media.schema) ? media.schema : {} };
}

/**
 * Header parameters the model is never asked for: those the OpenAPI specification says are
 * ignored, and `Idempotency-Key`, which Agent Mesh sets itself (stable per call) on every
 * side-effecting call; a model filling it in would defeat it.
 */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization', 'idempotency-key']);

interface OperationInput {
  inputSchema: Json;
  parameters: OpenApiParameterBinding[];
  bodyProperty: string | null;
}

/** The input schema of one operation: its path, query and header parameters by name, and its JSON body as `body`. */
function operationInput(pathItem: Json, operation: Json, openapi31: boolean): OperationInput | { problem: string } {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const parameters: OpenApiParameterBinding[] = [];
  for (const parameter of operationParameters(pathItem, operation)) {
    if (parameter.in === 'cookie') {
      if (parameter.required) return { problem: `it requires the cookie parameter ${parameter.name}, which is not supported` };
      continue;
    }
    if (parameter.in !== 'path' && parameter.in !== 'query' && parameter.in !== 'header') continue;
    if (parameter.in === 'header' && IGNORED_HEADERS.has(parameter.name.toLowerCase())) continue;
    const property = Object.hasOwn(properties, parameter.name) ? `${parameter.in}_${parameter.name}` : parameter.name;
    const schema = isObject(parameter.schema) ? parameter.schema : jsonMediaSchema(parameter.content).schema;
    properties[property] = { ...schema, ...(parameter.description && schema.description === undefined ? { description: parameter.description } : {}) };
    if (parameter.in === 'path' || parameter.required) required.push(property);
    parameters.push({ property, name: parameter.name, in: parameter.in });
  }
  let bodyProperty: string | null = null;
  const body = operation.requestBody;
  if (isObject(body)) {
    const media = jsonMediaSchema(body.content);
    if (media.found) {
      bodyProperty = Object.hasOwn(properties, 'body') ? 'request_body' : 'body';
      properties[bodyProperty] = { ...media.schema, ...(typeof body.description === 'string' && media.schema.description === undefined ? { description: body.description } : {}) };
      if (body.required === true) required.push(bodyProperty);
    } else if (body.required === true) {
      return { problem: 'its request body is not JSON, which is not supported' };
    }
  }
  const inputSchema: Json = {
    ...(openapi31 ? { $schema: 'https://json-schema.org/draft/2020-12/schema' } : {}),
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
  // Circular references stay as $ref after dereferencing; out of the document they point nowhere.
  if (JSON.stringify(inputSchema).includes('"$ref"')) return { problem: 'its schemas are recursive ($ref cycles), which is not supported' };
  return { inputSchema, parameters, bodyProperty };
}

function operationDescription(operation: Json, method: string, path: string): string {
  const text = [operation.summary, operation.description].filter((part): part is string => typeof part === 'string' && part.trim() !== '').join(' — ');
  const description = text === '' ? `${method.toUpperCase()} ${path}` : text;
  return description.length > OPENAPI_DEFAULTS.maxDescriptionLength ? `${description.slice(0, OPENAPI_DEFAULTS.maxDescriptionLength - 1)}…` : description;
}

/**
 * The tools of an OpenAPI service: one per operation (all, or those `operations` lists), named
 * `<name>.<operationId>`, with an input schema built from its parameters and JSON body, and the
 * binding that says how to call it. Operations that cannot be expressed are skipped with a
 * warning, or refused when `operations` asks for them by name.
 */
export async function deriveOpenApiTools(spec: OpenApiToolSpec, deps: DeriveToolsDeps): Promise<DerivedToolSet> {
  const { document, url: documentUrl } = await loadDocument(spec, deps);
  const openapi31 = String(document.openapi).startsWith('3.1');
  const wanted = spec.operations ? new Set(spec.operations) : null;
  const found = new Set<string>();
  const tools: BoundTool[] = [];
  const warnings: string[] = [];
  const refuse = (message: string) => invalidTool('tool.operations', message);
  const paths = isObject(document.paths) ? document.paths : {};
  for (const [path, pathItem] of Object.entries(paths)) {
    if (!isObject(pathItem)) continue;
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!isObject(operation)) continue;
      const operationId = typeof operation.operationId === 'string' ? operation.operationId : `${method}_${path}`;
      if (wanted && !wanted.has(operationId)) continue;
      found.add(operationId);
      const skip = (problem: string) => {
        const message = `operation ${operationId}: ${problem}`;
        if (wanted) throw refuse(message);
        warnings.push(`${message}; it was skipped`);
      };
      const input = operationInput(pathItem, operation, openapi31);
      if ('problem' in input) {
        skip(input.problem);
        continue;
      }
      const schemaProblem = deps.validator.inputSchemaProblem(input.inputSchema, { strict: false });
      if (schemaProblem) {
        skip(`its input schema ${schemaProblem}`);
        continue;
      }
      const base = spec.base_url ?? firstServer(operation.servers, pathItem.servers, document.servers);
      if (!base) throw invalidTool('tool.base_url', `the document names no server for operation ${operationId}: set base_url`);
      let baseUrl: string;
      try {
        baseUrl = new URL(base, documentUrl ?? undefined).href;
      } catch {
        throw invalidTool('tool.base_url', `the server URL ${base} of operation ${operationId} is relative or invalid: set base_url`);
      }
      deps.policy.checkStatic(baseUrl, 'base_url');
      const name = `${spec.name}.${toolNameSegment(operationId)}`;
      if (tools.some((tool) => tool.name === name)) throw invalidTool('tool.document', `two operations map to the tool name ${name}`);
      const httpMethod = method.toUpperCase() as OpenApiMethod;
      tools.push({
        name,
        description: operationDescription(operation, method, path),
        input_schema: input.inputSchema,
        side_effects: methodHasSideEffects(httpMethod),
        requires_approval: spec.requires_approval,
        binding: { kind: 'openapi', operation_id: operationId, method: httpMethod, path, base_url: baseUrl, parameters: input.parameters, body_property: input.bodyProperty },
      });
    }
  }
  const missing = wanted ? [...wanted].filter((id) => !found.has(id)) : [];
  if (missing.length > 0) throw refuse(`the document has no operation ${missing.join(', ')}`);
  if (tools.length === 0) throw invalidTool(spec.document !== undefined ? 'tool.document' : 'tool.document_url', `the document has no usable operation${warnings.length > 0 ? `: ${warnings.join('; ')}` : ''}`);
  return { tools, warnings };
}
