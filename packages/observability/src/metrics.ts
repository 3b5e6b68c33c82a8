import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isTerminalTaskStatus } from '@mesh/core';

export interface MeshMetricsOptions {
  /** Added to every series as `service` (api, coordinator, worker). */
  service: string;
  /** Node.js process metrics (CPU, memory, event loop, GC) as `mesh_process_*` / `mesh_nodejs_*`. Default true. */
  defaultMetrics?: boolean;
}

/** One queue's job counts by BullMQ state (waiting, active, delayed, failed, completed, prioritized, waiting-children, paused). */
export interface QueueJobCounts {
  queue: string;
  counts: Record<string, number>;
}

/** One model attempt as the LLM client reports it (a structural slice of @mesh/llm's AttemptRecord). */
export interface LlmAttemptSample {
  provider: string;
  model: string;
  chainPosition: number;
  attempt: number;
  kind: 'call' | 'repair';
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  outcome: string;
  rateLimitWaitMs?: number;
}

export type CircuitStateName = 'closed' | 'half_open' | 'open';

/** Circuit states as gauge values: 0 closed, 1 half-open, 2 open. */
export const CIRCUIT_STATE_VALUE: Record<CircuitStateName, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * prom-client's default metrics include, beside the gauges of active handles, requests and
 * resources by `type`, their sums as gauges named `…_total`: a suffix Prometheus keeps for
 * counters (`promtool check metrics` warns). Not exposed; the sum is `sum without (type) (…)`.
 */
const SUM_GAUGES_NAMED_LIKE_COUNTERS = ['mesh_nodejs_active_handles_total', 'mesh_nodejs_active_requests_total', 'mesh_nodejs_active_resources_total'];

const DURATION_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const LLM_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];
const WAIT_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const ITEM_BUCKETS = [0, 1, 2, 5, 10, 20, 50, 100];
const TOOL_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Every Prometheus series the product exposes, named `mesh_*`, in a registry of its own (not
 * prom-client's global one), so one process, or one test, can hold several. Built once per
 * process and handed to the code that records (engine deps, LLM hooks, HTTP surfaces).
 */
export class MeshMetrics {
  readonly registry: Registry;
  readonly service: string;

  readonly tasks: Counter<'status'>;
  readonly taskDuration: Histogram<'status'>;
  readonly subtaskDuration: Histogram<'agent_type' | 'status'>;
  readonly queueJobs: Gauge<'queue' | 'state'>;
  readonly llmRequests: Counter<'provider' | 'model' | 'outcome'>;
  readonly llmRequestDuration: Histogram<'provider' | 'model'>;
  readonly llmTokens: Counter<'provider' | 'model' | 'direction'>;
  readonly llmCost: Counter<'provider' | 'model'>;
  readonly llmFallbacks: Counter<'provider' | 'model'>;
  readonly llmModelsSkipped: Counter<'provider' | 'model' | 'modality'>;
  readonly llmCircuitState: Gauge<'provider' | 'model'>;
  readonly llmRateLimitWait: Histogram<'provider'>;
  readonly memoryItemsRetrieved: Histogram<'purpose'>;
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly toolCalls: Counter<'tool' | 'outcome'>;
  readonly toolCallDuration: Histogram<'tool'>;
  readonly approvalsPending: Gauge<'kind'>;
  readonly approvalDecisions: Histogram<'kind' | 'status'>;
  readonly unservedAgentTypes: Gauge<'agent_type'>;
  readonly concurrencyShare: Gauge;
  readonly budgetUsed: Gauge<'tenant' | 'network' | 'period'>;
  readonly budgetExhaustions: Counter<'tenant'>;
  readonly unservedSubtasks: Counter<'agent_type'>;
  readonly sseConnections: Gauge;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;

  private queueSource: (() => Promise<QueueJobCounts[]>) | undefined;
  private budgetsSource: (() => Promise<{ tenant: string; network: string; period: string; ratio: number }[]>) | undefined;
  private unservedSource: (() => Promise<string[]>) | undefined;
  private approvalsSource: (() => Promise<Record<string, number>>) | undefined;
  private circuitSource: (() => Promise<{ provider: string; model: string; state: CircuitStateName }[]>) | undefined;

  constructor(options: MeshMetricsOptions) {
    this.service = options.service;
    this.registry = new Registry();
    this.registry.setDefaultLabels({ service: options.service });
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: 'mesh_' });
      for (const name of SUM_GAUGES_NAMED_LIKE_COUNTERS) this.registry.removeSingleMetric(name);
    }
    const registers = [this.registry];
    // Collect callbacks are plain functions: prom-client calls them with `this` bound to the metric.
    const metrics = this;

    this.tasks = new Counter({
      name: 'mesh_tasks_total',
      help: 'Task status transitions made by this process (queued, in_progress on the first iteration, and each terminal status)',
      labelNames: ['status'],
      registers,
    });
    this.taskDuration = new Histogram({
      name: 'mesh_task_duration_seconds',
      help: "From the first iteration's start to the terminal status, by terminal status (tasks stopped before starting are not observed)",
      labelNames: ['status'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    });
    this.subtaskDuration = new Histogram({
      name: 'mesh_subtask_duration_seconds',
      help: 'Subtask run time in a worker (memory retrieval, model call, storing the result), by agent type and outcome',
      labelNames: ['agent_type', 'status'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    });
    this.queueJobs = new Gauge({
      name: 'mesh_queue_jobs',
      help: 'Jobs per queue and BullMQ state, read from Redis at scrape time',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        if (!metrics.queueSource) return;
        // Redis unreachable: no queue series this scrape (absent, not stale), the rest still renders.
        const queues = await metrics.queueSource().catch(() => []);
        this.reset();
        for (const { queue, counts } of queues) {
          for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
        }
      },
    });
    this.llmRequests = new Counter({
      name: 'mesh_llm_requests_total',
      help: 'Model attempts by provider, model and outcome (success, invalid_output, error, skipped)',
      labelNames: ['provider', 'model', 'outcome'],
      registers,
    });
    this.llmRequestDuration = new Histogram({
      name: 'mesh_llm_request_duration_seconds',
      help: 'Latency of model attempts that reached the provider',
      labelNames: ['provider', 'model'],
      buckets: LLM_BUCKETS_SECONDS,
      registers,
    });
    this.llmTokens = new Counter({
      name: 'mesh_llm_tokens_total',
      help: 'Tokens reported by providers, by direction (input, output)',
      labelNames: ['provider', 'model', 'direction'],
      registers,
    });
    this.llmCost = new Counter({
      name: 'mesh_llm_cost_usd_total',
      help: 'Estimated model cost in US dollars (price table, MESH_LLM_PRICES)',
      labelNames: ['provider', 'model'],
      registers,
    });
    this.llmFallbacks = new Counter({
      name: 'mesh_llm_fallbacks_total',
      help: 'Calls that fell back to a later model of the chain, by the model fallen back to',
      labelNames: ['provider', 'model'],
      registers,
    });
    this.llmModelsSkipped = new Counter({
      name: 'mesh_llm_models_skipped_total',
      help: "Models of the chain left out of a call because they cannot read one of the request's attachments, by the modality they lack",
      labelNames: ['provider', 'model', 'modality'],
      registers,
    });
    this.llmCircuitState = new Gauge({
      name: 'mesh_llm_circuit_state',
      help: 'Circuit breaker state per model: 0 closed, 1 half-open, 2 open',
      labelNames: ['provider', 'model'],
      registers,
      async collect() {
        if (!metrics.circuitSource) return;
        const circuits = await metrics.circuitSource().catch(() => []);
        for (const { provider, model, state } of circuits) this.set({ provider, model }, CIRCUIT_STATE_VALUE[state]);
      },
    });
    this.llmRateLimitWait = new Histogram({
      name: 'mesh_llm_rate_limit_wait_seconds',
      help: 'Time attempts waited for the fleet-wide provider rate limit (only attempts that waited)',
      labelNames: ['provider'],
      buckets: WAIT_BUCKETS_SECONDS,
      registers,
    });
    this.memoryItemsRetrieved = new Histogram({
      name: 'mesh_memory_items_retrieved',
      help: 'Memory items put into a prompt per retrieval, by purpose (plan, finalize, subtask)',
      labelNames: ['purpose'],
      buckets: ITEM_BUCKETS,
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'mesh_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, failed, refused)',
      labelNames: ['outcome'],
      registers,
    });
    this.toolCalls = new Counter({
      name: 'mesh_tool_calls_total',
      help: 'Tool calls by tool and outcome (completed, failed, replayed from the journal)',
      labelNames: ['tool', 'outcome'],
      registers,
    });
    this.toolCallDuration = new Histogram({
      name: 'mesh_tool_call_duration_seconds',
      help: 'Time a tool call took, by tool (replayed calls excluded)',
      labelNames: ['tool'],
      buckets: TOOL_BUCKETS_SECONDS,
      registers,
    });
    this.approvalsPending = new Gauge({
      name: 'mesh_approvals_pending',
      help: 'Requests waiting for a person, by kind (plan, tool_call, result, question), read from Postgres at scrape time',
      labelNames: ['kind'],
      registers,
      async collect() {
        if (!metrics.approvalsSource) return;
        const counts = await metrics.approvalsSource().catch(() => null);
        this.reset();
        for (const [kind, count] of Object.entries(counts ?? {})) this.set({ kind }, count);
      },
    });
    this.approvalDecisions = new Histogram({
      name: 'mesh_approval_decision_seconds',
      help: 'Time from a request for a person to its decision, by kind and outcome (approved, rejected, answered, expired)',
      labelNames: ['kind', 'status'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86_400, 7 * 86_400],
      registers,
    });
    this.unservedAgentTypes = new Gauge({
      name: 'mesh_unserved_agent_types',
      help: 'Agent types of the networks that no live worker serves (1 per type), read at scrape time',
      labelNames: ['agent_type'],
      registers,
      async collect() {
        if (!metrics.unservedSource) return;
        const types = await metrics.unservedSource().catch(() => null);
        this.reset();
        for (const agent_type of types ?? []) this.set({ agent_type }, 1);
      },
    });
    this.concurrencyShare = new Gauge({
      name: 'mesh_job_concurrency_share',
      help: "Share of their configured concurrency this process's job workers run at: 1 unless the process is saturated (MESH_ADAPTIVE_CONCURRENCY)",
      registers,
    });
    this.concurrencyShare.set(1);
    this.budgetUsed = new Gauge({
      name: 'mesh_budget_used_ratio',
      help: "Share of each budget its current period has used (1 = exhausted), per tenant, network ('' = the whole tenant) and period, read at scrape time",
      labelNames: ['tenant', 'network', 'period'],
      registers,
      async collect() {
        if (!metrics.budgetsSource) return;
        const budgets = await metrics.budgetsSource().catch(() => null);
        this.reset();
        for (const b of budgets ?? []) this.set({ tenant: b.tenant, network: b.network, period: b.period }, b.ratio);
      },
    });
    this.budgetExhaustions = new Counter({
      name: 'mesh_budget_exhausted_total',
      help: 'Model calls not made because a budget of their tenant or network was used up, per tenant',
      labelNames: ['tenant'],
      registers,
    });
    this.unservedSubtasks = new Counter({
      name: 'mesh_unserved_subtasks_failed_total',
      help: 'Queued subtasks failed because no live worker served their agent type for the grace period',
      labelNames: ['agent_type'],
      registers,
    });
    this.sseConnections = new Gauge({
      name: 'mesh_sse_connections',
      help: 'Open task event streams (SSE) on this API process',
      registers,
    });
    this.httpRequestDuration = new Histogram({
      name: 'mesh_http_request_duration_seconds',
      help: 'API requests by method, route template and status (SSE streams count when they end)',
      labelNames: ['method', 'route', 'status'],
      buckets: LLM_BUCKETS_SECONDS,
      registers,
    });
  }

  /** Reads queue job counts at each scrape (nothing is polled in between). */
  collectQueuesWith(source: () => Promise<QueueJobCounts[]>): void {
    this.queueSource = source;
  }

  /** Reads the unserved agent types at each scrape (the API reads heartbeats and the agents in use). */
  collectUnservedWith(source: () => Promise<string[]>): void {
    this.unservedSource = source;
  }

  /** Reads the budgets and their usage at each scrape. */
  collectBudgetsWith(source: () => Promise<{ tenant: string; network: string; period: string; ratio: number }[]>): void {
    this.budgetsSource = source;
  }

  budgetExhausted(tenant: string): void {
    this.budgetExhaustions.inc({ tenant });
  }

  unservedSubtasksFailed(agentType: string, count: number): void {
    if (count > 0) this.unservedSubtasks.inc({ agent_type: agentType }, count);
  }

  /** Reads the pending approvals at each scrape (the API reads them from Postgres). */
  collectApprovalsWith(source: () => Promise<Record<string, number>>): void {
    this.approvalsSource = source;
  }

  /** A request for a person was decided (or expired) after `waitedMs`. */
  approvalDecided(kind: string, status: string, waitedMs: number): void {
    this.approvalDecisions.observe({ kind, status }, Math.max(0, waitedMs) / 1000);
  }

  /** Reads circuit states at each scrape (the API reads the fleet-wide state kept in Redis). */
  collectCircuitsWith(source: () => Promise<{ provider: string; model: string; state: CircuitStateName }[]>): void {
    this.circuitSource = source;
  }

  /** A task status transition this process made; terminal ones also observe the task's duration. */
  taskStatus(status: string, startedAt?: Date | null, endedAt: Date = new Date()): void {
    this.tasks.inc({ status });
    if (startedAt && isTerminalTaskStatus(status)) this.taskDuration.observe({ status }, Math.max(0, endedAt.getTime() - startedAt.getTime()) / 1000);
  }

  subtaskFinished(agentType: string, status: string, durationMs: number): void {
    this.subtaskDuration.observe({ agent_type: agentType, status }, Math.max(0, durationMs) / 1000);
  }

  /** One tool call ended (or was replayed from the journal, which took no time). */
  toolCall(tool: string, outcome: string, durationMs: number): void {
    this.toolCalls.inc({ tool, outcome });
    if (outcome !== 'replayed') this.toolCallDuration.observe({ tool }, Math.max(0, durationMs) / 1000);
  }

  memoryRetrieved(purpose: string, items: number): void {
    this.memoryItemsRetrieved.observe({ purpose }, items);
  }

  /** Records one model attempt: outcome, latency, tokens, cost, rate-limit wait, and a fallback when it is the first attempt on a later model. */
  llmAttempt(a: LlmAttemptSample): void {
    const labels = { provider: a.provider, model: a.model };
    this.llmRequests.inc({ ...labels, outcome: a.outcome });
    if (a.outcome !== 'skipped') this.llmRequestDuration.observe(labels, a.latencyMs / 1000);
    if (a.inputTokens > 0) this.llmTokens.inc({ ...labels, direction: 'input' }, a.inputTokens);
    if (a.outputTokens > 0) this.llmTokens.inc({ ...labels, direction: 'output' }, a.outputTokens);
    if (a.costUsd > 0) this.llmCost.inc(labels, a.costUsd);
    if (a.chainPosition > 0 && a.attempt === 1 && a.kind === 'call') this.llmFallbacks.inc(labels);
    if (a.rateLimitWaitMs !== undefined && a.rateLimitWaitMs > 0) this.llmRateLimitWait.observe({ provider: a.provider }, a.rateLimitWaitMs / 1000);
  }

  /** A model of the chain was left out of a call: it cannot read `modality` (an attachment's). */
  llmModelSkipped(provider: string, model: string, modality: string): void {
    this.llmModelsSkipped.inc({ provider, model, modality });
  }

  circuitState(provider: string, model: string, state: CircuitStateName): void {
    this.llmCircuitState.set({ provider, model }, CIRCUIT_STATE_VALUE[state]);
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

