import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument, type OpenApiDocument } from '../src/openapi/openapi-document';
import { ROUTE_DESCRIPTIONS, PARAMETER_DESCRIPTIONS } from '../src/openapi/route-descriptions';
import { ERROR_EXAMPLES, SCHEMA_EXAMPLES } from '../src/openapi/schema-examples';
import { routeKeyOf } from '../src/openapi/annotate-document';
import { API_BASE_PATH, API_ROUTES } from '../src/routes/api-routes';

/*
 * The API reference must explain itself: every property of every schema (components and inline,
 * nested, array items, union branches) has a description and an example, every route, parameter
 * and tag a description, every media type examples, and the document a license. Every example
 * must validate against the schema it illustrates, so none can drift from the contract.
 */

type JsonSchema = Record<string, unknown>;

const build = () => JSON.parse(JSON.stringify(buildOpenApiDocument(API_ROUTES, { basePath: API_BASE_PATH, version: '1.0.0' }))) as OpenApiDocument;
const document = build();

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const pointer = (parts: (string | number)[]) => `#/${parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

/** Every schema node under `schema` (itself included), with its JSON pointer. */
function schemaNodes(schema: unknown, at: (string | number)[]): { node: JsonSchema; at: (string | number)[] }[] {
  if (!isObject(schema)) return [];
  const found = [{ node: schema, at }];
  for (const key of ['properties', '$defs', 'patternProperties'] as const) {
    const children = schema[key];
    if (isObject(children)) for (const [name, child] of Object.entries(children)) found.push(...schemaNodes(child, [...at, key, name]));
  }
  for (const key of ['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else'] as const) {
    if (isObject(schema[key])) found.push(...schemaNodes(schema[key], [...at, key]));
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) branches.forEach((branch, i) => found.push(...schemaNodes(branch, [...at, key, i])));
  }
  return found;
}

/** The schemas of the document: components, then each operation's request and response media types. */
function rootSchemas(doc: OpenApiDocument): { schema: JsonSchema; at: (string | number)[] }[] {
  const roots = Object.entries(doc.components.schemas).map(([name, schema]) => ({ schema, at: ['components', 'schemas', name] as (string | number)[] }));
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) roots.push({ schema: media.schema, at: ['paths', path, method, 'requestBody', 'content', type, 'schema'] });
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) roots.push({ schema: media.schema, at: ['paths', path, method, 'responses', status, 'content', type, 'schema'] });
      }
    }
  }
  return roots;
}

/** What the document lacks, one line each (an empty list when it explains itself). */
function missingAnnotations(doc: OpenApiDocument): string[] {
  const missing: string[] = [];
  for (const { schema, at } of rootSchemas(doc)) {
    for (const { node, at: nodeAt } of schemaNodes(schema, at)) {
      for (const [name, property] of Object.entries(isObject(node['properties']) ? node['properties'] : {})) {
        const where = pointer([...nodeAt, 'properties', name]);
        if (!isObject(property) || typeof property['description'] !== 'string' || property['description'].trim() === '') missing.push(`${where}: no description`);
        if (!isObject(property) || !Array.isArray(property['examples']) || property['examples'].length === 0) missing.push(`${where}: no example`);
      }
    }
  }
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const route = `${method.toUpperCase()} ${path}`;
      if (!operation.description?.trim()) missing.push(`${route}: no description`);
      for (const parameter of operation.parameters ?? []) {
        if (!parameter.description?.trim()) missing.push(`${route} ${parameter.in} parameter ${parameter.name}: no description`);
        if (parameter.example === undefined) missing.push(`${route} ${parameter.in} parameter ${parameter.name}: no example`);
      }
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        if (Object.keys(media.examples ?? {}).length === 0) missing.push(`${route} request ${type}: no examples`);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (Object.keys(media.examples ?? {}).length === 0) missing.push(`${route} ${status} ${type}: no examples`);
        }
      }
    }
  }
  for (const tag of doc.tags) if (!tag.description?.trim()) missing.push(`tag ${tag.name}: no description`);
  if (!doc.info.license?.name) missing.push('info: no license');
  return missing;
}

/** Every example of the document that its schema refuses, with ajv's errors. */
function invalidExamples(doc: OpenApiDocument): { at: string; example: string; errors: unknown }[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const base = 'https://mesh.test/openapi.json';
  ajv.addSchema({ $id: base, components: doc.components });
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  /** A schema from anywhere in the document, its local `$ref`s pointed at the document (the same schema compiled once). */
  const compile = (schema: JsonSchema) => {
    const text = JSON.stringify(schema);
    let validate = compiled.get(text);
    if (!validate) {
      validate = ajv.compile(JSON.parse(text, (key, value: unknown) => (key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${base}${value}` : value)) as JsonSchema);
      compiled.set(text, validate);
    }
    return validate;
  };
  const invalid: { at: string; example: string; errors: unknown }[] = [];
  const check = (schema: JsonSchema, value: unknown, at: string, example: string) => {
    const validate = compile(schema);
    if (!validate(value)) invalid.push({ at, example, errors: validate.errors });
  };
  for (const { schema, at } of rootSchemas(doc)) {
    for (const { node, at: nodeAt } of schemaNodes(schema, at)) {
      const examples = node['examples'];
      if (Array.isArray(examples)) examples.forEach((example, i) => check(node, example, pointer(nodeAt), `examples[${i}]`));
    }
  }
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const at = pointer(['paths', path, method]);
      for (const parameter of operation.parameters ?? []) {
        if (parameter.example !== undefined) check(parameter.schema, parameter.example, `${at} parameter ${parameter.name}`, 'example');
      }
      const media = [
        ...Object.entries(operation.requestBody?.content ?? {}).map(([type, m]) => ({ where: `request ${type}`, m })),
        ...Object.entries(operation.responses).flatMap(([status, response]) => Object.entries(response.content ?? {}).map(([type, m]) => ({ where: `${status} ${type}`, m }))),
      ];
      for (const { where, m } of media) {
        for (const [name, example] of Object.entries(m.examples ?? {})) {
          const ref = '$ref' in example ? example.$ref : undefined;
          const resolved = ref?.startsWith('#/components/examples/') ? doc.components.examples?.[ref.slice('#/components/examples/'.length)] : ref === undefined ? example : undefined;
          if (!resolved || !('value' in resolved)) invalid.push({ at: `${at} ${where}`, example: name, errors: `unresolved ${ref}` });
          else check(m.schema, resolved.value, `${at} ${where}`, name);
        }
      }
    }
  }
  return invalid;
}

describe('OpenAPI document: descriptions and examples', () => {
  it('describes and exemplifies every property, route, parameter, media type and tag, and has a license', () => {
    expect(missingAnnotations(document)).toEqual([]);
  });

  it('would notice a property, route, parameter, tag, example or license going missing', () => {
    const broken = build();
    delete (broken.components.schemas['Task']!['properties'] as Record<string, JsonSchema>)['status']!['description'];
    const subtask = broken.components.schemas['Subtask']!['properties'] as Record<string, JsonSchema>;
    delete ((subtask['tool_calls']!['items'] as JsonSchema)['properties'] as Record<string, JsonSchema>)['status']!['examples'];
    const health = broken.paths['/health']!['get']!;
    delete health.description;
    delete health.responses['200']!.content!['application/json']!.examples;
    const parameter = broken.paths['/networks/{network_id}']!['get']!.parameters![0]!;
    delete parameter.description;
    delete broken.tags[0]!.description;
    delete broken.info.license;
    const known = new Set(missingAnnotations(document));
    expect(missingAnnotations(broken).filter((line) => !known.has(line))).toEqual([
      '#/components/schemas/Subtask/properties/tool_calls/items/properties/status: no example',
      '#/components/schemas/Task/properties/status: no description',
      'GET /health: no description',
      'GET /health 200 application/json: no examples',
      'GET /networks/{network_id} path parameter network_id: no description',
      `tag ${broken.tags[0]!.name}: no description`,
      'info: no license',
    ]);
  });

  it('has examples that validate against their schemas (properties, components, media types, parameters)', () => {
    expect(invalidExamples(document)).toEqual([]);
  });

  it('would notice an example that does not fit its schema', () => {
    const broken = build();
    const task = broken.components.schemas['Task']!;
    (task['examples'] as Record<string, unknown>[])[0]!['status'] = 'finished';
    ((task['properties'] as Record<string, JsonSchema>)['priority']!['examples'] as unknown[])[0] = 'high';
    broken.components.examples!['CreateNetworkBody.seed']!.value = { name: '' };
    broken.paths['/networks']!['get']!.parameters!.find((p) => p.name === 'limit')!.example = 1000;
    const known = new Set(invalidExamples(document).map(({ at, example }) => `${at} ${example}`));
    expect(
      invalidExamples(broken)
        .map(({ at, example }) => `${at} ${example}`)
        .filter((line) => !known.has(line))
        .sort(),
    ).toEqual([
      '#/components/schemas/Task examples[0]',
      '#/components/schemas/Task/properties/priority examples[0]',
      `${pointer(['paths', '/networks', 'get'])} parameter limit example`,
      `${pointer(['paths', '/networks', 'post'])} request application/json seed`,
    ]);
  });

  it("declares the project's license, as the root package.json does", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { license?: string };
    expect(pkg.license).toBeDefined();
    expect(document.info.license).toEqual({ name: pkg.license });
  });

  it('shows the SEED.md examples: the Email Campaign Assistant, the launch task, the SEO Specialist and the memory', () => {
    const body = (path: string, method: string) => {
      const examples = document.paths[path]![method]!.requestBody!.content['application/json']!.examples!;
      return Object.fromEntries(
        Object.entries(examples).map(([name, example]) => [name, '$ref' in example ? document.components.examples![example.$ref.replace('#/components/examples/', '')]! : example]),
      );
    };
    expect(body('/networks', 'post')['seed']!.value).toEqual({
      name: 'Email Campaign Assistant',
      description: 'AI network for creating and optimizing email campaigns',
      max_iterations: 10,
      timeout_seconds: 300,
    });
    expect(body('/networks/{network_id}/tasks', 'post')['seed']!.value).toMatchObject({
      task: 'Create an email campaign for a new product launch targeting tech professionals',
      context: { product_name: 'TechPro X1' },
      priority: 1,
    });
    expect(body('/networks/{network_id}/agents', 'post')['seo_specialist']!.value).toMatchObject({ agent_config: { name: 'SEO Specialist', type: 'seo', model: 'claude-3-7-sonnet' } });
    expect(body('/networks/{network_id}/memory', 'post')['fact']!.value).toMatchObject({ content: 'Tech professionals open emails most on Tuesday and Wednesday mornings' });
  });

  it('tells apart properties of one name that mean different things (a task, a subtask and a tool call status)', () => {
    const properties = (name: string) => document.components.schemas[name]!['properties'] as Record<string, JsonSchema>;
    const task = properties('Task')['status']!['description'] as string;
    const subtask = properties('Subtask')['status']!['description'] as string;
    const toolCall = ((properties('Subtask')['tool_calls']!['items'] as JsonSchema)['properties'] as Record<string, JsonSchema>)['status']!['description'] as string;
    expect(new Set([task, subtask, toolCall]).size).toBe(3);
    expect(task).not.toContain('`skipped`');
    expect(subtask).toContain('`skipped`');
    expect(toolCall).toContain('`running`');
    // Defaults are said in words too, from the schema.
    expect(properties('SubmitTaskBody')['priority']!['description']).toContain('Default: `5`.');
  });

  it('keys its descriptions and examples by routes, parameters and schemas that exist', () => {
    const routeKeys = new Set(Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => routeKeyOf(method, path))));
    expect(Object.keys(ROUTE_DESCRIPTIONS).filter((key) => !routeKeys.has(key))).toEqual([]);
    expect(Object.keys(ERROR_EXAMPLES).filter((key) => key !== '*' && !routeKeys.has(key))).toEqual([]);
    expect(Object.keys(SCHEMA_EXAMPLES).filter((name) => !(name in document.components.schemas))).toEqual([]);
    const parameters = new Set(
      Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods).flatMap(([method, operation]) => (operation.parameters ?? []).flatMap((p) => [`${p.in}.${p.name}`, `${routeKeyOf(method, path)} ${p.in}.${p.name}`])),
      ),
    );
    expect(Object.keys(PARAMETER_DESCRIPTIONS).filter((key) => !parameters.has(key))).toEqual([]);
    // A route's chosen examples must exist.
    for (const [key, docs] of Object.entries(ROUTE_DESCRIPTIONS)) {
      for (const [status, names] of Object.entries(docs.responseExamples ?? {})) {
        const [method, path] = key.split(' ') as [string, string];
        const media = document.paths[path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[method.toLowerCase()]?.responses[status]?.content?.['application/json'];
        expect({ key, status, names: Object.keys(media?.examples ?? {}) }).toEqual({ key, status, names: [...names] });
      }
    }
  });
});
