import type { Logger, MeshMetrics } from '@mesh/observability';
import type { MeshQueues, TaskEvents } from '@mesh/queue';
import type { Store } from '@mesh/store';

/** What commanding tasks needs; the API holds these, so does the engine. */
export interface TaskControlDeps {
  store: Store;
  queues: MeshQueues;
  events: TaskEvents;
  logger: Logger;
  /** Counts transitions and durations (absent: nothing is measured). */
  metrics?: MeshMetrics;
}
