import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiDocument } from '../src/openapi/openapi-document';
import { API_BASE_PATH, API_ROUTES } from '../src/routes/api-routes';
import { SEED, startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
const AUTH = { authorization: `Basic ${Buffer.from('docs:key-tenant-a-123').toString('base64')}` };
let served: OpenApiDocument;
beforeAll(async () => {
  h = await startApiHarness('api-openapi');
  // The document and the docs page need a key like every route but health.
  expect((await fetch(`${h.url}${API_BASE_PATH}/openapi.json`)).status).toBe(401);
  expect((await fetch(`${h.url}${API_BASE_PATH}/docs`)).status).toBe(401);
  const res = await fetch(`${h.url}${API_BASE_PATH}/openapi.json`, { headers: AUTH });
  expect(res.status).toBe(200);
  served = (await res.json()) as OpenApiDocument;
});
afterAll(async () => {
  await h.close();
});

/**
 * Validates documents with @seriousme/openapi-schema-validator (ESM) in a child Node process.
 * Asynchronously: a blocked event loop would let the in-process server's keep-alive timer and
 * the client's reuse of the same socket race (ECONNRESET on the next request).
 */
async function validateWithValidator(documents: unknown[]): Promise<{ valid: boolean; errors?: unknown }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    const file = join(dir, 'documents.json');
    writeFileSync(file, JSON.stringify(documents));
    const script = `
      import { readFileSync } from 'node:fs';
      import { Validator } from '@seriousme/openapi-schema-validator';
      const results = [];
      for (const document of JSON.parse(readFileSync(process.argv[1], 'utf8'))) results.push(await new Validator().validate(document));
      process.stdout.write(JSON.stringify(results));`;
    const { stdout: out } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, file], { cwd: join(__dirname, '..'), encoding: 'utf8' });
    return JSON.parse(out) as { valid: boolean; errors?: unknown }[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every `$ref` in the document, with where it was found. */
function refsOf(value: unknown, at = '#'): { at: string; ref: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => refsOf(v, `${at}/${i}`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [{ at, ref: v }] : refsOf(v, `${at}/${k}`)));
  }
  return [];
}

function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), document);
}

const keysOf = (schema: z.ZodType) => {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
  return Object.keys(json.properties ?? {}).sort();
};

describe('OpenAPI document', () => {
  it('needs an API key, and is served exactly as generated from the route table', async () => {
    expect((await fetch(`${h.url}${API_BASE_PATH}/openapi.json`)).status).toBe(401);
    expect(served).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(API_ROUTES, { basePath: API_BASE_PATH, version: h.deps.version }))));
    expect(served.openapi).toBe('3.1.0');
    expect(served.servers).toEqual([{ url: API_BASE_PATH }]);
  });

  it('validates against the OpenAPI 3.1 schema (and the validator does reject a broken document)', async () => {
    const broken = JSON.parse(JSON.stringify(served)) as OpenApiDocument;
    delete (broken.paths['/networks']!['post']!.responses['201'] as { description?: string }).description;
    const [valid, invalid] = await validateWithValidator([served, broken]);
    expect(valid).toEqual({ valid: true });
    expect(invalid?.valid).toBe(false);
  });

  it('covers every route with its method, parameters, request body, responses and security', () => {
    const operations = Object.values(served.paths).flatMap((methods) => Object.keys(methods));
    expect(operations).toHaveLength(API_ROUTES.length);
    const ids = new Set<string>();
    for (const route of API_ROUTES) {
      const path = route.path.replace(/:([a-z_]+)/g, '{$1}');
      const operation = served.paths[path]?.[route.method];
      expect({ route: `${route.method} ${route.path}`, found: operation !== undefined }).toEqual({ route: `${route.method} ${route.path}`, found: true });
      if (!operation) continue;
      ids.add(operation.operationId);
      const parameters = operation.parameters ?? [];
      expect(parameters.filter((p) => p.in === 'path').map((p) => p.name).sort()).toEqual(keysOf(route.params));
      expect(parameters.filter((p) => p.in === 'path').every((p) => p.required)).toBe(true);
      expect(parameters.filter((p) => p.in === 'query').map((p) => p.name).sort()).toEqual(keysOf(route.query));
      expect(operation.requestBody !== undefined).toBe(route.body !== undefined);
      if (operation.requestBody) expect(operation.requestBody.required).toBe(route.bodyRequired);
      const statuses = Object.keys(operation.responses).sort();
      const expected = [...Object.keys(route.responses), ...route.errors.map(String), ...(route.auth ? ['401', '429'] : []), '500'];
      expect(statuses).toEqual([...new Set(expected)].sort());
      for (const [status, spec] of Object.entries(route.responses)) {
        expect(Object.keys(operation.responses[status]?.content ?? {})).toEqual(spec.schema === null ? [] : [spec.contentType ?? 'application/json']);
      }
      expect(operation.security).toEqual(route.auth ? undefined : []);
    }
    expect(ids.size).toBe(API_ROUTES.length);
    expect(served.paths['/networks/{network_id}/tasks/{task_id}/events']?.['get']?.responses['200']?.content).toHaveProperty('text/event-stream');
  });

  it('has every $ref resolve, and its schemas accept what the API really sends and takes', async () => {
    const refs = refsOf(served);
    expect(refs.length).toBeGreaterThan(20);
    for (const { at, ref } of refs) expect({ at, ref, resolved: resolvePointer(served, ref) !== undefined }).toEqual({ at, ref, resolved: true });

    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'https://mesh.test/openapi.json', components: served.components });
    const check = (name: string, value: unknown) => {
      const validate = ajv.getSchema(`https://mesh.test/openapi.json#/components/schemas/${name}`);
      if (!validate) throw new Error(`no schema ${name}`);
      expect({ name, valid: validate(value), errors: validate.errors ?? null }).toEqual({ name, valid: true, errors: null });
    };
    const network = await h.call('POST', '/networks', { json: SEED.network });
    check('Network', network.body);
    check('CreateNetworkBody', SEED.network);
    check('SubmitTaskBody', SEED.task);
    check('AddAgentBody', SEED.seoAgent);
    const task = await h.call('POST', `/networks/${network.body.id}/tasks`, { json: SEED.task });
    check('Task', task.body);
    check('TaskList', (await h.call('GET', `/networks/${network.body.id}/tasks`)).body);
    check('Health', (await h.call('GET', '/health', { key: null })).body);
    check('ErrorBody', (await h.call('GET', `/networks/${network.body.id}/tasks/not-a-uuid`)).body);
    const tool = { tool: { kind: 'http', name: 'weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, request: { method: 'GET', url: 'https://weather.example.com/{city}' } } };
    check('RegisterToolBody', tool);
    const registered = await h.call('POST', `/networks/${network.body.id}/tools`, { json: tool });
    expect(registered.status).toBe(201);
    check('RegisteredToolAnswer', registered.body);
    check('ToolView', (await h.call('GET', `/networks/${network.body.id}/tools/${registered.body.id}`)).body);
    check('ToolList', (await h.call('GET', `/networks/${network.body.id}/tools`)).body);
    const invalid = ajv.getSchema('https://mesh.test/openapi.json#/components/schemas/SubmitTaskBody');
    expect(invalid?.({ task: 'x', tenant_id: 'someone-else' })).toBe(false);
  });
});

