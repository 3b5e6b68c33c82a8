import type { EmbeddingModels } from '@mesh/embeddings';
import type { Logger } from '@mesh/observability';
import type { EmbeddedItem, MemoryEmbeddingRepository } from '@mesh/store';
import { withWorkPriority } from '@mesh/store';

/** Behind any job's work in the process's pool and batchers (jobs run at their tenant share, 0 and up). */
const BACKGROUND_PRIORITY = 1_000_000;

export interface MemoryEmbeddingJobOptions {
  /** Items per batch (MESH_EMBEDDING_BATCH). */
  batch: number;
  /** The wait when the queue is empty (MESH_EMBEDDING_POLL_MS). */
  pollMs: number;
}

export interface MemoryEmbeddingJobDeps {
  memoryEmbeddings: Pick<MemoryEmbeddingRepository, 'embedPending' | 'nearest' | 'mergeDuplicate' | 'maintainLists'>;
  embeddings: EmbeddingModels;
  logger: Logger;
}

/**
 * Gives memory items their vectors, off the request path: new items (queued by a trigger as they
 * are written) and, after a network changes its model, all of its items again. Runs in the
 * worker processes (see apps/worker); several take different batches. It also keeps each space's
 * portable vector index fitted to its vectors (MemoryEmbeddingRepository.maintainLists). A new item that means the
 * same as one the network has (similarity at least the model's `duplicateSimilarity`, same type)
 * is merged into it, as an identical one would have been.
 */
export class MemoryEmbeddingJob {
  private running: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly deps: MemoryEmbeddingJobDeps,
    private readonly options: MemoryEmbeddingJobOptions,
  ) {
    if (options.batch < 1) throw new Error('MemoryEmbeddingJob: batch must be at least 1');
  }

  /** One batch: how many items got a vector (0: nothing was waiting). */
  async runOnce(): Promise<{ embedded: number; merged: number }> {
    const { embeddings } = this.deps;
    const started = Date.now();
    const items = await this.deps.memoryEmbeddings.embedPending(
      { models: embeddings.names(), defaultModel: embeddings.defaultModel, batch: this.options.batch },
      (model, texts) => embeddings.get(model).embed(texts),
    );
    let merged = 0;
    for (const item of items) if (item.reason === 'written' && (await this.mergeIfDuplicate(item))) merged++;
    // A space that has outgrown its vector index's lists gets new ones (rarely: each time it doubles).
    for (const space of new Map(items.map((i) => [`${i.networkId}|${i.model}`, i])).values()) {
      if (await this.deps.memoryEmbeddings.maintainLists(space.tenantId, space.networkId, space.model)) {
        this.deps.logger.info('memory vector index lists learnt', { network_id: space.networkId, model: space.model });
      }
    }
    if (items.length > 0) this.deps.logger.debug('memory items embedded', { items: items.length, merged, duration_ms: Date.now() - started });
    return { embedded: items.length, merged };
  }

  private async mergeIfDuplicate(item: EmbeddedItem): Promise<boolean> {
    const threshold = this.deps.embeddings.get(item.model).duplicateSimilarity;
    const [nearest] = await this.deps.memoryEmbeddings.nearest(item.tenantId, item.networkId, { model: item.model, vector: item.vector }, { limit: 1, minSimilarity: threshold, exclude: [item.itemId] });
    if (!nearest) return false;
    return this.deps.memoryEmbeddings.mergeDuplicate(item.tenantId, item.networkId, item.itemId, nearest.id);
  }

  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    this.running = null;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let busy = false;
      try {
        // Background work: every job's Postgres requests in this process go first (work-priority.ts).
        busy = (await withWorkPriority(BACKGROUND_PRIORITY, () => this.runOnce())).embedded > 0;
      } catch (err) {
        this.deps.logger.warn('memory embedding failed; retrying', { error: err instanceof Error ? err.message : String(err) });
      }
      if (!busy && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }
}

/** The job of a process, as configured (MESH_EMBEDDING_BATCH, MESH_EMBEDDING_POLL_MS), started; null when the batch is 0. */
export function startMemoryEmbeddingJob(resources: {
  config: { embeddings: { batch: number; pollMs: number } };
  store: { memoryEmbeddings: MemoryEmbeddingJobDeps['memoryEmbeddings'] };
  embeddings: EmbeddingModels;
  logger: Logger;
}): MemoryEmbeddingJob | null {
  const { batch, pollMs } = resources.config.embeddings;
  if (batch === 0) return null;
  const job = new MemoryEmbeddingJob(
    { memoryEmbeddings: resources.store.memoryEmbeddings, embeddings: resources.embeddings, logger: resources.logger.child({ component: 'memory-embedding' }) },
    { batch, pollMs },
  );
  job.start();
  return job;
}
