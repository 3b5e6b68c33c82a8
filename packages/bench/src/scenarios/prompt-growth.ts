import { loadConfig } from '@mesh/config';
import { retrieveRelevantMemory } from '@mesh/mesh';
import { MemoryRepository, type Db } from '@mesh/store';
import { BENCH_TENANT } from '../bench-env';
import { insertMemory } from '../memory-corpus';
import { MeshCluster } from '../mesh-cluster';
import type { ResultRow } from '../report';
import type { ScenarioOutput, ScenarioRun } from '../scenario-context';
import { distribution, round, type Distribution } from '../stats';
import { assertSubmitted, benchTaskBody, submitTasks, waitForTasks } from '../task-driver';

export const MEMORY_SIZES = [10, 1_000, 10_000, 100_000];
export const PROMPT_GROWTH_TARGET = 1.2;
export const RETRIEVAL_P95_TARGET_MS = 20;

interface SizeResult {
  size: number;
  itemsInNetwork: number;
  insertMs: number;
  subtaskPromptTokens: Distribution;
  planPromptTokens: Distribution;
  retrievalMs: Distribution;
  retrievedItems: Distribution;
  retrievedTokens: Distribution;
  candidates: Distribution;
}

/** The texts subtasks retrieve memory for: `<description>\n<task>`, as the subtask runner builds them. */
async function retrievalTexts(db: Db, networkId: string, count: number): Promise<string[]> {
  const { rows } = await db.query<{ name: string; capabilities: string[] }>(
    `SELECT name, capabilities FROM agents WHERE network_id = $1 AND type <> 'coordinator' ORDER BY type`,
    [networkId],
  );
  return Array.from({ length: count }, (_, i) => {
    const agent = rows[i % rows.length]!;
    const task = String(benchTaskBody(i * 13 + 5).task);
    return `${agent.name}: apply ${agent.capabilities.slice(0, 3).join(', ')} to the task "${task}"\n${task}`;
  });
}

/** The retrieval's SQL, captured from the engine's own call and run under EXPLAIN ANALYZE. */
async function explainRetrieval(db: Db, networkId: string, text: string, settings: { tokenBudget: number; candidates: number }): Promise<string[]> {
  const captured: { text: string; values: unknown[] }[] = [];
  const recording: Db = {
    ...db,
    query: (sql: string, values?: unknown[]) => {
      captured.push({ text: sql, values: values ?? [] });
      return db.query(sql, values);
    },
  } as Db;
  await retrieveRelevantMemory(new MemoryRepository(recording), { tenantId: BENCH_TENANT, networkId, text, ...settings });
  const plans: string[] = [];
  for (const q of captured) {
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.text}`, q.values);
    plans.push(...rows.map((r) => r['QUERY PLAN']), '');
  }
  return plans;
}

/** The few lines of a plan that tell where the time goes: the time, and what reads memory_items. */
function planSummary(plan: string[]): string {
  const time = plan.filter((l) => /Execution Time/.test(l)).map((l) => l.trim());
  const scans = plan
    .filter((l) => /(Scan|Sort).*actual time/.test(l) && !/Function Scan/.test(l) && /memory_items|Sort|Bitmap/.test(l))
    .slice(0, 4)
    .map((l) => l.trim().replace(/^->\s*/, '').replace(/\s+/g, ' ').replace(/\(cost=[^)]*\) /, ''));
  return [...time, ...scans].join(' | ');
}

/**
 * Scenario 4: prompt tokens per subtask as one network's memory grows from 10 to 100,000
 * items (generated, varied, sharing common words), and retrieval latency: the engine's own
 * retrieveRelevantMemory with the default budget, timed over many varied query texts, and its
 * SQL under EXPLAIN ANALYZE at the largest size. Tokens are the simulated provider's estimate
 * (characters / 4) recorded in llm_calls.input_tokens.
 */
export async function promptGrowthScenario(run: ScenarioRun): Promise<ScenarioOutput> {
  const quick = run.ctx.args.quick;
  const tasksPerSize = quick ? 2 : 5;
  // Up to `retrievals` timed calls per size, stopping early (after at least `minRetrievals`) once
  // `retrievalBudgetMs` has passed: a slow retrieval must not make the run take hours.
  const retrievals = quick ? 40 : 200;
  const minRetrievals = quick ? 10 : 100;
  const retrievalBudgetMs = quick ? 8_000 : 60_000;
  // The product's memory settings; MESH_MEMORY_TOKEN_BUDGET / MESH_MEMORY_CANDIDATES given to the
  // benchmark are passed on (to the processes and to the timed retrievals) to try other values.
  const memoryEnv = Object.fromEntries(
    ['MESH_MEMORY_TOKEN_BUDGET', 'MESH_MEMORY_CANDIDATES'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
  ) as Record<string, string>;
  const defaults = loadConfig({ MESH_LLM_PROVIDER: 'simulated', ...memoryEnv }).memory;
  // The processes do not embed the 100,000 generated items (a quarter of an hour of one core):
  // this scenario measures prompt size and full-text retrieval as memory grows; the semantic-memory
  // scenario measures retrieval by meaning at the same size.
  const cluster = run.track(await MeshCluster.start(run.env, { latencyMs: 0, workers: 1, env: { MESH_EMBEDDING_BATCH: '0', ...memoryEnv } }));
  const { networkId } = cluster;
  const texts = await retrievalTexts(run.env.db, networkId, retrievals);
  const memoryRepository = new MemoryRepository(run.env.db);
  const results: SizeResult[] = [];
  let inserted = 0;
  let explain: string[] = [];
  for (const size of MEMORY_SIZES) {
    const t0 = Date.now();
    const { rows: have } = await run.env.db.query<{ n: string }>('SELECT count(*) AS n FROM memory_items WHERE network_id = $1', [networkId]);
    const need = size - Number(have[0]?.n ?? 0);
    if (need > 0) {
      await insertMemory(run.env.db, BENCH_TENANT, networkId, inserted, inserted + need);
      inserted += need;
    }
    await run.env.db.query('ANALYZE memory_items');
    const insertMs = Date.now() - t0;
    run.ctx.log(`prompt-growth: ${size} items (${need > 0 ? need : 0} added in ${insertMs} ms); ${tasksPerSize} tasks, ${retrievals} retrievals`);

    // One task at a time; the memory each task writes is removed after it, so every task (and the
    // timed retrievals after them) sees `size` items, plus only its own plan's decision.
    const ids: string[] = [];
    for (let t = 0; t < tasksPerSize; t++) {
      const [id] = assertSubmitted(await submitTasks(cluster.client, cluster.networkId, 1, { concurrency: 1, waitSeconds: 60, firstIndex: size + t }));
      await waitForTasks(run.env.db, [id!], { timeoutMs: 120_000 });
      await run.env.db.query('DELETE FROM memory_items WHERE network_id = $1 AND source_task_id = $2', [networkId, id]);
      ids.push(id!);
    }
    const { rows: calls } = await run.env.db.query<{ purpose: string; input_tokens: number }>(
      `SELECT purpose, input_tokens FROM llm_calls WHERE task_id = ANY($1::uuid[]) AND outcome = 'success'`,
      [ids],
    );
    const retrievalMs: number[] = [];
    const items: number[] = [];
    const tokens: number[] = [];
    const candidates: number[] = [];
    const loopStarted = Date.now();
    for (const text of texts) {
      if (retrievalMs.length >= minRetrievals && Date.now() - loopStarted > retrievalBudgetMs) break;
      const started = performance.now();
      const memory = await retrieveRelevantMemory(memoryRepository, { tenantId: BENCH_TENANT, networkId, text, tokenBudget: defaults.tokenBudget, candidates: defaults.candidates });
      retrievalMs.push(performance.now() - started);
      items.push(memory.items.length);
      tokens.push(memory.tokens);
      candidates.push(memory.candidates);
    }
    const { rows: count } = await run.env.db.query<{ n: string }>('SELECT count(*) AS n FROM memory_items WHERE network_id = $1', [networkId]);
    results.push({
      size,
      itemsInNetwork: Number(count[0]?.n ?? 0),
      insertMs,
      subtaskPromptTokens: distribution(calls.filter((c) => c.purpose === 'subtask').map((c) => c.input_tokens)),
      planPromptTokens: distribution(calls.filter((c) => c.purpose === 'plan').map((c) => c.input_tokens)),
      retrievalMs: distribution(retrievalMs),
      retrievedItems: distribution(items),
      retrievedTokens: distribution(tokens),
      candidates: distribution(candidates),
    });
    if (size === MEMORY_SIZES[MEMORY_SIZES.length - 1]) explain = await explainRetrieval(run.env.db, networkId, texts[0]!, defaults);
  }
  const smallest = results[0]!;
  const largest = results[results.length - 1]!;
  const growth = largest.subtaskPromptTokens.mean / smallest.subtaskPromptTokens.mean;
  const rows: ResultRow[] = [];
  for (const r of results) {
    rows.push({
      metric: `${r.size.toLocaleString('en-US')} items: subtask prompt tokens (mean)`,
      value: round(r.subtaskPromptTokens.mean, 0),
      unit: `(memory ${round(r.retrievedTokens.mean, 0)} tokens, ${round(r.retrievedItems.mean, 1)} items)`,
    });
    rows.push({
      metric: `${r.size.toLocaleString('en-US')} items: retrieval p50 / p95`,
      value: `${round(r.retrievalMs.p50, 1)} / ${round(r.retrievalMs.p95, 1)}`,
      unit: `ms (${r.retrievalMs.count} calls, ${round(r.candidates.mean, 0)} candidates)`,
    });
  }
  rows.push({
    metric: `subtask prompt at ${largest.size.toLocaleString('en-US')} ÷ at ${smallest.size}`,
    value: round(growth, 2),
    target: `≤ ${PROMPT_GROWTH_TARGET}`,
    pass: growth <= PROMPT_GROWTH_TARGET,
  });
  rows.push({
    metric: `retrieval p95 at ${largest.size.toLocaleString('en-US')} items`,
    value: round(largest.retrievalMs.p95, 1),
    unit: 'ms',
    target: `≤ ${RETRIEVAL_P95_TARGET_MS} ms`,
    pass: largest.retrievalMs.p95 <= RETRIEVAL_P95_TARGET_MS,
  });
  rows.push({ metric: `EXPLAIN ANALYZE at ${largest.size.toLocaleString('en-US')}`, value: planSummary(explain) });
  return {
    settings: { sizes: MEMORY_SIZES.join(','), tasks_per_size: tasksPerSize, retrievals_per_size: `${minRetrievals}–${retrievals} (${retrievalBudgetMs / 1000} s budget)`, memory_token_budget: defaults.tokenBudget, memory_candidates: defaults.candidates, ...cluster.settings() },
    rows,
    details: { sizes: results, growth, explain },
  };
}
