// Walks through SEED.md's examples against a running API and prints each answer.
// Usage: node scripts/demo-client.mjs <base-url> <api-key> [<services-url>]
// With <services-url> (the example services of examples/integrations, started by scripts/demo),
// it also registers the Analytics service as an OpenAPI tool, gives the Analytics Specialist its
// tools and prints the calls the agent made and what the service saw.
import { readFileSync } from 'node:fs';

const [base = 'http://127.0.0.1:8080', key = 'demo-key-0123456789', services] = process.argv.slice(2);
const api = `${base}/api/mesh`;

const bold = (s) => `\x1b[1m${s}\x1b[0m`;
const dim = (s) => `\x1b[2m${s}\x1b[0m`;

async function call(method, path, body) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return { status: res.status, json };
}

function show(title, method, path, status, summary) {
  console.log(`\n${bold(title)}  ${dim(`${method} ${path} → ${status}`)}`);
  if (summary !== undefined) console.log(typeof summary === 'string' ? summary : JSON.stringify(summary, null, 2));
}

async function waitForHealth() {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${api}/health`);
      const body = await res.json();
      if (body.workers?.some((w) => w.kind === 'coordinator') && body.workers?.filter((w) => w.kind === 'worker').length >= 2) return body;
    } catch {}
    if (Date.now() > until) throw new Error('the API, coordinator and workers did not become ready within 60 s; see the logs');
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function waitForServices() {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${services}/healthz`)).ok) return;
    } catch {}
    if (Date.now() > until) throw new Error(`the example services did not answer at ${services}/healthz within 30 s; see services.log`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A tool result (JSON text, possibly truncated) on one line, cut to `max` characters. */
function oneLine(text, max = 400) {
  let line = text ?? '';
  try {
    line = JSON.stringify(JSON.parse(line));
  } catch {
    line = line.replace(/\s+/g, ' ');
  }
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const health = await waitForHealth();
show('Health', 'GET', '/health', 200, { status: health.status, redis: health.redis_connection, database: health.database_connection, llm: health.llm_client.mode, workers: health.workers.map((w) => `${w.kind} [${w.agent_types.join(', ') || '-'}]`) });

// A network per run would pile up: the earlier runs' demo networks go first.
const earlier = (await call('GET', '/networks?limit=200')).json.networks.filter((n) => n.name === 'Email Campaign Assistant');
for (const n of earlier) await call('DELETE', `/networks/${n.network_id}`);
if (earlier.length > 0) console.log(dim(`(removed ${earlier.length} network(s) of earlier demo runs)`));

const created = await call('POST', '/networks', {
  name: 'Email Campaign Assistant',
  description: 'AI network for creating and optimizing email campaigns',
  max_iterations: 10,
  timeout_seconds: 300,
});
const networkId = created.json.network_id;
show('Create a network', 'POST', '/networks', created.status, { network_id: networkId, agents: created.json.agents.map((a) => `${a.name} (${a.type})`) });

const list = await call('GET', '/networks');
show('List networks', 'GET', '/networks', list.status, `${list.json.total} network(s)`);

let analyticsTools = [];
if (services) {
  await waitForServices();
  // The document inline (the tool layer reads JSON), pointed at the running service; its API key
  // is a reference to the operator's MESH_SECRET_ANALYTICS_API_KEY, never the value.
  const document = JSON.parse(readFileSync(new URL('../examples/integrations/analytics.openapi.json', import.meta.url), 'utf8'));
  const registered = await call('POST', `/networks/${networkId}/tools`, {
    tool: {
      kind: 'openapi',
      name: 'analytics',
      description: "Maily's Analytics service: campaign metrics, audience benchmarks, reports",
      document,
      base_url: `${services}/analytics`,
      headers: { 'X-Api-Key': { secret: 'ANALYTICS_API_KEY' } },
    },
  });
  analyticsTools = registered.json.tools;
  show('Register the Analytics service (OpenAPI)', 'POST', `/networks/${networkId}/tools`, registered.status, {
    tool_id: registered.json.id,
    tools: analyticsTools.map((t) => `${t.name}${t.side_effects ? ' (side effects: sent with an Idempotency-Key)' : ''}`),
    headers: registered.json.spec.headers,
  });

  // A network keeps one agent per type: the default Analytics Specialist is replaced by one with tools.
  const analytics = created.json.agents.find((a) => a.type === 'analytics');
  if (analytics) await call('DELETE', `/networks/${networkId}/agents/${analytics.agent_id ?? analytics.id}`);
  const specialist = await call('POST', `/networks/${networkId}/agents`, {
    agent_config: {
      name: analytics?.name ?? 'Analytics Specialist',
      type: 'analytics',
      ...(analytics?.model ? { model: analytics.model } : {}),
      description: analytics?.description ?? 'Specializes in data analysis and performance insights',
      parameters: analytics?.parameters ?? { temperature: 0.2, max_tokens: 4000 },
      capabilities: analytics?.capabilities ?? ['metrics', 'ab_testing', 'performance_analysis'],
      tools: ['analytics.*'],
    },
  });
  show('Give the Analytics Specialist its tools', 'POST', `/networks/${networkId}/agents`, specialist.status, { agent_id: specialist.json.agent_id ?? specialist.json.id, type: specialist.json.type, tools: specialist.json.tools });
}

const seo = await call('POST', `/networks/${networkId}/agents`, {
  agent_config: {
    name: 'SEO Specialist',
    type: 'seo',
    model: 'claude-3-7-sonnet',
    description: 'Specializes in search engine optimization',
    parameters: { temperature: 0.4, max_tokens: 4000 },
    capabilities: ['keyword_analysis', 'seo_optimization', 'content_recommendations'],
  },
});
show('Add a custom agent', 'POST', `/networks/${networkId}/agents`, seo.status, { agent_id: seo.json.agent_id, type: seo.json.type, model: seo.json.model });

const memory = await call('POST', `/networks/${networkId}/memory`, {
  content: 'Tech professionals open emails most on Tuesday and Wednesday mornings',
  memory_type: 'fact',
  confidence: 0.9,
});
show('Add a memory item', 'POST', `/networks/${networkId}/memory`, memory.status, { memory_id: memory.json.memory_id, memory_type: memory.json.memory_type });

const submitted = await call('POST', `/networks/${networkId}/tasks`, {
  task: 'Create an email campaign for a new product launch targeting tech professionals',
  context: {
    product_name: 'TechPro X1',
    product_description: 'Advanced AI-powered development tool',
    target_audience: 'Software developers and IT professionals',
    key_features: ['AI code completion', 'Automated testing', 'Performance optimization'],
  },
  priority: 1,
});
const taskId = submitted.json.task_id;
show('Submit a task', 'POST', `/networks/${networkId}/tasks`, submitted.status, { task_id: taskId, status: submitted.json.status });

const processed = await call('POST', `/networks/${networkId}/tasks/${taskId}/process`);
show('Process the task', 'POST', `/networks/${networkId}/tasks/${taskId}/process`, processed.status, { status: processed.json.status });

const started = Date.now();
const done = await call('GET', `/networks/${networkId}/tasks/${taskId}?wait=120`);
const task = done.json;
show('Get the task result', 'GET', `/networks/${networkId}/tasks/${taskId}?wait=120`, done.status, {
  status: task.status,
  iterations: `${task.iterations} of ${task.max_iterations}`,
  simulated: task.simulated,
  usage: task.usage,
  waited_ms: Date.now() - started,
  ...(task.error ? { error: task.error } : {}),
});

if (task.subtasks?.length) {
  console.log(`\n${bold('Timeline')} ${dim('(per agent; bar = time the subtask ran)')}`);
  const t0 = Math.min(...task.subtasks.filter((s) => s.started_at).map((s) => Date.parse(s.started_at)), Date.parse(task.started_at ?? task.created_at));
  const t1 = Math.max(...task.subtasks.filter((s) => s.finished_at).map((s) => Date.parse(s.finished_at)), t0 + 1);
  const width = 40;
  for (const s of task.subtasks) {
    const a = s.started_at ? Math.round(((Date.parse(s.started_at) - t0) / (t1 - t0)) * width) : 0;
    const b = s.finished_at ? Math.max(a + 1, Math.round(((Date.parse(s.finished_at) - t0) / (t1 - t0)) * width)) : a + 1;
    const bar = ' '.repeat(a) + '█'.repeat(b - a) + ' '.repeat(Math.max(0, width - b));
    console.log(`  it${s.iteration} ${s.agent_type.padEnd(16)} |${bar}| ${String(s.duration_ms ?? '-').padStart(5)} ms  ${s.status.padEnd(9)} ${dim(`${s.model ?? ''} ${s.worker_id ?? ''}`)}`);
  }
}

const toolCalls = (task.subtasks ?? []).flatMap((s) => (s.tool_calls ?? []).map((c) => ({ ...c, agent: s.agent_type })));
if (services) {
  const sideEffects = new Set(analyticsTools.filter((t) => t.side_effects).map((t) => t.name));
  console.log(`\n${bold('Tool calls')} ${dim('(subtasks[].tool_calls: recorded before each call ran and when it ended)')}`);
  if (toolCalls.length === 0) console.log('  none');
  for (const c of toolCalls) {
    console.log(`  ${c.agent.padEnd(16)} ${c.tool}  ${c.status}  ${c.duration_ms ?? '-'} ms${sideEffects.has(c.tool) ? dim(`  Idempotency-Key ${c.idempotency_key}`) : ''}`);
    console.log(`    ${dim('arguments')} ${oneLine(JSON.stringify(c.arguments), 300)}`);
    console.log(`    ${dim(c.error ? 'error    ' : 'returned ')} ${oneLine(c.error ?? c.result)}`);
  }
  const seen = await (await fetch(`${services}/_requests`)).json();
  const mine = seen.requests.filter((r) => r.service === 'analytics');
  show('What the Analytics service saw', 'GET', `${services}/_requests`, 200, mine.map((r) => `${r.method} ${r.path} → ${r.status}${r.idempotency_key ? `  Idempotency-Key ${r.idempotency_key}${r.replayed ? ' (a repeat: answered from its first response)' : ''}` : ''}`).join('\n') || 'no requests');
}

if (task.result) {
  console.log(`\n${bold('Result')} ${dim(`(confidence ${task.result.confidence})`)}\n`);
  console.log(task.result.content);
  console.log(`\n${dim(task.result.explanation)}`);
}

const mem = await call('GET', `/networks/${networkId}/memory?limit=5`);
show('Shared memory (newest 5)', 'GET', `/networks/${networkId}/memory?limit=5`, mem.status, mem.json.memory.map((m) => `[${m.memory_type}] ${m.content.slice(0, 100)}`).join('\n'));

const tasks = await call('GET', `/networks/${networkId}/tasks`);
show('List tasks', 'GET', `/networks/${networkId}/tasks`, tasks.status, `${tasks.json.total} task(s): ${tasks.json.tasks.map((t) => t.status).join(', ')}`);

if (task.status !== 'completed') {
  console.error(`\nThe task ended ${task.status}${task.error ? `: ${task.error}` : ''}`);
  process.exit(1);
}
if (services && !toolCalls.some((c) => c.agent === 'analytics' && c.status === 'completed')) {
  console.error('\nThe Analytics Specialist made no successful tool call: see worker-*.log and services.log');
  process.exit(1);
}

// A person in the loop: the plan and the result wait for a decision; the task holds nothing meanwhile.
const patched = await call('PATCH', `/networks/${networkId}`, { approvals: { plan: true, result: true } });
show('Ask a person before plans and results', 'PATCH', `/networks/${networkId}`, patched.status, patched.json.approvals);
const reviewed = await call('POST', `/networks/${networkId}/tasks`, { task: 'Write the subject line of the TechPro X1 launch email', process: true });
const reviewedId = reviewed.json.task_id;

/** The task's next pending request of `kind`, polled (a client would listen to the task's event stream instead). */
async function nextPending(kind) {
  for (let i = 0; i < 600; i++) {
    const { json } = await call('GET', `/networks/${networkId}/tasks/${reviewedId}/approvals`);
    const found = json.approvals.find((a) => a.status === 'pending' && a.kind === kind);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${kind} approval appeared for task ${reviewedId}`);
}

const planRequest = await nextPending('plan');
const waitingTask = await call('GET', `/networks/${networkId}/tasks/${reviewedId}`);
show(`The plan waits for a person (task ${waitingTask.json.status})`, 'GET', `/networks/${networkId}/tasks/${reviewedId}/approvals`, 200, planRequest.subject.subtasks.map((s) => `  ${s.key} (${s.agent_type}): ${s.description.slice(0, 90)}`).join('\n'));
const keep = planRequest.subject.subtasks.filter((s) => s.agent_type === 'content').slice(0, 1);
const planDecision = await call('POST', `/networks/${networkId}/approvals/${planRequest.approval_id}`, {
  decision: 'approve',
  comment: 'Only the copywriter for a subject line',
  decided_by: 'demo',
  ...(keep.length > 0 ? { edits: { subtasks: keep } } : {}),
});
show('Approve it, keeping only the content subtask', 'POST', `/networks/${networkId}/approvals/${planRequest.approval_id}`, planDecision.status, `${planDecision.json.status} by ${planDecision.json.decided_by}`);
// Later plans (if the coordinator plans again) are approved as they come, until the result is asked about.
let resultRequest;
const resultBy = Date.now() + 60_000;
while (!resultRequest) {
  if (Date.now() > resultBy) throw new Error(`no result approval appeared for task ${reviewedId}`);
  const { json } = await call('GET', `/networks/${networkId}/tasks/${reviewedId}/approvals`);
  const open = json.approvals.find((a) => a.status === 'pending');
  if (open?.kind === 'result') resultRequest = open;
  else if (open) await call('POST', `/networks/${networkId}/approvals/${open.approval_id}`, { decision: 'approve', decided_by: 'demo' });
  else await new Promise((r) => setTimeout(r, 100));
}
show('The result waits for a person', 'GET', `/networks/${networkId}/tasks/${reviewedId}/approvals`, 200, oneLine(resultRequest.subject.result.content, 300));
const resultDecision = await call('POST', `/networks/${networkId}/approvals/${resultRequest.approval_id}`, {
  decision: 'approve',
  decided_by: 'demo',
  edits: { content: 'TechPro X1: write code with an AI at your side' },
});
show('Approve it with an edit', 'POST', `/networks/${networkId}/approvals/${resultRequest.approval_id}`, resultDecision.status, resultDecision.json.status);
const reviewedDone = (await call('GET', `/networks/${networkId}/tasks/${reviewedId}?wait=60`)).json;
show('The reviewed task', 'GET', `/networks/${networkId}/tasks/${reviewedId}`, 200, `${reviewedDone.status}: ${reviewedDone.result?.content ?? reviewedDone.error} (waited ${reviewedDone.waited_ms} ms for people, not counted against its timeout)`);
if (reviewedDone.status !== 'completed') process.exit(1);

console.log(`\n${bold('Done.')} The task completed through the API, the coordinator and two worker processes${services ? ', and the Analytics Specialist called the Analytics service' : ''}; a second one waited for a person twice and completed with their edit.`);
