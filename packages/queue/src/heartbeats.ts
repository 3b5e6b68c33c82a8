import { z } from 'zod';
import type { Redis } from 'ioredis';
import { masterConnections } from './redis-connection';

export type ProcessKind = 'coordinator' | 'worker';

export interface HeartbeatSource {
  /** Unique per process, e.g. `worker-<hostname>-<pid>`. */
  id: string;
  kind: ProcessKind;
  /** Read at every beat, so a worker serving `--agents all` reports types added at run time. */
  agentTypes: () => string[];
  /** A worker started with `--agents all`: it serves every type, including ones added later. */
  servesAll?: boolean;
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
  /** `--agents all`: every agent type is served by this process (new ones within its discovery interval). */
  serves_all: z.boolean().optional(),
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
      ...(source.servesAll ? { serves_all: true } : {}),
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
  // SCAN sees one node: on a cluster, every master (the keys share the prefix's slot, so one has them all).
  for (const node of masterConnections(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', heartbeatKey(prefix, '*'), 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
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

/** Which agent types the live workers serve, from their heartbeats. */
export interface ServedAgentTypes {
  /** A live worker serves every type (`--agents all`). */
  all: boolean;
  types: ReadonlySet<string>;
}

export function servedAgentTypes(heartbeats: readonly Heartbeat[]): ServedAgentTypes {
  const workers = heartbeats.filter((h) => h.kind === 'worker');
  return { all: workers.some((w) => w.serves_all === true), types: new Set(workers.flatMap((w) => w.agent_types)) };
}

export function isServed(served: ServedAgentTypes, agentType: string): boolean {
  return served.all || served.types.has(agentType);
}

/** What to tell someone whose agent type no live worker serves. */
export function unservedMessage(agentType: string): string {
  return `no worker serves agent type '${agentType}': start one with --agents ${agentType} or --agents all`;
}

/**
 * The fleet's served agent types, read from the heartbeats at most once per `maxAgeMs` (the
 * coordinator asks for every plan; the heartbeats change every few seconds at most).
 */
export class FleetView {
  private cached: { at: number; value: Promise<ServedAgentTypes> } | undefined;

  constructor(
    private readonly read: () => Promise<Heartbeat[]>,
    private readonly maxAgeMs = 1_000,
  ) {}

  /** `fresh`: read the heartbeats now, whatever the cache holds (a type looks unserved: a worker started a moment ago may serve it). */
  served(options: { fresh?: boolean } = {}): Promise<ServedAgentTypes> {
    const now = Date.now();
    if (options.fresh || !this.cached || now - this.cached.at > this.maxAgeMs) {
      const value = this.read().then(servedAgentTypes);
      // A failed read (Redis down), or one that saw no worker at all (a fleet starting), is not
      // kept: the next call reads again.
      value.then(
        (served) => {
          if (!served.all && served.types.size === 0 && this.cached?.value === value) this.cached = undefined;
        },
        () => (this.cached = undefined),
      );
      this.cached = { at: now, value };
    }
    return this.cached.value;
  }
}
