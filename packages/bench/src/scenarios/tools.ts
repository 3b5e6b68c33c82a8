import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, REPO_ROOT, type ApiClient, type LaunchedProcess } from '@mesh/testing';
import type { Db } from '@mesh/store';
import { MeshCluster } from '../mesh-cluster';
import type { ResultRow } from '../report';
import type { ScenarioOutput, ScenarioRun } from '../scenario-context';
import { distribution, round, type Distribution } from '../stats';
import { assertSubmitted, expectStatus, submitTasks, type Submission } from '../task-driver';
import { overheadPerCall, toolSubtaskTimes, type ServiceRequest, type ToolSubtaskTimes, type ToolSubtaskTrace } from '../tool-overhead';

/** The simulated model's fixed latency per call. */
export const TOOLS_L_MS = 50;
/** The example service's fixed delay per operation (its own time is measured, not assumed). */
export const TOOLS_SERVICE_DELAY_MS = 20;
export const TOOLS_OVERHEAD_TARGET_MS = 5;

const EXAMPLE_SERVICE = join(REPO_ROOT, 'examples', 'integrations', 'analytics-service.mjs');
const ANALYTICS_DOCUMENT = join(REPO_ROOT, 'examples', 'integrations', 'analytics.openapi.json');

const ANALYTICS_AGENT = {
  name: 'Analytics Specialist',
  type: 'analytics',
  description: 'Specializes in data analysis and performance insights: metrics, benchmarks, A/B tests, send-time optimisation',
  parameters: { temperature: 0.2, max_tokens: 4000 },
  capabilities: ['metrics', 'ab_testing', 'performance_analysis'],
};

/**
 * The three kinds of subtask compared. The simulated provider calls every tool it is offered
 * (up to three) in its first turn, then answers: so k tools offered is one round of k concurrent
 * calls and two model calls; none offered is one model call.
 */
const ARMS = [
  { k: 0, tools: [] as string[] },
  { k: 1, tools: ['analytics.getCampaignMetrics'] },
  { k: 3, tools: ['analytics.*'] },
] as const;

interface Arm {
  k: number;
  networkId: string;
  submissions: Submission[];
}

async function startToolService(run: ScenarioRun): Promise<{ proc: LaunchedProcess; url: string; port: number }> {
  const proc = launch('tool-service', process.execPath, [EXAMPLE_SERVICE, '--port', '0', '--delay-ms', String(TOOLS_SERVICE_DELAY_MS), '--quiet'], {});
  run.cleanups.push(async () => {
    await proc.stop(5_000);
  });
  const line = await proc.waitForLine(/"message":"listening"/, 10_000);
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  return { proc, url, port };
}

/** A network whose only specialist is the Analytics Specialist, with the given tools of the example service. */
async function createArmNetwork(client: ApiClient, serviceUrl: string, arm: (typeof ARMS)[number]): Promise<string> {
  const network = await expectStatus(client, 'POST', '/networks', { name: `Tools benchmark, ${arm.k} call(s) per subtask`, agents: [ANALYTICS_AGENT] }, 201);
  const networkId = network.id as string;
  if (arm.tools.length === 0) return networkId;
  const document = JSON.parse(readFileSync(ANALYTICS_DOCUMENT, 'utf8')) as unknown;
  await expectStatus(client, 'POST', `/networks/${networkId}/tools`, { tool: { kind: 'openapi', name: 'analytics', document, base_url: `${serviceUrl}/analytics` } }, 201);
  // Tools are named when the agent is added, after they are registered: the default agent is replaced.
  const analytics = (network.agents as { id: string; type: string }[]).find((a) => a.type === 'analytics');
  if (!analytics) throw new Error('the network has no analytics agent');
  await expectStatus(client, 'DELETE', `/networks/${networkId}/agents/${analytics.id}`, undefined, 204);
  await expectStatus(client, 'POST', `/networks/${networkId}/agents`, { agent_config: { ...ANALYTICS_AGENT, tools: arm.tools } }, 201);
  return networkId;
}

async function readSubtaskTraces(db: Db, taskIds: string[]): Promise<ToolSubtaskTrace[]> {
  const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;
  const { rows } = await db.query<ToolSubtaskTrace>(
    `SELECT s.task_id AS "taskId", ${ms('t.created_at')} AS created, ${ms('t.completed_at')} AS completed,
            ${ms('s.started_at')} AS started, ${ms('s.finished_at')} AS finished,
            (SELECT coalesce(json_agg(json_build_object('latency', c.latency_ms) ORDER BY c.id), '[]')
               FROM llm_calls c WHERE c.subtask_id = s.id AND c.purpose = 'subtask') AS calls,
            (SELECT coalesce(json_agg(json_build_object('tool', tc.tool, 'status', tc.status, 'round', tc.round, 'started', ${ms('tc.started_at')},
                                                        'finished', ${ms('tc.finished_at')}, 'durationMs', tc.duration_ms) ORDER BY tc.position), '[]')
               FROM tool_calls tc WHERE tc.subtask_id = s.id) AS tools
     FROM subtasks s JOIN tasks t ON t.id = s.task_id
     WHERE s.task_id = ANY($1::uuid[]) AND t.status = 'completed' AND s.status = 'completed'`,
    [taskIds],
  );
  return rows;
}

const p50 = (values: readonly number[]) => distribution(values).p50;

/**
 * Scenario 6: what the orchestration adds to each tool call. Tasks whose one subtask makes a
 * round of k tool calls (k = 1, 3) against the example service (fixed delay D) and tasks whose
 * subtask makes none run one at a time, interleaved, through the real processes with the
 * simulated model at L. Per subtask, from Postgres and the service's own log:
 *
 *   net = (subtask finished − started) − (its model calls × L) − (the longest call's time inside the service)
 *
 * and the overhead per call is (net − the median net of subtasks without tools) / k: the
 * journal writes, the outbound policy and the HTTP request, the tool loop, the extra model turn's
 * bookkeeping and the catalog lookup. Nothing of the model or the service's own time is in it;
 * everything the mesh does because a tool was called is.
 */
export async function toolsScenario(run: ScenarioRun): Promise<ScenarioOutput> {
  const perArm = run.ctx.args.quick ? 12 : 60;
  const warmup = 2;
  const service = await startToolService(run);
  const cluster = run.track(
    await MeshCluster.start(run.env, { latencyMs: TOOLS_L_MS, workers: 1, env: { MESH_TOOL_ALLOWED_HOSTS: `127.0.0.1:${service.port}` }, ...(run.profileDir() ? { profileDir: run.profileDir()! } : {}) }),
  );
  const arms: Arm[] = [];
  for (const arm of ARMS) arms.push({ k: arm.k, networkId: await createArmNetwork(cluster.client, service.url, arm), submissions: [] });
  const settings = { tasks_per_arm: perArm, warmup_tasks_per_arm: warmup, calls_per_subtask: ARMS.map((a) => a.k).join(' / '), tool_service_delay_ms: TOOLS_SERVICE_DELAY_MS, in_flight: 1, ...cluster.settings() };

  run.ctx.log(`tools: ${warmup} warm-up and ${perArm} measured tasks per arm (0, 1, 3 tool calls), one at a time, interleaved; L = ${TOOLS_L_MS} ms, service ${TOOLS_SERVICE_DELAY_MS} ms`);
  for (let i = 0; i < warmup + perArm; i++) {
    for (const arm of arms) {
      const [submission] = await submitTasks(cluster.client, arm.networkId, 1, { concurrency: 1, waitSeconds: 60, firstIndex: i });
      if (submission!.status !== 'completed') throw new Error(`a task with ${arm.k} tool call(s) ended ${submission!.status ?? submission!.httpStatus}: ${submission!.error ?? ''}`);
      if (i >= warmup) arm.submissions.push(submission!);
    }
  }

  const res = await fetch(`${service.url}/_requests`);
  const requests = ((await res.json()) as { requests: ServiceRequest[] }).requests;
  const results = new Map<number, ToolSubtaskTimes>();
  for (const arm of arms) results.set(arm.k, toolSubtaskTimes(await readSubtaskTraces(run.env.db, assertSubmitted(arm.submissions)), arm.k, TOOLS_L_MS, requests));
  const none = results.get(0)!;
  const one = results.get(1)!;
  const three = results.get(3)!;
  const errors = [...none.problems, ...one.problems, ...three.problems];
  if (none.net.length === 0 || one.net.length === 0 || three.net.length === 0) throw new Error(`nothing to compare: ${errors.slice(0, 3).join(' | ')}`);

  const baseline = p50(none.net);
  const perCall = (m: ToolSubtaskTimes, k: number): Distribution => distribution(overheadPerCall(m, k, baseline));
  const single = perCall(one, 1);
  const amortised = perCall(three, 3);
  const round3 = distribution(three.net.map((net) => net - baseline));
  const serviceOwn = distribution([...one.serviceMs, ...three.serviceMs]);
  // End to end as the task table records it: the extra model turn and the service's time taken out, nothing else.
  const endToEndPerCall = (m: ToolSubtaskTimes, k: number) => (p50(m.endToEnd) - p50(none.endToEnd) - TOOLS_L_MS - p50(m.serviceMs)) / k;
  const modelLayerExtra = p50(one.modelLayer) - p50(none.modelLayer);
  const http = p50(one.httpBeyondService);
  const recordBefore = p50(one.recordBefore);
  const ms = (d: Distribution) => `${round(d.p50, 1)} / ${round(d.p95, 1)}`;
  const rows: ResultRow[] = [
    {
      metric: 'overhead per tool call p50 (one call per round)',
      value: round(single.p50, 1),
      unit: 'ms',
      target: `≤ ${TOOLS_OVERHEAD_TARGET_MS} ms`,
      pass: single.p50 <= TOOLS_OVERHEAD_TARGET_MS,
    },
    { metric: 'overhead per tool call p95 (one call per round)', value: round(single.p95, 1), unit: 'ms' },
    { metric: 'overhead per tool call, three concurrent calls in a round p50 / p95', value: ms(amortised), unit: 'ms per call' },
    { metric: 'overhead of the whole round of three p50 / p95', value: ms(round3), unit: 'ms' },
    { metric: 'cross-check from task end to end (median e2e with k calls − without − L − service), per call: 1 / 3 calls', value: `${round(endToEndPerCall(one, 1), 1)} / ${round(endToEndPerCall(three, 3), 1)}`, unit: 'ms' },
    { metric: '  of one call: HTTP through the outbound policy, beyond the service’s own time p50', value: round(http, 1), unit: 'ms' },
    { metric: '  of one call: the call recorded (running) before it is sent p50', value: round(recordBefore, 1), unit: 'ms' },
    { metric: '  of one call: the model layer on the extra turn (recorded latency − L) p50', value: round(modelLayerExtra, 1), unit: 'ms' },
    { metric: '  of one call: the rest (loop, catalog, conversation, the record finished, the turn’s bookkeeping) p50', value: round(single.p50 - http - recordBefore - modelLayerExtra, 1), unit: 'ms' },
    { metric: 'subtask without tools, minus its model call p50 / p95 (the baseline taken out)', value: ms(distribution(none.net)), unit: 'ms' },
    { metric: 'the service’s own time per call p50 / p95 (fixed delay)', value: ms(serviceOwn), unit: `ms (delay ${TOOLS_SERVICE_DELAY_MS} ms)` },
    { metric: 'tool calls measured (1-call / 3-call subtasks)', value: `${one.serviceMs.length} / ${three.serviceMs.length}` },
  ];
  return {
    settings,
    rows,
    errors,
    details: {
      latencyMs: TOOLS_L_MS,
      serviceDelayMs: TOOLS_SERVICE_DELAY_MS,
      baselineNetMs: distribution(none.net),
      overheadPerCallMs: { oneCall: single, threeCalls: amortised, roundOfThree: round3 },
      endToEndMs: { none: distribution(none.endToEnd), one: distribution(one.endToEnd), three: distribution(three.endToEnd) },
      oneCallParts: { httpBeyondService: distribution(one.httpBeyondService), recordBefore: distribution(one.recordBefore), modelLayerExtra },
      serviceOwnMs: serviceOwn,
    },
  };
}
