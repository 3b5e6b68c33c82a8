import { ERROR_EXAMPLES, PROPERTY_EXAMPLE_SOURCES, SCHEMA_EXAMPLES, type NamedExample } from './schema-examples';
import { PROPERTY_DESCRIPTIONS, type PropertyEntry } from './property-descriptions';
import { API_LICENSE, PARAMETER_DESCRIPTIONS, ROUTE_DESCRIPTIONS, TAG_DESCRIPTIONS } from './route-descriptions';

/*
 * Adds to a generated OpenAPI document what zod schemas do not carry: a description and examples
 * for every property (from the glossary and the SEED.md examples), a description for every route,
 * parameter and tag, examples on every media type, and the license. The contract's schemas stay as
 * they are (packages/core); this is the API's documentation of them. Nothing here throws on a
 * missing entry: a route or schema nobody has described yet is still served, and
 * test/openapi-descriptions.test.ts names it.
 */

type JsonSchema = Record<string, unknown>;

/** The parts of a document this module reads and writes (structurally the generator's OpenApiDocument). */
export interface AnnotatableDocument {
  info: { license?: { name: string; identifier?: string; url?: string } };
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, AnnotatableOperation>>;
  components: { schemas: Record<string, JsonSchema>; examples?: Record<string, ExampleObject> };
}

interface ExampleObject {
  summary?: string;
  value: unknown;
}

interface MediaType {
  schema: JsonSchema;
  examples?: Record<string, ExampleObject | { $ref: string }>;
}

interface AnnotatableOperation {
  description?: string;
  parameters?: { name: string; in: 'path' | 'query'; schema: JsonSchema; description?: string; example?: unknown }[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

/** At most this many distinct examples of a scalar property; objects and arrays keep one. */
const MAX_SCALAR_EXAMPLES = 3;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `GET /networks/{network_id}` → `GET /networks/:network_id` (the route table's spelling, which the descriptions are keyed by). */
export function routeKeyOf(method: string, openApiPath: string): string {
  return `${method.toUpperCase()} ${openApiPath.replace(/\{([^}]+)\}/g, ':$1')}`;
}

/**
 * The glossary entry for a property at `path` (component name first, then property names; `*`
 * for a map's values; array items and union branches add nothing): the longest suffix of the
 * path that the glossary names, so `Subtask.tool_calls.status` wins over `tool_calls.status`.
 */
export function glossaryEntryOf(path: readonly string[]): PropertyEntry | undefined {
  for (let start = 0; start < path.length; start++) {
    const entry = PROPERTY_DESCRIPTIONS[path.slice(start).join('.')];
    if (entry !== undefined) return entry;
  }
  return undefined;
}

function typesOf(schema: JsonSchema): string[] | undefined {
  const type = schema['type'];
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? (type as string[]) : undefined;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * Whether `value` could be an instance of `schema`, roughly (type, const, enum, required keys,
 * no unknown keys): enough to tell a union's branches apart when handing examples down. The
 * test validates every example with ajv.
 */
function fits(schema: JsonSchema, value: unknown): boolean {
  if ('const' in schema && JSON.stringify(schema['const']) !== JSON.stringify(value)) return false;
  if (Array.isArray(schema['enum']) && !(schema['enum'] as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value))) return false;
  const types = typesOf(schema);
  if (types) {
    const actual = jsonTypeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return false;
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && !(branches as JsonSchema[]).some((branch) => fits(branch, value))) return false;
  }
  if (isObject(value)) {
    const properties = isObject(schema['properties']) ? schema['properties'] : undefined;
    for (const key of (schema['required'] as string[] | undefined) ?? []) if (!(key in value)) return false;
    if (properties) {
      for (const [key, item] of Object.entries(value)) {
        const property = properties[key];
        if (property === undefined) {
          if (schema['additionalProperties'] === false) return false;
        } else if (isObject(property) && !fits(property, item)) return false;
      }
    }
  }
  return true;
}

function distinct(values: unknown[]): unknown[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = JSON.stringify(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function withDefault(description: string, schema: JsonSchema): string {
  if (!('default' in schema) || /\bdefault\b/i.test(description)) return description;
  return `${description} Default: \`${JSON.stringify(schema['default'])}\`.`;
}

/** `null`, `[]` and `{}` say little about a property: shown only when nothing better is at hand. */
const isInformative = (value: unknown) => value !== null && !(Array.isArray(value) && value.length === 0) && !(isObject(value) && Object.keys(value).length === 0);

/** The examples a property shows: what the schema's examples hold there (informative ones first), else the glossary's. */
function propertyExamples(values: unknown[], entry: PropertyEntry | undefined): unknown[] {
  const glossary = typeof entry === 'object' && 'example' in entry ? [entry.example] : [];
  const found = distinct(values).sort((a, b) => Number(!isInformative(a)) - Number(!isInformative(b)));
  if (found.length === 0) return glossary;
  if (!isInformative(found[0]) && glossary.length > 0) return distinct([...glossary, ...found]).slice(0, MAX_SCALAR_EXAMPLES);
  const scalar = found.every((value) => value === null || typeof value !== 'object');
  // A list of objects is shown by its first item: the whole list is in the schema's own example.
  return found.slice(0, scalar ? MAX_SCALAR_EXAMPLES : 1).map((value) => (Array.isArray(value) && value.length > 1 && isObject(value[0]) ? value.slice(0, 1) : value));
}

/** Describes every property under `node` and hands the example values at `node` down to them. */
function annotateSchema(node: JsonSchema, path: string[], values: unknown[]): void {
  const properties = node['properties'];
  if (isObject(properties)) {
    for (const [key, property] of Object.entries(properties)) {
      if (!isObject(property)) continue;
      const propertyPath = [...path, key];
      const propertyValues = values.filter(isObject).filter((value) => key in value).map((value) => value[key]);
      const entry = glossaryEntryOf(propertyPath);
      const description = typeof entry === 'string' ? entry : (entry?.description ?? (property['description'] as string | undefined));
      if (description !== undefined) property['description'] = withDefault(description, property);
      const examples = propertyExamples(propertyValues, entry);
      if (examples.length > 0) property['examples'] = examples;
      // A glossary example stands in for missing ones further down too (its fields' examples).
      annotateSchema(property, propertyPath, propertyValues.some(isInformative) ? propertyValues : [...propertyValues, ...examples]);
    }
  }
  const items = node['items'];
  if (isObject(items)) annotateSchema(items, path, values.filter(Array.isArray).flat());
  const additional = node['additionalProperties'];
  if (isObject(additional)) annotateSchema(additional, [...path, '*'], values.filter(isObject).flatMap((value) => Object.values(value)));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = node[key];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches as JsonSchema[]) {
      if (isObject(branch)) annotateSchema(branch, path, key === 'allOf' ? values : values.filter((value) => fits(branch, value)));
    }
  }
}

function componentNameOf(schema: JsonSchema): string | undefined {
  const ref = schema['$ref'];
  return typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : undefined;
}

/**
 * Media types refer to a schema's examples as `#/components/examples/<schema>.<example>` (added
 * on first use), so an example shown by several routes is in the document once.
 */
function mediaExamplesOf(examples: Record<string, ExampleObject>, schema: string, only: readonly string[] | undefined): MediaType['examples'] {
  const named: Record<string, NamedExample> | undefined = SCHEMA_EXAMPLES[schema];
  if (!named) return undefined;
  const chosen = Object.entries(named).filter(([name]) => !only || only.includes(name));
  if (chosen.length === 0) return undefined;
  return Object.fromEntries(
    chosen.map(([name, example]) => {
      const key = `${schema}.${name}`;
      examples[key] ??= { summary: example.summary, value: example.value };
      return [name, { $ref: `#/components/examples/${key}` }];
    }),
  );
}

function annotateOperation(routeKey: string, operation: AnnotatableOperation, componentExamples: Record<string, ExampleObject>): void {
  const docs = ROUTE_DESCRIPTIONS[routeKey];
  if (docs) operation.description = docs.description;
  for (const parameter of operation.parameters ?? []) {
    const entry = PARAMETER_DESCRIPTIONS[`${routeKey} ${parameter.in}.${parameter.name}`] ?? PARAMETER_DESCRIPTIONS[`${parameter.in}.${parameter.name}`];
    if (!entry) continue;
    parameter.description = withDefault(entry.description, parameter.schema);
    parameter.example = entry.example;
  }
  const examplesFor = (media: MediaType, status: string | null, only: readonly string[] | undefined) => {
    const name = componentNameOf(media.schema);
    if (name === 'ErrorBody' && status !== null) {
      // A route's own error inline; the common ones once, as `#/components/examples/Error.<status>`.
      const own = ERROR_EXAMPLES[routeKey]?.[Number(status)];
      const error = own ?? ERROR_EXAMPLES['*']?.[Number(status)];
      if (!error) return undefined;
      const example = { summary: error.summary, value: { error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) } } };
      if (own) return { [error.code]: example };
      componentExamples[`Error.${status}`] ??= example;
      return { [error.code]: { $ref: `#/components/examples/Error.${status}` } };
    }
    return name ? mediaExamplesOf(componentExamples, name, only) : undefined;
  };
  for (const [contentType, media] of Object.entries(operation.requestBody?.content ?? {})) {
    const examples = contentType === 'application/json' ? examplesFor(media, null, docs?.requestExamples) : undefined;
    if (examples) media.examples = examples;
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    for (const [contentType, media] of Object.entries(response.content ?? {})) {
      const text = docs?.textExamples?.[contentType];
      const examples =
        contentType === 'application/json' ? examplesFor(media, status, docs?.responseExamples?.[Number(status)]) : text ? { [contentType.split('/')[1] ?? contentType]: text } : undefined;
      if (examples) media.examples = examples;
      annotateSchema(media.schema, [routeKey, status], []);
    }
  }
}

/**
 * Annotates `document` (see the top of this file) and returns it as a copy that shares no object
 * with the example modules, so that no change to one document can reach another.
 */
export function annotateDocument<D extends AnnotatableDocument>(document: D): D {
  document.info.license = API_LICENSE;
  for (const tag of document.tags) {
    const description = TAG_DESCRIPTIONS[tag.name];
    if (description) tag.description = description;
  }
  for (const [name, schema] of Object.entries(document.components.schemas)) {
    const examples = Object.values(SCHEMA_EXAMPLES[name] ?? {}).map((example) => example.value);
    if (examples.length > 0) schema['examples'] = examples;
    annotateSchema(schema, [name], [...examples, ...(PROPERTY_EXAMPLE_SOURCES[name] ?? [])]);
  }
  const componentExamples: Record<string, ExampleObject> = {};
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) annotateOperation(routeKeyOf(method, path), operation, componentExamples);
  }
  document.components.examples = Object.fromEntries(Object.entries(componentExamples).sort(([a], [b]) => a.localeCompare(b)));
  return structuredClone(document);
}
