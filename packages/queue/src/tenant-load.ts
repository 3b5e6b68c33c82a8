import type { Redis } from 'ioredis';

/** How far one step of a tenant's share moves its jobs back: more than any task priority spans (jobPriority ≤ 20). */
export const SHARE_STEP = 32;

/**
 * Fairness between tenants, decided when a job is enqueued. BullMQ serves a queue first in, first
 * out within a priority, so a tenant's burst would delay everyone behind it; instead each job's
 * priority carries its tenant's share: the tenant's unfinished tasks divided by its weight
 * (MESH_TENANT_WEIGHTS, or set by an operator), on a log2 scale (0 for none, 1 for one, 2 for two
 * or three, … 11 for about 2,000). A tenant with little in flight gets its jobs ahead of one
 * working off a burst; as the burst drains, its new jobs move forward again — a weighted
 * least-served-first order across every queue the mesh uses. The log scale keeps a tenant's own
 * task priorities in force among jobs enqueued at about the same load. Counts live in Redis (one hash per
 * prefix), kept by the task start and end announcements, and reset from Postgres by the recovery
 * sweeper; shares are read at most every `maxAgeMs` per process.
 */
export class TenantLoad {
  private readonly loadKey: string;
  private readonly weightsKey: string;
  private readonly shares = new Map<string, { at: number; value: Promise<number> }>();

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly options: { weights?: Readonly<Record<string, number>>; maxAgeMs?: number } = {},
  ) {
    this.loadKey = `${prefix}:tenant-load`;
    this.weightsKey = `${prefix}:tenant-weights`;
  }

  async started(tenantId: string): Promise<void> {
    await this.redis.hincrby(this.loadKey, tenantId, 1).catch(() => 0);
  }

  /** A task of the tenant ended (never below zero). */
  async ended(tenantId: string): Promise<void> {
    const left = await this.redis.hincrby(this.loadKey, tenantId, -1).catch(() => 0);
    if (left < 0) await this.redis.hset(this.loadKey, tenantId, 0).catch(() => 0);
  }

  /** Replaces the counts with the ones Postgres holds (the recovery sweeper's leader, each sweep). */
  async resync(unfinished: ReadonlyMap<string, number>): Promise<void> {
    const multi = this.redis.multi().del(this.loadKey);
    if (unfinished.size > 0) multi.hset(this.loadKey, Object.fromEntries(unfinished));
    await multi.exec();
  }

  /** An operator's weight for a tenant (over MESH_TENANT_WEIGHTS); null removes it. */
  async setWeight(tenantId: string, weight: number | null): Promise<void> {
    if (weight === null) await this.redis.hdel(this.weightsKey, tenantId);
    else await this.redis.hset(this.weightsKey, tenantId, String(weight));
  }

  async weights(): Promise<Record<string, number>> {
    const stored = await this.redis.hgetall(this.weightsKey);
    return { ...this.options.weights, ...Object.fromEntries(Object.entries(stored).map(([t, w]) => [t, Number(w)])) };
  }

  /** The tenant's share (see shareOf; 0 when Redis cannot tell). */
  share(tenantId: string): Promise<number> {
    const cached = this.shares.get(tenantId);
    if (cached && Date.now() - cached.at < (this.options.maxAgeMs ?? 250)) return cached.value;
    const value = this.readShare(tenantId);
    if (this.shares.size > 10_000) this.shares.clear();
    this.shares.set(tenantId, { at: Date.now(), value });
    return value;
  }

  private async readShare(tenantId: string): Promise<number> {
    try {
      const [count, stored] = await Promise.all([this.redis.hget(this.loadKey, tenantId), this.redis.hget(this.weightsKey, tenantId)]);
      const weight = Number(stored ?? this.options.weights?.[tenantId] ?? 1) || 1;
      return shareOf(Math.max(0, Number(count ?? 0)), weight);
    } catch {
      return 0;
    }
  }
}

/** The share of a tenant with `unfinished` tasks and `weight`: log2 of its load, as a whole number. */
export function shareOf(unfinished: number, weight: number): number {
  return Math.floor(Math.log2(1 + unfinished / weight));
}

/** The tenant share a job's BullMQ priority carries (see fairPriority). */
export function shareOfPriority(priority: number): number {
  return Math.floor(priority / SHARE_STEP);
}

/** A job's BullMQ priority with its tenant's share in front of the task's own priority. */
export function fairPriority(share: number, priority: number): number {
  return share * SHARE_STEP + priority;
}
