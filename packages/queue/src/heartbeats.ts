import { z } from 'zod';
import type { Redis } from 'ioredis';

export type ProcessKind = 'coordinator' | 'worker';

export interface HeartbeatSource {
  /** Unique per process, e.g. `worker-<hostname>-<pid>`. */
  id: string;
  kind: ProcessKind;
  /** Read at every beat, so a worker serving `--agents all` reports types added at run time. */
  agentTypes: () => string[];
}

/** What a heartbeat key holds; the same shape as a `workers` entry of the health report. */
export const Heartbeat = z.object({
  id: z.string(),
  kind: z.enum(['coordinator', 'worker']),
  agent_types: z.array(z.string()),
  last_seen: z.string(),
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
    const heartbeat: Heartbeat = { id: source.id, kind: source.kind, agent_types: [...source.agentTypes()].sort(), last_seen: new Date().toISOString() };
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
