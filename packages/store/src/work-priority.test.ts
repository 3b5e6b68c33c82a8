import { insertByPriority } from '@mesh/core';
import { GateTimeoutError, PriorityGate, withWorkPriority, workPriority } from './work-priority';
import { isTransientPgError } from './pg-errors';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('work priority', () => {
  it('is 0 outside any job and follows the async work started inside one', async () => {
    expect(workPriority()).toBe(0);
    const seen = await withWorkPriority(5, async () => {
      await settle();
      return new Promise<number>((resolve) => setTimeout(() => resolve(workPriority()), 1));
    });
    expect(seen).toBe(5);
    expect(workPriority()).toBe(0);
  });

  it('inserts after every entry of the same or a more urgent priority', () => {
    const list: { priority: number; id: string }[] = [];
    for (const [priority, id] of [[5, 'a'], [1, 'b'], [5, 'c'], [0, 'd'], [1, 'e'], [9, 'f']] as const) insertByPriority(list, { priority, id });
    expect(list.map((e) => e.id)).toEqual(['d', 'b', 'e', 'a', 'c', 'f']);
  });
});

describe('PriorityGate', () => {
  it('gives free permits at once, then hands each released permit to the most urgent waiter', async () => {
    const gate = new PriorityGate(1, 0);
    const order: string[] = [];
    const hold = gate.acquire();
    await hold;
    const waiters = [
      withWorkPriority(7, () => gate.run(async () => void order.push('a1'))),
      withWorkPriority(7, () => gate.run(async () => void order.push('a2'))),
      withWorkPriority(0, () => gate.run(async () => void order.push('b'))),
    ];
    await settle();
    expect(gate.waiting).toBe(3);
    gate.release();
    await Promise.all(waiters);
    expect(order).toEqual(['b', 'a1', 'a2']);
    expect(gate.waiting).toBe(0);
  });

  it('fails a waiter after waitMs with an error Postgres callers treat as transient, and forgets it', async () => {
    const gate = new PriorityGate(1, 20);
    await gate.acquire();
    const late = gate.acquire();
    await expect(late).rejects.toBeInstanceOf(GateTimeoutError);
    await late.catch((err) => expect(isTransientPgError(err)).toBe(true));
    expect(gate.waiting).toBe(0);
    gate.release();
    // The permit is free again: the next caller gets it at once.
    await expect(gate.acquire()).resolves.toBeUndefined();
  });

  it('never holds more permits than it has, even when a permit is released twice', async () => {
    const gate = new PriorityGate(2, 0);
    await gate.acquire();
    gate.release();
    gate.release();
    await gate.acquire();
    await gate.acquire();
    let third = false;
    void gate.acquire().then(() => (third = true));
    await settle();
    expect(third).toBe(false);
  });
});
