import { TRACK_RECORD_WINDOW_MS, type TrackRecord } from '@mesh/core';
import type { StatsRepository } from '@mesh/store';

export interface TrackRecordCacheOptions {
  /** How long a network's records are reused before they are read again. Default 30 s. */
  ttlMs?: number;
  /** The most networks remembered at once; the oldest entry goes first. Default 1000. */
  maxNetworks?: number;
  now?: () => number;
}

const DEFAULTS = { ttlMs: 30_000, maxNetworks: 1_000, now: Date.now };

/**
 * The specialists' track records per network, read with one query and reused briefly: every plan
 * of a busy network would otherwise aggregate its last 30 days again, and a record that is a few
 * seconds old plans as well as a fresh one. Plans that ask at the same time share one query.
 */
export class TrackRecordCache {
  private readonly options: Required<TrackRecordCacheOptions>;
  private readonly entries = new Map<string, { readAt: number; records: Promise<ReadonlyMap<string, TrackRecord>> }>();

  constructor(
    private readonly stats: Pick<StatsRepository, 'trackRecords'>,
    options: TrackRecordCacheOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    if (!(this.options.ttlMs >= 0)) throw new Error('TrackRecordCache: ttlMs must be 0 or more');
    if (!(this.options.maxNetworks >= 1)) throw new Error('TrackRecordCache: maxNetworks must be at least 1');
  }

  /** The network's track records by agent type (a type without history has none). */
  of(tenantId: string, networkId: string): Promise<ReadonlyMap<string, TrackRecord>> {
    const key = `${tenantId}\u0000${networkId}`;
    const now = this.options.now();
    const cached = this.entries.get(key);
    if (cached && now - cached.readAt < this.options.ttlMs) return cached.records;
    const records = this.stats.trackRecords(tenantId, networkId, new Date(now - TRACK_RECORD_WINDOW_MS));
    // A failed read is not remembered: the next plan tries again.
    records.catch(() => {
      if (this.entries.get(key)?.records === records) this.entries.delete(key);
    });
    this.entries.delete(key);
    this.entries.set(key, { readAt: now, records });
    if (this.entries.size > this.options.maxNetworks) this.entries.delete(this.entries.keys().next().value!);
    return records;
  }
}
