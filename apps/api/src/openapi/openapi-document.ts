import * as core from '@mesh/core';
import { z } from 'zod';
import { AgentList, AgentWithWarnings } from '../routes/agents-routes';
import { AddedMemory } from '../routes/memory-routes';
import { NoBody } from '../routes/path-params';
import type { RouteDefinition, UploadsSpec } from '../routes/route-definition';
import { RegisteredToolAnswer } from '../routes/tools-routes';
import { annotateDocument } from './annotate-document';

/** The parts of an OpenAPI 3.1 document this generator writes. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license?: { name: string; identifier?: string; url?: string } };
  servers: { url: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema>; examples?: Record<string, { summary?: string; value: unknown }>; securitySchemes: Record<string, unknown> };
  security: Record<string, string[]>[];
}

/** A media type of a request or response: its schema, and named examples (./schema-examples.ts), inline or `#/components/examples/…`. */
export interface OpenApiMediaType {
  schema: JsonSchema;
  examples?: Record<string, { summary?: string; value: unknown } | { $ref: string }>;
  /** Per form field of a multipart body: the media type of its content. */
  encoding?: Record<string, { contentType: string }>;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  /** What the route does, changes and answers (./route-descriptions.ts). */
  description?: string;
  tags: string[];
  parameters?: { name: string; in: 'path' | 'query'; required: boolean; schema: JsonSchema; description?: string; example?: unknown }[];
  requestBody?: { required: boolean; content: Record<string, OpenApiMediaType> };
  responses: Record<string, { description: string; content?: Record<string, OpenApiMediaType>; headers?: Record<string, unknown> }>;
  security?: Record<string, string[]>[];
}

type JsonSchema = Record<string, unknown>;

export interface OpenApiOptions {
  /** Where the routes are mounted (the server URL), e.g. `/api/mesh`. */
  basePath: string;
  version: string;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Validation error: `details` lists every failing path',
  401: 'Missing or invalid API key',
  402: 'A budget of the tenant or the network is used up for its period (`budget_exhausted`): the message says which and when it renews',
  403: 'The key is valid but may not do this (operator routes: MESH_ADMIN_TENANTS)',
  404: 'Not found (also another tenant’s resource)',
  409: 'Conflict',
  413: 'Request body too large',
  415: 'Request body is not JSON',
  422: 'The request is well formed, but what it points to cannot be used (an OpenAPI document, an MCP server): the message says why',
  429: 'Rate limited: see `Retry-After`',
  500: 'Internal error (never carries a stack)',
  503: 'A dependency (Redis, Postgres) is unavailable: retry later',
};

const SECURITY_SCHEMES = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
  basicAuth: { type: 'http', scheme: 'basic', description: 'Any user name, the API key as password (browsers)' },
};
const AUTHENTICATED: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }, { basicAuth: [] }];

/** Component names for the contract's schemas: the names they are exported under from @mesh/core. */
const CORE_NAMES = new Map<z.ZodType, string>(
  Object.entries(core as Record<string, unknown>)
    .filter((entry): entry is [string, z.ZodType] => entry[1] instanceof z.ZodType)
    .map(([name, schema]) => [schema, name]),
);

/** Nested contract schemas worth their own component (shared by several responses), and the routes' own response schemas. */
const NESTED_COMPONENTS: [z.ZodType, string][] = [
  [core.Subtask, 'Subtask'],
  [core.Agent, 'Agent'],
  [core.MemoryItem, 'MemoryItem'],
  [core.EvalRun, 'EvalRun'],
  [core.Feedback, 'Feedback'],
  [core.LessonSet, 'LessonSet'],
  [core.ToolView, 'ToolView'],
  [core.DerivedTool, 'DerivedTool'],
  [AgentList, 'AgentList'],
  [AgentWithWarnings, 'AgentWithWarnings'],
  [AddedMemory, 'AddedMemory'],
  [RegisteredToolAnswer, 'RegisteredToolAnswer'],
];

function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** `get /networks/:network_id/tasks` → `getNetworksByNetworkIdTasks`. */
export function operationIdOf(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `by_${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[_.-]/))
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return `${route.method}${words.join('')}`;
}

function stripMeta(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** A route's multipart form: the JSON body as one field, the files as file parts. */
function multipartMediaType(uploads: UploadsSpec, bodySchema: JsonSchema): OpenApiMediaType {
  return {
    schema: {
      type: 'object',
      description: uploads.description,
      required: [uploads.bodyField],
      properties: {
        [uploads.bodyField]: { ...bodySchema, description: 'The JSON body, as a form field of type application/json', examples: [uploads.example[uploads.bodyField]] },
        files: {
          type: 'array',
          description: 'The files, one part each (any field name): the file name is the attachment name, the part Content-Type its media type',
          items: { type: 'string', format: 'binary' },
          examples: [uploads.example.files],
        },
      },
    },
    examples: { upload: { summary: 'A task with one file', value: uploads.example } },
    encoding: { [uploads.bodyField]: { contentType: 'application/json' } },
  };
}

function inlineSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return stripMeta(z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema);
}

/**
 * Converts named schemas as components: every schema of the registry becomes
 * `#/components/schemas/<name>` and references between them become `$ref`s.
 */
function componentsOf(named: Map<z.ZodType, string>, io: 'input' | 'output'): Record<string, JsonSchema> {
  if (named.size === 0) return {};
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of named) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io, unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, stripMeta(schema as JsonSchema)]));
}

function parametersOf(schema: z.ZodType, where: 'path' | 'query'): NonNullable<OpenApiOperation['parameters']> {
  const json = inlineSchema(schema, 'input');
  const properties = (json['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      schema: rest,
      ...(typeof description === 'string' ? { description } : {}),
    };
  });
}

/**
 * The OpenAPI 3.1 document of a route table, generated from the very zod schemas the router
 * validates with (zod 4's z.toJSONSchema): request schemas in their input form (defaults make
 * fields optional), response schemas in their output form.
 */
export function buildOpenApiDocument(routes: readonly RouteDefinition[], options: OpenApiOptions): OpenApiDocument {
  const requestNames = new Map<z.ZodType, string>([[NoBody, 'EmptyBody']]);
  const responseNames = new Map<z.ZodType, string>([[core.ErrorBody, 'ErrorBody'], ...NESTED_COMPONENTS]);
  const nameFor = (names: Map<z.ZodType, string>, schema: z.ZodType, fallback: string) => {
    let name = names.get(schema);
    if (!name) {
      name = CORE_NAMES.get(schema) ?? fallback;
      names.set(schema, name);
    }
    return name;
  };
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const operationId = operationIdOf(route);
    const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')];
    const responses: OpenApiOperation['responses'] = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      const contentType = spec.contentType ?? 'application/json';
      const schema =
        spec.schema === null
          ? undefined
          : contentType === 'application/json'
            ? ref(nameFor(responseNames, spec.schema, `${operationId[0]!.toUpperCase()}${operationId.slice(1)}Response${status}`))
            : inlineSchema(spec.schema, 'output');
      responses[status] = { description: spec.description, ...(schema ? { content: { [contentType]: { schema } } } : {}) };
    }
    const errors = new Set([...route.errors, ...(route.auth ? [401, 429] : []), 500]);
    for (const status of [...errors].sort()) {
      responses[String(status)] ??= {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/json': { schema: ref('ErrorBody') } },
        ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } } : {}),
      };
    }
    const operation: OpenApiOperation = {
      operationId,
      // A summary is plain text to renderers (Swagger UI shows backticks as they are); descriptions carry the Markdown.
      summary: route.summary.replace(/`/g, ''),
      tags: [route.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: route.bodyRequired,
              content: {
                'application/json': { schema: ref(nameFor(requestNames, route.body, `${operationId[0]!.toUpperCase()}${operationId.slice(1)}Body`)) },
                ...(route.uploads ? { 'multipart/form-data': multipartMediaType(route.uploads, ref(nameFor(requestNames, route.body, `${operationId[0]!.toUpperCase()}${operationId.slice(1)}Body`))) } : {}),
              },
            },
          }
        : {}),
      responses,
      ...(route.auth ? {} : { security: [] }),
    };
    const path = toOpenApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation };
  }

  const requestComponents = componentsOf(requestNames, 'input');
  const responseComponents = componentsOf(responseNames, 'output');
  const clash = Object.keys(requestComponents).find((name) => name in responseComponents);
  if (clash) throw new Error(`schema ${clash} is used as both a request and a response schema; give one of them its own name`);

  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'Agent Mesh API',
      version: options.version,
      description:
        'Networks of specialised LLM agents: submit a task, a coordinator plans it into subtasks that agent workers run in parallel, and the result is synthesised. ' +
        'Every error is `{"error": {"code", "message", "details"?}}`. Task events stream as Server-Sent Events; finished tasks can be announced by a signed webhook (`callback_url`).',
    },
    servers: [{ url: options.basePath }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: { schemas: { ...responseComponents, ...requestComponents }, securitySchemes: SECURITY_SCHEMES },
    security: AUTHENTICATED,
  };
  // Descriptions, examples, tag descriptions and the license (./annotate-document.ts).
  return annotateDocument(document);
}
