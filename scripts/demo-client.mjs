// Walks through SEED.md's examples against a running API and prints each answer.
// Usage: node scripts/demo-client.mjs <base-url> <api-key>
const [base = 'http://127.0.0.1:8080', key = 'demo-key-0123456789'] = process.argv.slice(2);
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

const health = await waitForHealth();
show('Health', 'GET', '/health', 200, { status: health.status, redis: health.redis_connection, database: health.database_connection, llm: health.llm_client.mode, workers: health.workers.map((w) => `${w.kind} [${w.agent_types.join(', ') || '-'}]`) });

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
console.log(`\n${bold('Done.')} The task completed through the API, the coordinator and two worker processes.`);
