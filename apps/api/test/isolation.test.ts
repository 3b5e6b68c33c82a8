import { createHash, randomUUID } from 'node:crypto';
import { ErrorBody, RegisterToolBody, type Task } from '@mesh/core';
import { meshSimulatedResponders, retrieveRelevantMemory, runSubtask } from '@mesh/mesh';
import { ScriptedModel, startInProcessMesh, type InProcessMesh } from '@mesh/testing';
import { API_BASE_PATH, API_ROUTES } from '../src/routes/api-routes';
import type { RouteDefinition } from '../src/routes/route-definition';
import { KEY_A, KEY_B, startApiHarness, type ApiHarness } from './api-harness';
import { fillPath, hasBody, pathParams, routeKey, uuidsIn, validBody } from './route-fixtures';

/**
 * Two tenants, three networks each, every network with agents, a task run to completion and
 * memory (some of it word for word the same everywhere). Every route of the route table is called
 * with every combination of the caller's key and the ids of every network: anything not the
 * caller's own — another tenant's, or the caller's own id under the caller's other network —
 * answers 404 and changes nothing; what the caller may read holds only ids of its own scope.
 */

const TENANTS = { 'tenant-a': KEY_A, 'tenant-b': KEY_B } as const;
type TenantId = keyof typeof TENANTS;
const IDENTICAL = 'The launch code word is heliotrope and the budget is forty thousand';

interface NetworkFixture {
  tenant: TenantId;
  name: string;
  id: string;
  /** A completed task and a pending one. */
  taskIds: string[];
  agentId: string;
  /** A subtask of the completed task. */
  subtaskId: string;
  toolId: string;
  /** A request for a person about the pending task's plan. */
  approvalId: string;
  /** An evaluation run of one case in this network (its task: the completed one). */
  evalRunId: string;
  /** An attachment of the pending task (the same bytes in every network: one blob per tenant). */
  attachmentId: string;
  /** Every id that belongs to this network: itself, agents, tools, tasks, subtasks, memory. */
  scope: Set<string>;
}

let h: ApiHarness;
let mesh: InProcessMesh;
const networks: NetworkFixture[] = [];

async function idsOf(sql: string, networkId: string): Promise<string[]> {
  return (await h.t.db.query<{ id: string }>(sql, [networkId])).rows.map((r) => r.id);
}

beforeAll(async () => {
  // No embedding job: it merges near-duplicate memories in the background, which would move the counts this test holds still.
  h = await startApiHarness('isolation', { MESH_RATE_LIMIT_PER_MINUTE: '0', MESH_EMBEDDING_BATCH: '0' });
  mesh = await startInProcessMesh(
    h.t,
    new ScriptedModel((req) => meshSimulatedResponders[req.schema?.name ?? '']!({ system: req.system, messages: req.messages, schemaName: req.schema?.name ?? '', seed: 3 })),
  );
  for (const tenant of Object.keys(TENANTS) as TenantId[]) {
    for (const n of [1, 2, 3]) {
      const name = `${tenant} network ${n}`;
      const id = await mesh.createNetwork({ name }, tenant);
      networks.push({ tenant, name, id, taskIds: [], agentId: '', subtaskId: '', toolId: '', approvalId: '', evalRunId: '', attachmentId: '', scope: new Set() });
    }
  }
  // Memory: the same words in every network, and words of its own.
  for (const net of networks) {
    await h.deps.store.memory.add(net.tenant, net.id, { memory_type: 'fact', content: IDENTICAL, confidence: 1 });
    await h.deps.store.memory.add(net.tenant, net.id, { memory_type: 'decision', content: `Only ${net.name} knows this launch detail`, confidence: 1 });
  }
  // A registered tool per network, with the same name everywhere.
  const toolRoute = API_ROUTES.find((r) => routeKey(r) === 'POST /networks/:network_id/tools')!;
  for (const net of networks) {
    const spec = RegisterToolBody.parse({ tool: { ...(validBody(toolRoute).tool as object), name: 'weather' } }).tool;
    net.toolId = (await h.deps.store.tools.create(net.tenant, net.id, { spec, tools: [] })).id;
  }
  // A task per network run to completion by the mesh (subtasks, results, agent memories), and one left pending.
  const runs = await Promise.all(networks.map(async (net) => mesh.submit(net.id, { task: `Plan the launch email for ${net.name}`, context: { secret: `${net.name} context` } }, net.tenant)));
  const finished = await Promise.all(runs.map((taskId, i) => mesh.waitForTask(taskId, 30_000, networks[i]!.tenant)));
  expect(finished.map((t) => t.status)).toEqual(networks.map(() => 'completed'));
  for (const [i, net] of networks.entries()) {
    const bytes = Buffer.from(IDENTICAL);
    const attachment = { name: 'brief.pdf', mediaType: 'application/pdf' as const, data: bytes, sha256: createHash('sha256').update(bytes).digest('hex'), pages: null, width: null, height: null, durationMs: null };
    const pending = await h.deps.store.tasks.create(net.tenant, net.id, { task: `Pending work of ${net.name}`, context: {}, priority: 5, process: false }, { attachments: [attachment] });
    net.taskIds = [runs[i]!, pending!.id];
    net.attachmentId = pending!.attachments[0]!.attachment_id;
    const subject = { iteration: 1, reasoning: `The plan of ${net.name}`, subtasks: [{ key: 'copy', agent_type: 'content', description: 'Write', depends_on: [] }] };
    net.approvalId = (await h.deps.store.approvals.requestForTask({ tenantId: net.tenant, taskId: pending!.id, key: 'plan:1', kind: 'plan', subject })).approval.id;
    const evalCase = { caseId: 'launch', networkId: net.id, spec: { task: `Evaluate ${net.name}`, context: {}, assertions: [{ type: 'contains' as const, value: 'launch' }], rubric: null } };
    net.evalRunId = (await h.deps.store.evals.create(net.tenant, { label: `Only ${net.name} knows this run`, cases: [evalCase] })).eval_run_id;
    await h.deps.store.evals.linkTask(net.tenant, net.evalRunId, 'launch', runs[i]!);
  }
  // Each completed task's model calls as the call inspector stores them (the scripted model records none), naming the network's memory.
  for (const net of networks) {
    const taskId = net.taskIds[0]!;
    const memoryId = (await idsOf('SELECT id FROM memory_items WHERE network_id = $1 ORDER BY created_at LIMIT 1', net.id))[0]!;
    const callId = randomUUID();
    const owner = { tenantId: net.tenant, networkId: net.id, taskId };
    await h.deps.store.llmCalls.record(
      [{ ...owner, callId, purpose: 'plan', kind: 'call', startedAt: new Date().toISOString(), provider: 'simulated', model: 'mesh', chainPosition: 0, attempt: 1, latencyMs: 5, inputTokens: 10, outputTokens: 5, costUsd: 0, outcome: 'success' }],
      { ...owner, callId, system: `The coordinator of ${net.name}`, messages: [{ role: 'user', content: `Plan for ${net.name}` }], annotations: { memory: [{ id: memoryId, memory_type: 'fact', content: IDENTICAL }], iteration: 1 }, output: '{}', toolCalls: null },
    );
  }
  // Feedback on each completed task's first subtask, and the agent type's lessons citing it.
  for (const net of networks) {
    const [subtask] = await h.deps.store.subtasks.forTask(net.taskIds[0]!);
    const { feedback } = await h.deps.store.feedback.create({
      tenantId: net.tenant,
      networkId: net.id,
      taskId: net.taskIds[0]!,
      subtaskId: subtask!.id,
      agentType: subtask!.agent_type,
      rating: 2,
      comment: `Only ${net.name} knows this feedback`,
      correction: null,
    });
    await h.deps.store.lessons.put(net.tenant, net.id, subtask!.agent_type, [{ text: `Only ${net.name} knows this lesson`, sources: [feedback.feedback_id] }]);
  }
  for (const net of networks) {
    const agents = await idsOf(`SELECT id FROM agents WHERE network_id = $1 AND type <> 'coordinator' ORDER BY created_at`, net.id);
    net.agentId = agents[0]!;
    net.subtaskId = (await idsOf('SELECT id FROM subtasks WHERE network_id = $1 ORDER BY created_at LIMIT 1', net.id))[0]!;
    net.scope = new Set([
      net.id,
      ...agents,
      ...(await idsOf('SELECT id FROM agents WHERE network_id = $1', net.id)),
      ...(await idsOf('SELECT id FROM tools WHERE network_id = $1', net.id)),
      ...(await idsOf('SELECT id FROM tasks WHERE network_id = $1', net.id)),
      ...(await idsOf('SELECT id FROM subtasks WHERE network_id = $1', net.id)),
      ...(await idsOf('SELECT id FROM memory_items WHERE network_id = $1', net.id)),
      ...(await idsOf('SELECT id FROM approvals WHERE network_id = $1', net.id)),
      ...(await idsOf('SELECT id FROM attachments WHERE network_id = $1', net.id)),
      ...(await idsOf('SELECT call_id AS id FROM llm_call_details WHERE network_id = $1', net.id)),
      ...(await idsOf('SELECT id FROM feedback WHERE network_id = $1', net.id)),
      ...(await idsOf('SELECT DISTINCT run_id AS id FROM eval_results WHERE network_id = $1', net.id)),
    ]);
  }
}, 90_000);
afterAll(async () => {
  await mesh?.close();
  await h?.close();
});

const tenantScope = (tenant: TenantId) => new Set(networks.filter((n) => n.tenant === tenant).flatMap((n) => [...n.scope]));
const foreignIds = (allowed: Set<string>) => new Set(networks.flatMap((n) => [...n.scope]).filter((id) => !allowed.has(id)));

async function rowCounts(): Promise<string> {
  const { rows } = await h.t.db.query(
    `SELECT (SELECT count(*) FROM networks) n, (SELECT count(*) FROM agents) a, (SELECT count(*) FROM tasks) t, (SELECT count(*) FROM subtasks) s,
            (SELECT count(*) FROM memory_items) m, (SELECT count(*) FROM tools) tl, (SELECT count(*) FROM feedback) fb, (SELECT count(*) FROM agent_lessons) ls, (SELECT string_agg(status, ',' ORDER BY id) FROM tasks) st,
            (SELECT string_agg(status, ',' ORDER BY id) FROM approvals) ap, (SELECT string_agg(name || ':' || description, ',' ORDER BY id) FROM networks) nd`,
  );
  return JSON.stringify(rows[0]);
}

interface Attempt {
  key: string;
  tenant: TenantId;
  ids: Record<string, string>;
  /** The caller owns the network and every other id belongs to that network. */
  own: boolean;
  network?: NetworkFixture;
}

/** Every combination of caller and ids for a route's path parameters. */
function attemptsFor(route: RouteDefinition): Attempt[] {
  const params = pathParams(route);
  const attempts: Attempt[] = [];
  for (const [tenant, key] of Object.entries(TENANTS) as [TenantId, string][]) {
    if (params.length === 0) {
      attempts.push({ key, tenant, ids: {}, own: true });
      continue;
    }
    for (const net of networks) {
      let combos: { ids: Record<string, string>; sameNetwork: boolean }[] = [{ ids: { network_id: net.id }, sameNetwork: true }];
      for (const param of params.filter((p) => p !== 'network_id')) {
        const choices = networks.flatMap((other) => {
          if (param === 'task_id') return other.taskIds.map((id) => ({ id, same: other === net }));
          if (param === 'agent_id') return [{ id: other.agentId, same: other === net }];
          if (param === 'subtask_id') return [{ id: other.subtaskId, same: other === net }];
          if (param === 'tool_id') return [{ id: other.toolId, same: other === net }];
          if (param === 'approval_id') return [{ id: other.approvalId, same: other === net }];
          // An attachment is its task's: own only with the pending task it belongs to.
          if (param === 'attachment_id') return [{ id: other.attachmentId, same: other === net, taskId: other.taskIds[1] }];
          // An evaluation run is the tenant's (its cases may span networks): any run of the caller's is its own.
          if (param === 'eval_run_id') return [{ id: other.evalRunId, same: other.tenant === tenant }];
          throw new Error(`No fixture ids for :${param} of ${routeKey(route)}: add them to isolation.test.ts`);
        });
        combos = combos.flatMap((c) =>
          choices.map((choice: { id: string; same: boolean; taskId?: string }) => ({
            ids: { ...c.ids, [param]: choice.id },
            sameNetwork: c.sameNetwork && choice.same && (choice.taskId === undefined || c.ids.task_id === choice.taskId),
          })),
        );
      }
      // A route without a network in its path ignores network_id: its own ids alone decide.
      const ownNetwork = !route.path.includes(':network_id') || net.tenant === tenant;
      for (const combo of combos) attempts.push({ key, tenant, ids: combo.ids, own: ownNetwork && combo.sameNetwork, network: net });
    }
  }
  return attempts;
}

/** An event stream's text up to its end, or up to its first event (the snapshot) for a task that has not ended. */
async function readStream(res: Response, controller: AbortController): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      if (/event: end\n/.test(text) && text.endsWith('\n\n')) break;
      if (/data: .*\n\n/.test(text) && !text.includes('event: end')) {
        await new Promise((r) => setTimeout(r, 100)); // what follows the snapshot at once, if anything
        controller.abort();
      }
    }
  } catch {
    // aborted after the snapshot
  }
  controller.abort();
  return text;
}

async function call(route: RouteDefinition, attempt: Attempt, query = ''): Promise<{ status: number; text: string; body: unknown }> {
  const body = hasBody(route) ? JSON.stringify(validBody(route)) : undefined;
  const controller = new AbortController();
  const res = await fetch(`${h.url}${API_BASE_PATH}${fillPath(route, attempt.ids)}${query}`, {
    method: route.method.toUpperCase(),
    headers: { authorization: `Bearer ${attempt.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body } : {}),
    signal: controller.signal,
  });
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream')) {
    const text = await readStream(res, controller);
    const frames = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as unknown);
    return { status: res.status, text, body: frames };
  }
  const text = await res.text();
  return { status: res.status, text, body: type.includes('application/json') ? JSON.parse(text) : text };
}

/** Query strings a GET route is also read with: a relevance search for the identical memory, a status filter; two of the caller's own evaluation runs for a comparison. */
function readQueries(route: RouteDefinition, attempt: Attempt): string[] {
  if (route.query.safeParse({ a: randomUUID(), b: randomUUID() }).success && !route.query.safeParse({}).success) {
    const [a, b] = networks.filter((n) => n.tenant === attempt.tenant).map((n) => n.evalRunId);
    return [`?a=${a}&b=${b}`];
  }
  const queries = [''];
  if (route.query.safeParse({ query: IDENTICAL }).success) queries.push(`?query=${encodeURIComponent(IDENTICAL)}`, '?query=launch');
  if (route.query.safeParse({ status: 'completed' }).success) queries.push('?status=completed');
  return queries;
}

/** Operator routes answer 403 to every key while MESH_ADMIN_TENANTS is unset (checked below; their own suite is budgets.test.ts). */
const isOperatorRoute = (r: RouteDefinition) => r.path.startsWith('/admin/');
const authedRoutes = API_ROUTES.filter((r) => r.auth && !isOperatorRoute(r));

describe('tenant and network isolation over the route table', () => {
  it('has fixtures for every route with ids, and every network has its own data', () => {
    expect(networks).toHaveLength(6);
    for (const net of networks) expect(net.scope.size).toBeGreaterThan(10);
    for (const route of authedRoutes) expect(attemptsFor(route).length).toBeGreaterThan(0);
  });

  describe.each(authedRoutes.map((r) => [routeKey(r), r] as const))('%s', (_name, route) => {
    it('answers 404 to every foreign id combination and changes nothing; own reads hold only own ids', async () => {
      const attempts = attemptsFor(route);
      const foreign = attempts.filter((a) => !a.own);
      const problems: string[] = [];
      const before = await rowCounts();
      // In parallel batches: none of them may change anything, so their order does not matter.
      for (let i = 0; i < foreign.length; i += 16) {
        await Promise.all(
          foreign.slice(i, i + 16).map(async (attempt) => {
            const res = await call(route, attempt);
            if (res.status !== 404 || !ErrorBody.safeParse(res.body).success || (res.body as ErrorBody).error.code !== 'not_found') {
              problems.push(`${attempt.tenant} ${JSON.stringify(attempt.ids)}: ${res.status} ${res.text.slice(0, 160)}`);
            }
          }),
        );
      }
      expect(problems).toEqual([]);
      expect(await rowCounts()).toBe(before);
      if (pathParams(route).length > 0) expect(foreign.length).toBeGreaterThan(0);

      // Reads of the caller's own: 200, and not one id of another tenant or another network in them.
      if (route.method !== 'get') return;
      for (const attempt of attempts.filter((a) => a.own)) {
        // A route without a network in its path reads across the tenant's networks.
        const allowed = attempt.network && route.path.includes(':network_id') ? attempt.network.scope : tenantScope(attempt.tenant);
        const forbidden = foreignIds(allowed);
        for (const query of readQueries(route, attempt)) {
          const res = await call(route, attempt, query);
          expect({ route: routeKey(route), query, status: res.status }).toEqual({ route: routeKey(route), query, status: 200 });
          const leaked = [...uuidsIn(res.body)].filter((id) => forbidden.has(id));
          expect({ route: routeKey(route), tenant: attempt.tenant, query, leaked }).toEqual({ route: routeKey(route), tenant: attempt.tenant, query, leaked: [] });
          // The foreign networks' own words never show either.
          for (const other of networks.filter((n) => !allowed.has(n.id))) expect(res.text).not.toContain(`Only ${other.name} knows`);
        }
      }
    }, 60_000);
  });

  it('refuses the operator routes to every tenant while MESH_ADMIN_TENANTS is unset, changing nothing', async () => {
    const before = await rowCounts();
    for (const route of API_ROUTES.filter(isOperatorRoute)) {
      for (const [tenant, key] of Object.entries(TENANTS) as [TenantId, string][]) {
        const ids = { budget_id: networks[0]!.id };
        const res = await call(route, { key, tenant, ids, own: false });
        expect({ route: routeKey(route), tenant, status: res.status }).toEqual({ route: routeKey(route), tenant, status: 403 });
      }
    }
    expect(await rowCounts()).toBe(before);
  });

  it('lists and searches show each tenant and network exactly its own', async () => {
    for (const [tenant, key] of Object.entries(TENANTS) as [TenantId, string][]) {
      const list = await h.call('GET', '/networks?limit=200', { key });
      expect(list.body.networks.map((n: { id: string }) => n.id).sort()).toEqual(networks.filter((n) => n.tenant === tenant).map((n) => n.id).sort());
      expect(list.body.total).toBe(3);
    }
    for (const net of networks) {
      const key = TENANTS[net.tenant];
      const search = await h.call('GET', `/networks/${net.id}/memory?query=${encodeURIComponent(IDENTICAL)}&limit=200`, { key });
      const contents = search.body.memory.map((m: { content: string }) => m.content);
      expect(contents.filter((c: string) => c === IDENTICAL)).toHaveLength(1);
      expect(search.body.memory.every((m: { network_id: string }) => m.network_id === net.id)).toBe(true);
      const tasks = await h.call('GET', `/networks/${net.id}/tasks?limit=200`, { key });
      expect(tasks.body.tasks.map((t: Task) => t.id).sort()).toEqual([...net.taskIds].sort());
    }
  });

  it('never streams another tenant’s or network’s task events', async () => {
    const route = API_ROUTES.find((r) => r.method === 'get' && r.path.endsWith('/events'));
    // The SSE route is in the table: the route-table sweep above covered it; this checks the stream content too.
    expect(route).toBeDefined();
    const [a1, a2] = networks.filter((n) => n.tenant === 'tenant-a');
    const own = await call(route!, { key: KEY_A, tenant: 'tenant-a', ids: { network_id: a1!.id, task_id: a1!.taskIds[0]! }, own: true });
    expect(own.status).toBe(200);
    const frames = own.body as { id?: string; task_id?: string }[];
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames.every((f) => (f.id ?? f.task_id) === a1!.taskIds[0])).toBe(true);
    const crossNetwork = await call(route!, { key: KEY_A, tenant: 'tenant-a', ids: { network_id: a1!.id, task_id: a2!.taskIds[0]! }, own: false });
    expect(crossNetwork.status).toBe(404);
    expect(crossNetwork.text).not.toContain('event:');
  });

  it('engine memory retrieval returns only the network’s own items, even with identical text', async () => {
    for (const net of networks) {
      const got = await retrieveRelevantMemory(h.t.store.memory, { tenantId: net.tenant, networkId: net.id, text: IDENTICAL, tokenBudget: 100_000, candidates: 1000 });
      expect(got.items.length).toBeGreaterThan(0);
      expect(got.items.every((m) => m.network_id === net.id && m.tenant_id === net.tenant)).toBe(true);
      expect(got.items.filter((m) => m.content === IDENTICAL)).toHaveLength(1);
      // Another tenant asking for this network's memory gets nothing at all.
      const otherTenant = net.tenant === 'tenant-a' ? 'tenant-b' : 'tenant-a';
      const cross = await retrieveRelevantMemory(h.t.store.memory, { tenantId: otherTenant, networkId: net.id, text: IDENTICAL, tokenBudget: 100_000, candidates: 1000 });
      expect(cross.items).toEqual([]);
    }
  });

  it('a worker re-checks a subtask job’s tenant: a job naming another tenant runs nothing', async () => {
    const [a1] = networks;
    const subtask = (await h.t.db.query<{ id: string; task_id: string }>('SELECT id, task_id FROM subtasks WHERE network_id = $1 LIMIT 1', [a1!.id])).rows[0]!;
    const before = await rowCounts();
    const outcome = await runSubtask(mesh.engine, { tenantId: 'tenant-b', taskId: subtask.task_id, subtaskId: subtask.id }, { attemptsMade: 0, attempts: 1 });
    expect(outcome).toBe('skipped');
    expect(await rowCounts()).toBe(before);
  });
});
