import { randomUUID } from 'node:crypto';
import { ErrorBody, NetworkList } from '@mesh/core';
import { API_ROUTES } from '../src/routes/api-routes';
import { KEY_B, SEED, startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('api-auth');
});
afterAll(async () => {
  await h.close();
});

/** A route path with every `:param` filled. */
const fill = (path: string, value: (name: string) => string) => path.replace(/:([a-z_]+)/g, (_m, name: string) => value(name));
const expressMethod = (method: string) => method.toUpperCase();

describe('authentication', () => {
  it('answers 401 on every route but health without a valid key', async () => {
    const authed = API_ROUTES.filter((r) => r.auth);
    expect(authed.length).toBe(52);
    for (const route of authed) {
      const path = fill(route.path, () => randomUUID());
      for (const key of [null, 'wrong-key-123', '']) {
        const res = await h.call(expressMethod(route.method), path, { key, ...(route.method === 'post' || route.method === 'put' || route.method === 'patch' ? { json: {} } : {}) });
        expect({ route: route.path, key, status: res.status }).toEqual({ route: route.path, key, status: 401 });
        expect(ErrorBody.parse(res.body).error.code).toBe('unauthorized');
      }
    }
    expect(API_ROUTES.filter((r) => !r.auth).map((r) => r.path)).toEqual(['/health']);
  });

  it('accepts Authorization: Bearer (any case) and X-API-Key', async () => {
    expect((await h.call('GET', '/networks', { key: null, headers: { authorization: 'bearer key-tenant-a-123' } })).status).toBe(200);
    expect((await h.call('GET', '/networks', { key: null, headers: { 'x-api-key': 'key-tenant-a-123' } })).status).toBe(200);
    expect((await h.call('GET', '/networks', { key: null, headers: { authorization: 'Basic a2V5LXRlbmFudC1hLTEyMw==' } })).status).toBe(401);
    expect((await h.call('GET', '/networks', { key: 'key-tenant-a-12' })).status).toBe(401);
    expect((await h.call('GET', '/networks', { key: 'key-tenant-a-1234' })).status).toBe(401);
  });

  it('accepts hashed keys from the api_keys table, and not once revoked', async () => {
    const { id, key } = await h.deps.store.apiKeys.create('tenant-db', 'test');
    const created = await h.call('POST', '/networks', { key, json: { name: 'Stored key' } });
    expect(created.status).toBe(201);
    expect((await h.call('GET', `/networks/${created.body.id}`)).status).toBe(404);
    const { id: revokedId, key: revokedKey } = await h.deps.store.apiKeys.create('tenant-db', 'revoked');
    await h.deps.store.apiKeys.revoke(revokedId);
    expect((await h.call('GET', '/networks', { key: revokedKey })).status).toBe(401);
    expect(id).not.toBe(revokedId);
  });

  it('still requires a key when none is configured (development never runs open)', async () => {
    const open = await h.startVariant({ config: { ...h.deps.config, env: 'development', apiKeys: [] } });
    try {
      expect((await open.call('GET', '/networks', { key: null })).status).toBe(401);
      expect((await open.call('GET', '/networks')).status).toBe(401);
      const { key } = await h.deps.store.apiKeys.create('tenant-dev');
      expect((await open.call('GET', '/networks', { key })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('tenant isolation', () => {
  it("gives tenant B 404 on everything of tenant A, and never shows it in B's lists", async () => {
    const network = (await h.call('POST', '/networks', { json: SEED.network })).body;
    const task = (await h.call('POST', `/networks/${network.id}/tasks`, { json: SEED.task })).body;
    const memory = (await h.call('POST', `/networks/${network.id}/memory`, { json: { content: 'Tenant A secret: launch price is 99 dollars' } })).body;
    const agent = network.agents[1];
    const bNetwork = (await h.call('POST', '/networks', { key: KEY_B, json: { name: 'B' } })).body;
    await h.call('POST', `/networks/${bNetwork.id}/memory`, { key: KEY_B, json: { content: 'Tenant B note about launch price' } });

    const n = `/networks/${network.id}`;
    const attempts: [string, string, unknown?][] = [
      ['GET', n],
      ['DELETE', n],
      ['GET', `${n}/agents`],
      ['POST', `${n}/agents`, SEED.seoAgent],
      ['DELETE', `${n}/agents/${agent.id}`],
      ['GET', `${n}/tasks`],
      ['POST', `${n}/tasks`, SEED.task],
      ['GET', `${n}/tasks/${task.id}`],
      ['POST', `${n}/tasks/${task.id}/process`],
      ['POST', `${n}/tasks/${task.id}/cancel`],
      ['GET', `${n}/memory`],
      ['GET', `${n}/memory?query=launch`],
      ['POST', `${n}/memory`, { content: 'Injected by B' }],
      // A's task through B's own network.
      ['GET', `/networks/${bNetwork.id}/tasks/${task.id}`],
      ['POST', `/networks/${bNetwork.id}/tasks/${task.id}/process`],
      ['POST', `/networks/${bNetwork.id}/tasks/${task.id}/cancel`],
    ];
    for (const [method, path, json] of attempts) {
      const res = await h.call(method, path, { key: KEY_B, ...(json ? { json } : {}) });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect(res.body.error.code).toBe('not_found');
    }
    // Exactly like a missing one.
    const missing = await h.call('GET', `/networks/${randomUUID()}`, { key: KEY_B });
    expect(Object.keys(missing.body.error)).toEqual(Object.keys((await h.call('GET', n, { key: KEY_B })).body.error));

    const bList = NetworkList.parse((await h.call('GET', '/networks', { key: KEY_B })).body);
    expect(bList.networks.map((x) => x.id)).toEqual([bNetwork.id]);
    expect(bList.total).toBe(1);
    const bSearch = (await h.call('GET', `/networks/${bNetwork.id}/memory?query=launch%20price`, { key: KEY_B })).body;
    expect(bSearch.memory.map((m: { content: string }) => m.content)).toEqual(['Tenant B note about launch price']);

    // Nothing of A changed.
    const after = (await h.call('GET', n)).body;
    expect(after.agents).toHaveLength(5);
    expect(after.counts).toMatchObject({ tasks: 1, memory_items: 1 });
    expect((await h.call('GET', `${n}/tasks/${task.id}`)).body.status).toBe('pending');
    expect((await h.call('GET', `${n}/memory`)).body.memory.map((m: { id: string }) => m.id)).toEqual([memory.id]);
  });
});

describe('errors', () => {
  it('answers 400 (never 404) for a malformed id on every route with one', async () => {
    for (const route of API_ROUTES.filter((r) => r.path.includes(':'))) {
      const path = fill(route.path, () => 'not-a-uuid');
      const res = await h.call(expressMethod(route.method), path, route.method === 'post' || route.method === 'put' || route.method === 'patch' ? { json: {} } : {});
      expect({ route: route.path, status: res.status }).toEqual({ route: route.path, status: 400 });
      expect(res.body.error.code).toBe('validation_error');
    }
  });

  it('answers 404 in the error shape for unknown routes and methods', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/networks/x/y/z/w'],
      ['PUT', '/networks'],
      ['PATCH', '/networks'],
      ['PUT', `/networks/${randomUUID()}`],
    ] as const) {
      for (const key of [undefined, null]) {
        const res = await h.call(method, path, { key });
        expect(res.status).toBe(404);
        expect(ErrorBody.parse(res.body).error.code).toBe('not_found');
      }
    }
    const outside = await fetch(`${h.url}/elsewhere`);
    expect(outside.status).toBe(404);
    expect(ErrorBody.parse(await outside.json()).error.code).toBe('not_found');
  });

  it('answers 415 for a body that is not JSON and 400 for malformed JSON', async () => {
    const cases: [Record<string, string>, string, number][] = [
      [{ 'content-type': 'text/plain' }, JSON.stringify({ name: 'x' }), 415],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'name=x', 415],
      [{}, JSON.stringify({ name: 'x' }), 415],
      [{ 'content-type': 'application/json; charset=latin1' }, JSON.stringify({ name: 'x' }), 415],
      [{ 'content-type': 'application/json' }, '{"name": ', 400],
      [{ 'content-type': 'application/json' }, 'null', 400],
      [{ 'content-type': 'application/json' }, '', 400],
    ];
    const before = await h.count('networks');
    for (const [headers, raw, status] of cases) {
      const res = await h.call('POST', '/networks', { headers, raw });
      expect({ headers, raw, status: res.status }).toEqual({ headers, raw, status });
      ErrorBody.parse(res.body);
    }
    expect((await h.call('POST', '/networks', { headers: { 'content-type': 'application/json; charset=utf-8' }, raw: '{"name": "ok"}' })).status).toBe(201);
    expect(await h.count('networks')).toBe(before + 1);
  });

  it('answers 413 over the body limit', async () => {
    const before = await h.count('networks');
    const big = JSON.stringify({ name: 'Big', shared_context: { blob: 'x'.repeat(h.deps.config.http.bodyLimitBytes) } });
    const res = await h.call('POST', '/networks', { raw: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await h.count('networks')).toBe(before);
  });

  it('answers 500 without stack or SQL when something unexpected fails', async () => {
    const failure = new Error('relation "mesh.secret_table" does not exist: SELECT * FROM secret_table');
    const spy = jest.spyOn(h.deps.store.networks, 'list').mockRejectedValueOnce(failure);
    try {
      const res = await h.call('GET', '/networks');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
      expect(res.text).not.toMatch(/SELECT|secret_table|at .*\.ts|stack/i);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the per-tenant limit, other tenants unaffected', async () => {
    const limited = await h.startVariant({ config: { ...h.deps.config, limits: { ...h.deps.config.limits, requestsPerMinute: 3 } } });
    // Fresh tenants: the window counts every request of a tenant, whichever server answered it.
    const { key } = await h.deps.store.apiKeys.create('tenant-limited');
    const { key: otherKey } = await h.deps.store.apiKeys.create('tenant-not-limited');
    try {
      for (let i = 0; i < 3; i++) {
        const ok = await limited.call('GET', '/networks', { key });
        expect(ok.status).toBe(200);
        expect(ok.headers.get('ratelimit-remaining')).toBe(String(2 - i));
      }
      const refused = await limited.call('GET', '/networks', { key });
      expect(refused.status).toBe(429);
      expect(ErrorBody.parse(refused.body).error.code).toBe('rate_limited');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      const before = await h.count('networks');
      expect((await limited.call('POST', '/networks', { key, json: { name: 'Refused too' } })).status).toBe(429);
      expect(await h.count('networks')).toBe(before);
      expect((await limited.call('GET', '/networks', { key: otherKey })).status).toBe(200);
      // Health is never limited.
      expect((await limited.call('GET', '/health', { key: null })).status).not.toBe(429);
    } finally {
      await limited.close();
    }
  });
});
