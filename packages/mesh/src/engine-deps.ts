import { hostname } from 'node:os';
import type { MeshConfig } from '@mesh/config';
import type { Tracer } from '@opentelemetry/api';
import type { Logger, MeshMetrics, Tracing } from '@mesh/observability';
import type { FleetView, MeshQueues, TaskEvents } from '@mesh/queue';
import type { Store } from '@mesh/store';
import type { TaskControlDeps } from '@mesh/tasks';
import type { EmbeddingModels } from '@mesh/embeddings';
import type { MemoryMeaning } from './memory-meaning';
import { InFlightCalls } from './in-flight-calls';
import { TrackRecordCache } from './coordinator/track-records';
import type { ModelClient } from './model-client';
import { createEngineTools, type EngineTools } from './tool-loop/engine-tools';
import { ContentSafety } from './safety/content-safety';
import { traceModelCalls } from './traced-model-client';
import { BudgetGuard, budgetModelCalls } from './budget/budget-guard';

export interface EngineSettings {
  /** Tokens of memory a prompt may carry. */
  memoryTokenBudget: number;
  /** Full-text matches considered before scoring. */
  memoryCandidates: number;
  /** Per-task budget; past it the coordinator stops planning and synthesises what it has. 0 = unlimited. */
  taskBudget?: { maxTokens: number; maxCostUsd: number };
  /** New feedback items of an agent type that call for its lessons to be distilled (MESH_LESSON_EVERY); 0 = never. */
  lessonEvery?: number;
}

/** Everything the engine's handlers use, passed in (never imported singletons). */
export interface EngineDeps extends TaskControlDeps {
  model: ModelClient;
  settings: EngineSettings;
  /** Identifies this process in subtask records (`worker_id`). */
  workerId: string;
  /** Aborts in-flight model calls of tasks that are cancelled, timed out or deleted. */
  inFlight: InFlightCalls;
  /** Screens every agent output and final result before it is stored (absent: stored as answered). */
  safety?: ContentSafety;
  /** Lets agents call tools (absent: agents answer from their prompt alone). */
  tools?: EngineTools;
  /** Spans for what the engine does itself (tool calls); model calls are traced through `model`. */
  tracer?: Tracer;
  /** Which agent types live workers serve (absent: every type counts as served). */
  fleet?: FleetView;
  /** Memory found by meaning too (absent: by full text, type, importance and recency only). */
  meaning?: MemoryMeaning;
  /** The specialists' recent track records the coordinator plans with, reused briefly per network. */
  trackRecords: TrackRecordCache;
}

/** What a process hands the engine: its connections, instruments and model client. */
export interface EngineResources {
  config: MeshConfig;
  logger: Logger;
  store: Store;
  queues: MeshQueues;
  events: TaskEvents;
  metrics: MeshMetrics;
  tracing: Tracing;
  llm: ModelClient;
  /** The embedding models (absent: memory is searched by full text only). */
  embeddings?: EmbeddingModels;
}

export interface EngineOptions {
  /** Replaces the model client the engine calls (tests drive the engine with a scripted model). */
  model?: ModelClient;
  /** Replaces the safety filter built from config (tests pass one with their own moderator). */
  safety?: ContentSafety;
  /** Replaces the tools built from config and the store (tests pass in-memory journals or their own dispatcher). */
  tools?: EngineTools;
  /** The fleet's served agent types: the coordinator plans with them and fails subtasks nobody serves. */
  fleet?: FleetView;
}

/**
 * The engine's dependencies in a process: model calls traced, a stop published by any process
 * (cancel, timeout, network delete) aborting this process's calls of that task.
 */
export async function createEngine(resources: EngineResources, options: EngineOptions = {}): Promise<EngineDeps> {
  const { config, logger } = resources;
  const inFlight = new InFlightCalls();
  await resources.events.onStop((taskId, reason) => {
    const aborted = inFlight.abortTask(taskId, reason);
    if (aborted > 0) logger.info('aborted model calls of a stopped task', { task_id: taskId, calls: aborted });
  });
  return {
    store: resources.store,
    queues: resources.queues,
    events: resources.events,
    logger,
    // Budgets are checked before every model call (the tenant's and the network's, per period).
    model: traceModelCalls(budgetModelCalls(options.model ?? resources.llm, new BudgetGuard(resources, { maxAgeMs: config.budgetCheckMaxAgeMs })), resources.tracing.tracer),
    metrics: resources.metrics,
    inFlight,
    workerId: `${hostname()}:${process.pid}`,
    settings: { memoryTokenBudget: config.memory.tokenBudget, memoryCandidates: config.memory.candidates, taskBudget: config.llm.taskBudget, lessonEvery: config.lessons.every },
    safety: options.safety ?? ContentSafety.fromConfig(config, logger.child({ component: 'safety' })),
    tools: options.tools ?? createEngineTools(resources.store, config.tools, resources.embeddings ? { embeddings: resources.embeddings, spaces: resources.store.memoryEmbeddings } : undefined),
    tracer: resources.tracing.tracer,
    trackRecords: new TrackRecordCache(resources.store.stats),
    ...(options.fleet ? { fleet: options.fleet } : {}),
    ...(resources.embeddings ? { meaning: { embeddings: resources.embeddings, spaces: resources.store.memoryEmbeddings } } : {}),
  };
}
