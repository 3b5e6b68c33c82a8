import type { MeshConfig } from '@mesh/config';
import { createLlmClient, type AttemptRecord, type LlmCallRecorder, type LlmClient, type RecordedCall, type SimulatedResponder } from '@mesh/llm';
import type { Logger } from '@mesh/observability';
import type { Store } from '@mesh/store';
import { recordAttemptSpan } from './attempt-span';
import { ConcurrencyGovernor, GOVERNOR_DEFAULTS } from './concurrency-governor';
import { closeConnections, openConnections, type Connections } from './connections';
import { configuredSecrets, processLogger, scrubSecretValues } from './secret-scrubber';

/** Everything a coordinator or worker process holds, built from config in one place. */
export interface Runtime extends Connections {
  config: MeshConfig;
  logger: Logger;
  llm: LlmClient;
  /** Sets the process's job concurrency from how busy it is (MESH_ADAPTIVE_CONCURRENCY; null: the configured limits stay). */
  governor: ConcurrencyGovernor | null;
  /** Closes BullMQ workers: waits for active jobs up to the grace period, then hands the rest back. */
  closeWorkers(workers: { close(force?: boolean): Promise<void> }[], onGraceExpired?: () => void): Promise<void>;
  close(): Promise<void>;
}

export interface StoreRecorderOptions {
  /** Store what each call sent and got back (MESH_LLM_RECORD_PROMPTS); false: only the accounting rows. */
  prompts: boolean;
  /** Values removed from everything stored (the configured secrets: see configuredSecrets). */
  secrets: readonly string[];
}

/**
 * Persists every model attempt in llm_calls (usage and cost per task are summed from it) and,
 * unless switched off, what the call sent and the answer it used in llm_call_details. Every
 * configured secret is scrubbed from what is stored, as from the logs: a tool result or an error
 * message that echoes a key is stored with `[redacted]` in its place.
 */
export function storeRecorder(store: Store, options: StoreRecorderOptions = { prompts: false, secrets: [] }): LlmCallRecorder {
  const scrubText = (text: string): string => scrubSecretValues(text, options.secrets) as string;
  // A secret inside a string value appears in the value's JSON as the secret's own JSON escape.
  const escapedSecrets = options.secrets.map((secret) => JSON.stringify(secret).slice(1, -1));
  // Field by field (a secret JSON would escape is still found), then as JSON text: the structural
  // pass stops at a depth, and tool arguments can nest deeper. Most values hold no secret: one
  // look at their JSON tells, and they are stored as they are (the two copies were a twentieth of
  // what a worker allocated at 2,000 calls in flight). An Error inside takes the long way, which
  // keeps its name and message.
  const scrub = <T>(value: T): T => {
    if (options.secrets.length === 0) return value;
    let holdsError = false;
    const json = JSON.stringify(value, (_key, item: unknown) => {
      if (item instanceof Error) holdsError = true;
      return item;
    });
    if (json === undefined || (!holdsError && !escapedSecrets.some((secret) => json.includes(secret)))) return value;
    return JSON.parse(scrubText(JSON.stringify(scrubSecretValues(value, options.secrets)))) as T;
  };
  return {
    async record(attempts: AttemptRecord[], context, call?: RecordedCall) {
      const rejected = attempts.filter((a) => a.rejectedOutput !== undefined);
      await store.llmCalls.record(
        attempts.map((a) => ({
          tenantId: context.tenantId ?? null,
          networkId: context.networkId ?? null,
          taskId: context.taskId ?? null,
          subtaskId: context.subtaskId ?? null,
          purpose: a.purpose ?? context.purpose ?? null,
          callId: call?.callId ?? null,
          kind: a.kind,
          startedAt: a.startedAt,
          provider: a.provider,
          model: a.model,
          chainPosition: a.chainPosition,
          attempt: a.attempt,
          latencyMs: a.latencyMs,
          inputTokens: a.inputTokens,
          outputTokens: a.outputTokens,
          costUsd: a.costUsd,
          outcome: a.outcome,
          errorClass: a.errorClass ?? null,
          errorMessage: a.errorMessage ? scrubText(a.errorMessage) : null,
        })),
        call && options.prompts
          ? {
              callId: call.callId,
              tenantId: context.tenantId ?? null,
              networkId: context.networkId ?? null,
              taskId: context.taskId ?? null,
              subtaskId: context.subtaskId ?? null,
              system: scrubText(call.system),
              messages: scrub(call.messages),
              annotations: scrub({
                ...call.annotations,
                ...(rejected.length > 0
                  ? { rejected_outputs: rejected.map((a) => ({ chain_position: a.chainPosition, attempt: a.attempt, kind: a.kind, text: a.rejectedOutput })) }
                  : {}),
              }),
              output: call.output ? scrubText(call.output.text) : null,
              toolCalls: call.output?.toolCalls ? scrub(call.output.toolCalls) : null,
            }
          : undefined,
      );
    },
  };
}

export interface RuntimeOptions {
  service: string;
  logger?: Logger;
  /** Answers of the simulated provider by schema name (the engine's; see @mesh/mesh meshSimulatedResponders). */
  responders?: Record<string, SimulatedResponder>;
  /** Replaces the tracer built from config (tests pass one with an in-memory exporter); the caller shuts it down. */
  tracing?: Connections['tracing'];
  /** Replaces the metrics registry built here (tests read it directly). */
  metrics?: Connections['metrics'];
  /** The local encoder thread's nice value (see ConnectionsOptions.encoderNice). */
  encoderNice?: number;
}

export async function createRuntime(config: MeshConfig, options: RuntimeOptions): Promise<Runtime> {
  const logger = options.logger ?? processLogger(options.service, config);
  const connections = openConnections(config, {
    service: options.service,
    redisRole: 'worker',
    poolWaitMs: 60_000,
    ...(options.tracing ? { tracing: options.tracing } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.encoderNice ? { encoderNice: options.encoderNice } : {}),
  });
  const { metrics, tracing } = connections;
  const llm = createLlmClient({
    config: config.llm,
    redis: connections.redis,
    keyPrefix: config.queuePrefix,
    logger: logger.child({ component: 'llm' }),
    recorder: storeRecorder(connections.store, { prompts: config.callRecording.prompts, secrets: configuredSecrets(config) }),
    ...(options.responders ? { responders: options.responders } : {}),
    onAttempt: (attempt) => {
      metrics.llmAttempt(attempt);
      recordAttemptSpan(tracing.tracer, attempt);
    },
    onCircuitChange: (change) => metrics.circuitState(change.provider, change.model, change.to),
    onModelSkipped: (skip) => metrics.llmModelSkipped(skip.provider, skip.model, skip.modality),
  });
  const governor = config.jobs.adaptiveConcurrency ? new ConcurrencyGovernor(GOVERNOR_DEFAULTS, undefined, (share) => metrics.concurrencyShare.set(share)) : null;
  return {
    ...connections,
    config,
    logger,
    llm,
    governor,
    async closeWorkers(workers, onGraceExpired) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), config.jobs.shutdownGraceMs);
      });
      const outcome = await Promise.race([graceful.then(() => 'closed' as const), expired]);
      clearTimeout(timer);
      if (outcome === 'expired') {
        logger.warn('shutdown grace period over; handing active jobs back');
        onGraceExpired?.();
        await Promise.all(workers.map((w) => w.close(true)));
      }
    },
    async close() {
      governor?.stop();
      // The model client waits for its pending call records, so it closes before the pool.
      await llm.close();
      await closeConnections(connections, { ownTracing: !options.tracing });
    },
  };
}
