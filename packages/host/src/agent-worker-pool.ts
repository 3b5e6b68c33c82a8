import type { Worker } from 'bullmq';
import { COORDINATOR_TYPE, describeError } from '@mesh/core';
import type { Logger } from '@mesh/observability';
import { AGENT_JOBS, agentQueueName, type JobHandlers } from '@mesh/queue';
import { whileUnreachable } from '@mesh/store';
import { startJobWorker } from './job-worker';
import { startupDatabaseWait } from './run-process';
import type { Runtime } from './runtime';

export interface AgentWorkerPoolOptions {
  /** Agent types to serve, or 'all': every type in use, including ones added while running. */
  agents: string[] | 'all';
  /** Jobs in flight per agent-type queue in this process (model calls are I/O). */
  concurrency: number;
  /** What runs a subtask job (the engine's; see @mesh/mesh agentJobHandlers). */
  handlers: JobHandlers<typeof AGENT_JOBS, Logger>;
}

/** One BullMQ Worker per agent-type queue, running subtask jobs with the given handlers. */
export class AgentWorkerPool {
  private readonly workers = new Map<string, Worker>();
  private discovery: NodeJS.Timeout | undefined;
  private readonly shutdown = new AbortController();

  constructor(
    private readonly runtime: Runtime,
    private readonly options: AgentWorkerPoolOptions,
  ) {}

  get agentTypes(): string[] {
    return [...this.workers.keys()].sort();
  }

  async start(): Promise<void> {
    if (this.options.agents === 'all') {
      // A worker that starts while Postgres restarts waits for it rather than exiting.
      await whileUnreachable(() => this.discover(), startupDatabaseWait(this.runtime.logger, 'discover agent types'));
      // New agent types added through the API get a worker here without a restart.
      this.discovery = setInterval(() => {
        this.discover().catch((err: unknown) => this.runtime.logger.warn('agent type discovery failed', { error: describeError(err) }));
      }, this.runtime.config.worker.agentDiscoveryMs);
      this.discovery.unref();
    } else {
      for (const type of this.options.agents) this.serve(type);
    }
    await Promise.all([...this.workers.values()].map((w) => w.waitUntilReady()));
  }

  private async discover(): Promise<void> {
    for (const type of await this.runtime.store.agents.distinctTypes()) {
      if (type !== COORDINATOR_TYPE && !this.workers.has(type)) this.serve(type);
    }
  }

  private serve(agentType: string): void {
    const worker = startJobWorker(this.runtime, {
      queue: agentQueueName(agentType),
      jobs: AGENT_JOBS,
      handlers: this.options.handlers,
      concurrency: this.options.concurrency,
      agentType,
      shutdown: this.shutdown.signal,
    });
    this.workers.set(agentType, worker);
    this.runtime.logger.info('serving agent type', { agent_type: agentType, concurrency: this.options.concurrency });
  }

  /** Stops taking jobs and lets active ones finish; past the grace period, hands them back. */
  async close(): Promise<void> {
    if (this.discovery) clearInterval(this.discovery);
    await this.runtime.closeWorkers([...this.workers.values()], () => this.shutdown.abort(new Error('worker shutting down')));
  }
}
