import { z } from 'zod';

export const ConnectionState = z.enum(['connected', 'disconnected']);

export const BreakerState = z.enum(['closed', 'open', 'half_open']);
export type BreakerState = z.infer<typeof BreakerState>;

export const Health = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  redis_connection: ConnectionState,
  database_connection: ConnectionState,
  llm_client: z.object({
    mode: z.enum(['live', 'simulated']),
    providers: z.record(z.string(), z.object({ configured: z.boolean(), circuit: BreakerState })),
  }),
  workers: z.array(
    z.object({ id: z.string(), kind: z.enum(['coordinator', 'worker']), agent_types: z.array(z.string()), last_seen: z.string() }),
  ),
  /** Agent types of the networks that no live worker serves: their subtasks would wait (see MESH_UNSERVED_GRACE_SECONDS). */
  unserved_agent_types: z.array(z.string()),
  active_networks_count: z.int(),
  active_tasks_count: z.int(),
  version: z.string(),
  timestamp: z.string(),
});
export type Health = z.infer<typeof Health>;
