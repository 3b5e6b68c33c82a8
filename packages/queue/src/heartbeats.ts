import { z } from 'zod';
import type { Redis } from 'ioredis';

export type ProcessKind = 'coordinator' | 'worker';

export interface HeartbeatSource {
  /** Unique per process, e.g. `worker-<hostname>-<pid>`. */
  id: string;
  kind: ProcessKind;
  /** Read at every beat, so a worker serving `--agents all` reports types added at run time. */
  agentTypes: () => string[];
  /** The process's view of the model layer (mode, providers, circuits), read at every beat. */
  llm?: () => Promise<HeartbeatLlm>;
}

const CircuitState = z.enum(['closed', 'open', 'half_open']);

/** The model layer as a process sees it: what the API's health route reports without a model client of its own. */
export const HeartbeatLlm = z.object({
  mode: z.enum(['live', 'simulated']),
  providers: z.record(z.string(), z.object({ configured: z.boolean(), circuit: CircuitState, models: z.record(z.string(), CircuitState) })),
});
export type HeartbeatLlm = z.infer<typeof HeartbeatLlm>;

/** What a heartbeat key holds: a `workers` entry of the health report, and the process's model layer. */
export const Heartbeat = z.object({
  id: z.string(),
  kind: z.enum(['coordinator', 'worker']),
  agent_types: z.array(z.string()),
  last_seen: z.string(),
  llm: HeartbeatLlm.optional(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;

export function heartbeatKey(prefix: string, id: string): string {
  return `${prefix}:heartbeat:${id}`;
}

/**
 * Announces a live process: writes its heartbeat now and every `intervalMs`, each write
 * expiring after three intervals, so a process that dies disappears on its own. Write errors
 * are ignored (Redis down): the next beat tries again. Returns a stopper that deletes the key.
 */
export function startHeartbeat(
  redis: Redis,
  prefix: string,
  source: HeartbeatSource,
  intervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS,
): () => Promise<void> {
  const key = heartbeatKey(prefix, source.id);
  const beat = async (): Promise<void> => {
    const llm = source.llm ? await source.llm().catch(() => undefined) : undefined;
    const heartbeat: Heartbeat = {
      id: source.id,
      kind: source.kind,
      agent_types: [...source.agentTypes()].sort(),
      last_seen: new Date().toISOString(),
      ...(llm ? { llm: { mode: llm.mode, providers: llm.providers } } : {}),
    };
    await redis.set(key, JSON.stringify(heartbeat), 'PX', intervalMs * 3).catch(() => {});
  };
  let inFlight = beat();
  const timer = setInterval(() => {
    inFlight = beat();
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await inFlight;
    await redis.del(key).catch(() => {});
  };
}

/** Every live heartbeat under `prefix`, coordinators first, then by id. Unreadable entries are skipped. */
export async function readHeartbeats(redis: Redis, prefix: string): Promise<Heartbeat[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', heartbeatKey(prefix, '*'), 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  const heartbeats: Heartbeat[] = [];
  for (const value of values) {
    if (value === null) continue; // expired between SCAN and MGET
    try {
      const parsed = Heartbeat.safeParse(JSON.parse(value));
      if (parsed.success) heartbeats.push(parsed.data);
    } catch {
      // not JSON: not ours
    }
  }
  return heartbeats.sort((a, b) => (a.kind === b.kind ? a.id.localeCompare(b.id) : a.kind === 'coordinator' ? -1 : 1));
}
