import { MeshMetrics } from './metrics';
import { sampleValue } from './prometheus-text';

/** `valueOf(text, 'name{a="b",c="d"}')`: the sample with exactly those labels (any order). */
function valueOf(text: string, series: string): number | undefined {
  const [, name, labels] = /^([^{]+)\{(.*)\}$/.exec(series) ?? [];
  const wanted = Object.fromEntries([...(labels ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  return sampleValue(text, name ?? series, wanted);
}

describe('MeshMetrics', () => {
  it('keeps its own registry, every series named mesh_ and labelled with the service', async () => {
    const api = new MeshMetrics({ service: 'api', defaultMetrics: false });
    const worker = new MeshMetrics({ service: 'worker' });
    api.taskStatus('queued');
    const apiText = (await api.render()).body;
    const workerText = (await worker.render()).body;
    expect(valueOf(apiText, 'mesh_tasks_total{status="queued",service="api"}')).toBe(1);
    expect(workerText).not.toContain('mesh_tasks_total{');
    expect(workerText).toContain('mesh_process_cpu_user_seconds_total{service="worker"}');
    // prom-client's sums of active handles, requests and resources are gauges named like counters.
    expect(workerText).toContain('# TYPE mesh_nodejs_active_handles gauge');
    expect([...workerText.matchAll(/^# TYPE (\S+_total) gauge$/gm)].map((m) => m[1])).toEqual([]);
    const names = [...apiText.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !n?.startsWith('mesh_'))).toEqual([]);
  });

  it('records model attempts: outcome, tokens, cost, fallbacks and rate-limit waits', async () => {
    const m = new MeshMetrics({ service: 'worker', defaultMetrics: false });
    const base = { kind: 'call' as const, latencyMs: 200, inputTokens: 100, outputTokens: 20, costUsd: 0.001 };
    m.llmAttempt({ ...base, provider: 'openai', model: 'gpt-x', chainPosition: 0, attempt: 1, outcome: 'error', inputTokens: 0, outputTokens: 0, costUsd: 0 });
    m.llmAttempt({ ...base, provider: 'anthropic', model: 'claude-y', chainPosition: 1, attempt: 1, outcome: 'success', rateLimitWaitMs: 1500 });
    m.llmAttempt({ ...base, provider: 'anthropic', model: 'claude-y', chainPosition: 1, attempt: 2, kind: 'repair', outcome: 'success' });
    m.circuitState('openai', 'gpt-x', 'open');
    const text = (await m.render()).body;
    expect(valueOf(text, 'mesh_llm_requests_total{provider="openai",model="gpt-x",outcome="error",service="worker"}')).toBe(1);
    expect(valueOf(text, 'mesh_llm_requests_total{provider="anthropic",model="claude-y",outcome="success",service="worker"}')).toBe(2);
    expect(valueOf(text, 'mesh_llm_tokens_total{provider="anthropic",model="claude-y",direction="input",service="worker"}')).toBe(200);
    expect(valueOf(text, 'mesh_llm_tokens_total{provider="anthropic",model="claude-y",direction="output",service="worker"}')).toBe(40);
    expect(valueOf(text, 'mesh_llm_cost_usd_total{provider="anthropic",model="claude-y",service="worker"}')).toBeCloseTo(0.002);
    // The repair of the fallback model is not a second fallback.
    expect(valueOf(text, 'mesh_llm_fallbacks_total{provider="anthropic",model="claude-y",service="worker"}')).toBe(1);
    expect(valueOf(text, 'mesh_llm_rate_limit_wait_seconds_count{provider="anthropic",service="worker"}')).toBe(1);
    expect(valueOf(text, 'mesh_llm_rate_limit_wait_seconds_sum{provider="anthropic",service="worker"}')).toBe(1.5);
    expect(valueOf(text, 'mesh_llm_circuit_state{provider="openai",model="gpt-x",service="worker"}')).toBe(2);
  });

  it('reads queue depths at scrape time, and renders the rest when Redis cannot be read', async () => {
    const m = new MeshMetrics({ service: 'api', defaultMetrics: false });
    let waiting = 3;
    let failing = false;
    m.collectQueuesWith(async () => {
      if (failing) throw new Error('redis down');
      return [{ queue: 'agent-content', counts: { waiting, active: 1, failed: 0 } }];
    });
    expect(valueOf((await m.render()).body, 'mesh_queue_jobs{queue="agent-content",state="waiting",service="api"}')).toBe(3);
    waiting = 7;
    expect(valueOf((await m.render()).body, 'mesh_queue_jobs{queue="agent-content",state="waiting",service="api"}')).toBe(7);
    failing = true;
    m.taskStatus('completed', new Date(Date.now() - 2000));
    const text = (await m.render()).body;
    expect(text).not.toContain('mesh_queue_jobs{');
    expect(valueOf(text, 'mesh_tasks_total{status="completed",service="api"}')).toBe(1);
    expect(valueOf(text, 'mesh_task_duration_seconds_count{status="completed",service="api"}')).toBe(1);
  });
});
