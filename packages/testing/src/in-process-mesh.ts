import { CreateNetworkBody, SubmitTaskBody, isTerminalTaskStatus, type CreateNetworkInput, type Task } from '@mesh/core';
import { AgentWorkerPool, createRuntime, startCoordinatorWorker, type Runtime } from '@mesh/host';
import { agentJobHandlers, coordinatorJobs, createEngine, meshSimulatedResponders, startMemoryEmbeddingJob, type ContentSafety, type EngineDeps, type ModelClient } from '@mesh/mesh';
import { createLogger, nullLogger } from '@mesh/observability';
import { startTask } from '@mesh/tasks';
import type { AttachmentUpload } from '@mesh/store';
import type { TestEnv } from './test-env';

export interface InProcessMesh {
  runtime: Runtime;
  engine: EngineDeps;
  createNetwork(input?: Partial<CreateNetworkInput> & Record<string, unknown>, tenantId?: string): Promise<string>;
  /** Stores a task (with its attachments, when given) and starts it, as `POST .../tasks` with `process: true` does. */
  submit(networkId: string, input: Record<string, unknown>, tenantId?: string, options?: { attachments?: AttachmentUpload[] }): Promise<string>;
  /** Polls the store until the task is terminal (tests may poll; the API waits on events). */
  waitForTask(taskId: string, timeoutMs?: number, tenantId?: string): Promise<Task>;
  close(): Promise<void>;
}

/**
 * The coordinator and an `--agents all` worker pool running inside the test process against
 * the test env's real Redis and Postgres, with the engine calling `model`.
 */
export async function startInProcessMesh(
  env: TestEnv,
  /** The engine's model; without it, the real model layer built from the env's config. */
  model: ModelClient | undefined,
  options: {
    concurrency?: number;
    /** false: no agent workers, subtask jobs wait in their queues */
    workers?: boolean;
    /** Replaces the safety filter built from config. */
    safety?: ContentSafety;
    tracing?: Runtime['tracing'];
    metrics?: Runtime['metrics'];
  } = {},
): Promise<InProcessMesh> {
  const logger = process.env.MESH_TEST_LOG ? createLogger({ service: 'test', level: 'debug' }) : nullLogger;
  const runtime = await createRuntime(env.config, {
    service: 'test',
    logger,
    responders: meshSimulatedResponders,
    ...(options.tracing ? { tracing: options.tracing } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  // As the coordinator and worker processes do at start: the first plan does not wait for the local encoder to load.
  await runtime.embeddings.warm();
  const engine = await createEngine(runtime, { ...(model ? { model } : {}), ...(options.safety ? { safety: options.safety } : {}) });
  const coordinator = startCoordinatorWorker(runtime, coordinatorJobs(engine));
  const pool = options.workers === false ? null : new AgentWorkerPool(runtime, { agents: 'all', concurrency: options.concurrency ?? 20, handlers: agentJobHandlers(engine) });
  await pool?.start();
  const embedding = startMemoryEmbeddingJob(runtime);
  await coordinator.waitUntilReady();
  return {
    runtime,
    engine,
    async createNetwork(input = {}, tenantId = 'tenant-a') {
      const network = await runtime.store.networks.create(tenantId, CreateNetworkBody.parse({ name: 'Test network', ...input }));
      // Give `--agents all` discovery a moment to serve custom types.
      if (input.agents) await new Promise((r) => setTimeout(r, env.config.worker.agentDiscoveryMs + 200));
      return network.id;
    },
    async submit(networkId, input, tenantId = 'tenant-a', options = {}) {
      const task = await runtime.store.tasks.create(tenantId, networkId, SubmitTaskBody.parse(input), options.attachments ? { attachments: options.attachments } : {});
      if (!task) throw new Error(`network ${networkId} not found`);
      await startTask(engine, tenantId, task.id);
      return task.id;
    },
    async waitForTask(taskId, timeoutMs = 20_000, tenantId = 'tenant-a') {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const task = await runtime.store.tasks.get(tenantId, taskId);
        if (!task) throw new Error(`task ${taskId} not found`);
        if (isTerminalTaskStatus(task.status)) return task;
        if (Date.now() > until) throw new Error(`task ${taskId} still ${task.status} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await pool?.close();
      await embedding?.stop();
      await coordinator.close();
      await runtime.close();
    },
  };
}

