import { batcherWaitsBetween, poolWaitsBetween } from './call-counters';
import type { CounterSnapshot } from './instrument';

const T0 = 1_800_000_000_000;

function snapshot(overrides: Partial<CounterSnapshot>): CounterSnapshot {
  return {
    seq: 1,
    pid: 42,
    pg: { queries: 0, byStatement: {} },
    redis: { commands: 0, roundTrips: 0, byCommand: {} },
    model: { inFlight: 0, peak: 0, calls: 0, samples: [], starts: [] },
    pool: { checkouts: 0, waitedMs: 0, samples: [] },
    batchers: { byLabel: {}, samples: [] },
    ...overrides,
  };
}

describe('poolWaitsBetween', () => {
  it('takes the checkouts and their wait between the snapshots, and the queue sampled inside the window', () => {
    const before = snapshot({ pool: { checkouts: 100, waitedMs: 50, samples: [] } });
    const after = snapshot({
      pool: {
        checkouts: 140,
        waitedMs: 450,
        samples: [
          [T0 - 100, 99, 10], // before the window
          [T0, 4, 10],
          [T0 + 100, 0, 6],
          [T0 + 200, 9, 10],
          [T0 + 300, 50, 10], // after it
        ],
      },
    });
    expect(poolWaitsBetween(before, after, T0, T0 + 200)).toEqual({ checkouts: 40, meanWaitMs: 10, waitingMedian: 4, waitingMax: 9, inUseMedian: 10, samples: 3 });
  });

  it('is null without a snapshot that has the pool, and has no mean wait without checkouts', () => {
    expect(poolWaitsBetween(null, null, T0, T0 + 1)).toBeNull();
    const { pool: _pool, ...older } = snapshot({});
    expect(poolWaitsBetween(null, older as CounterSnapshot, T0, T0 + 1)).toBeNull();
    expect(poolWaitsBetween(null, snapshot({}), T0, T0 + 1)).toMatchObject({ checkouts: 0, meanWaitMs: 0, samples: 0 });
  });
});

describe('batcherWaitsBetween', () => {
  it('gives each batcher’s requests, mean time to a result and its queue in the window', () => {
    const before = snapshot({ batchers: { byLabel: { claimMany: { submits: 10, waitedMs: 100 } }, samples: [] } });
    const after = snapshot({
      batchers: {
        byLabel: { claimMany: { submits: 30, waitedMs: 700 }, candidatesMany: { submits: 4, waitedMs: 80 }, completeMany: { submits: 5, waitedMs: 5 } },
        samples: [
          [T0, { claimMany: 3, candidatesMany: 1 }],
          [T0 + 100, { claimMany: 0 }],
          [T0 + 200, { claimMany: 12, candidatesMany: 0 }],
        ],
      },
    });
    const waits = batcherWaitsBetween(before, after, T0, T0 + 200);
    expect(waits.claimMany).toEqual({ submits: 20, meanMs: 30, waitingMedian: 3, waitingMax: 12 });
    // A sample without the label counts as nothing waiting.
    expect(waits.candidatesMany).toEqual({ submits: 4, meanMs: 20, waitingMedian: 0, waitingMax: 1 });
    expect(waits.completeMany?.waitingMax).toBe(0);
  });

  it('leaves out a batcher with no requests in the window', () => {
    const same = snapshot({ batchers: { byLabel: { claimMany: { submits: 10, waitedMs: 100 } }, samples: [] } });
    expect(batcherWaitsBetween(same, same, T0, T0 + 1)).toEqual({});
    expect(batcherWaitsBetween(null, null, T0, T0 + 1)).toEqual({});
  });
});
