import { Worker, type Job } from 'bullmq';
import { describeError } from '@mesh/core';
import { runInJobSpan } from './job-span';
import { startupDatabaseWait, type Runtime } from './runtime';
import { runSubtask } from './subtask-runner';
import { agentQueueName, SubtaskJob } from '@mesh/queue';
import { whileUnreachable } from '@mesh/store';

export interface AgentWorkerPoolOptions {
  /** Agent types to serve, or 'all': every type in use, including ones added while running. */
  agents: string[] | 'all';
  /** Jobs in flight per agent-type queue in this process (model calls are I/O). */
  concurrency: number;
}

/** One BullMQ Worker per agent-type queue, running subtasks through the engine. */
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
      if (type !== 'coordinator' && !this.workers.has(type)) this.serve(type);
    }
  }

  private serve(agentType: string): void {
    const { config, logger, engine, tracing } = this.runtime;
    const queueName = agentQueueName(agentType);
    const worker = new Worker(
      queueName,
      async (job: Job) => {
        const parsed = SubtaskJob.safeParse(job.data);
        if (!parsed.success) {
          logger.error('invalid subtask job payload', { job_id: job.id, agent_type: agentType, issues: parsed.error.issues });
          return 'invalid';
        }
        const info = { queue: queueName, name: job.name, id: job.id, attemptsMade: job.attemptsMade, data: parsed.data, agentType };
        return runInJobSpan(tracing.tracer, logger, info, ({ trace, logger: jobLogger }) =>
          runSubtask({ ...engine, logger: jobLogger }, { ...parsed.data, ...(trace ? { trace } : {}) }, {
            attemptsMade: job.attemptsMade,
            attempts: job.opts.attempts ?? 1,
            shutdown: this.shutdown.signal,
          }),
        );
      },
      {
        connection: this.runtime.redis,
        prefix: config.queuePrefix,
        concurrency: this.options.concurrency,
        lockDuration: config.jobs.lockMs,
        stalledInterval: config.jobs.stalledIntervalMs,
        maxStalledCount: 2,
      },
    );
    worker.on('error', (err) => logger.error('agent worker error', { agent_type: agentType, error: describeError(err) }));
    this.workers.set(agentType, worker);
    logger.info('serving agent type', { agent_type: agentType, concurrency: this.options.concurrency });
  }

  /** Stops taking jobs and lets active ones finish; past the grace period, hands them back. */
  async close(): Promise<void> {
    if (this.discovery) clearInterval(this.discovery);
    await this.runtime.closeWorkers([...this.workers.values()], () => this.shutdown.abort(new Error('worker shutting down')));
  }
}
