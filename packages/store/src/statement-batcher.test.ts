import { BatchItemFailure, StatementBatcher } from './statement-batcher';
import { withWorkPriority } from './work-priority';

/** Lets every pending microtask (and promise continuation) run: queued flushes start, finished runs settle. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A `run` whose calls the test finishes by hand: every call is recorded with its items, and
 * `release(i)` answers call i with one upper-cased result per item.
 */
function manualRun() {
  const calls: { items: string[]; done: Deferred<string[]> }[] = [];
  const run = jest.fn((items: string[]) => {
    const done = deferred<string[]>();
    calls.push({ items: [...items], done });
    return done.promise;
  });
  return {
    run,
    batches: () => calls.map((c) => c.items),
    release: (i: number) => calls[i]!.done.resolve(calls[i]!.items.map((s) => s.toUpperCase())),
  };
}

describe('StatementBatcher', () => {
  it('sends the requests made in one turn together, in one run call, and answers each caller', async () => {
    const run = jest.fn(async (items: number[]) => items.map((n) => n * 10));
    const batcher = new StatementBatcher(run);
    const results = await Promise.all([batcher.submit(1), batcher.submit(2), batcher.submit(3)]);
    expect(run.mock.calls).toEqual([[[1, 2, 3]]]);
    expect(results).toEqual([10, 20, 30]);
    expect(batcher.waiting).toBe(0);
  });

  it('with maxInFlight 1, batches the requests made while a run is in progress into the next run', async () => {
    const m = manualRun();
    const batcher = new StatementBatcher(m.run, { maxInFlight: 1 });

    const a = batcher.submit('a');
    await settle();
    expect(m.batches()).toEqual([['a']]);

    // Made in different turns while 'a' is in flight: they wait, then leave together.
    const b = batcher.submit('b');
    const c = batcher.submit('c');
    await settle();
    const d = batcher.submit('d');
    await settle();
    expect(m.batches()).toEqual([['a']]);
    expect(batcher.waiting).toBe(3);

    m.release(0);
    expect(await a).toBe('A');
    await settle();
    expect(m.batches()).toEqual([['a'], ['b', 'c', 'd']]);
    expect(batcher.waiting).toBe(0);

    // Arrives during the second run: goes alone in a third.
    const e = batcher.submit('e');
    await settle();
    expect(batcher.waiting).toBe(1);
    m.release(1);
    expect(await Promise.all([b, c, d])).toEqual(['B', 'C', 'D']);
    await settle();
    expect(m.batches()).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
    m.release(2);
    expect(await e).toBe('E');
    expect(m.run).toHaveBeenCalledTimes(3);
  });

  it('runs two statements at once by default and queues the rest for the first slot that frees', async () => {
    const m = manualRun();
    const batcher = new StatementBatcher(m.run);

    const a = batcher.submit('a');
    await settle();
    const b = batcher.submit('b');
    await settle();
    expect(m.batches()).toEqual([['a'], ['b']]);

    const c = batcher.submit('c');
    const d = batcher.submit('d');
    await settle();
    expect(m.batches()).toEqual([['a'], ['b']]);
    expect(batcher.waiting).toBe(2);

    // The second run finishes first: its slot takes the waiting requests, and each caller gets its own answer.
    m.release(1);
    expect(await b).toBe('B');
    await settle();
    expect(m.batches()).toEqual([['a'], ['b'], ['c', 'd']]);
    m.release(2);
    expect(await Promise.all([c, d])).toEqual(['C', 'D']);
    m.release(0);
    expect(await a).toBe('A');
  });

  it('splits a queue longer than maxBatch into batches of at most maxBatch, in order', async () => {
    const run = jest.fn(async (items: number[]) => items.map((n) => `r${n}`));
    const batcher = new StatementBatcher(run, { maxBatch: 3, maxInFlight: 1 });
    const items = [1, 2, 3, 4, 5, 6, 7];
    const results = await Promise.all(items.map((n) => batcher.submit(n)));
    expect(run.mock.calls.map(([batch]) => batch)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7],
    ]);
    expect(results).toEqual(items.map((n) => `r${n}`));
  });

  it('with several slots, fills them with consecutive slices of at most maxBatch', async () => {
    const run = jest.fn(async (items: number[]) => items.map((n) => -n));
    const batcher = new StatementBatcher(run, { maxBatch: 2, maxInFlight: 3 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(run.mock.calls.map(([batch]) => batch)).toEqual([[1, 2], [3, 4], [5]]);
    expect(results).toEqual([-1, -2, -3, -4, -5]);
  });

  it('delivers each result to its own caller, in the order of the batch', async () => {
    // Results that cannot be told apart by position alone if they were shuffled.
    const run = jest.fn(async (items: { id: string }[]) => items.map((item) => ({ for: item.id, echo: item })));
    const batcher = new StatementBatcher(run);
    const requests = ['x', 'y', 'z', 'w'].map((id) => ({ id }));
    const results = await Promise.all(requests.map((r) => batcher.submit(r)));
    expect(run).toHaveBeenCalledTimes(1);
    results.forEach((result, i) => {
      expect(result.for).toBe(requests[i]!.id);
      expect(result.echo).toBe(requests[i]);
    });
  });

  it('when a batch fails as a whole, retries each item alone and fails only the bad item', async () => {
    const run = jest.fn(async (items: string[]) => {
      if (items.includes('bad')) throw new Error(`cannot run ${items.join(',')}`);
      return items.map((s) => `${s}!`);
    });
    const batcher = new StatementBatcher(run);
    const outcomes = await Promise.allSettled(['ok1', 'bad', 'ok2'].map((s) => batcher.submit(s)));
    expect(run.mock.calls.map(([batch]) => batch)).toEqual([['ok1', 'bad', 'ok2'], ['ok1'], ['bad'], ['ok2']]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'ok1!' });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'cannot run bad' }) });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 'ok2!' });

    // The batcher keeps working afterwards.
    expect(await batcher.submit('later')).toBe('later!');
  });

  it('rejects a lone request whose run fails without running it again', async () => {
    const error = new Error('boom');
    const run = jest.fn(async (): Promise<string[]> => {
      throw error;
    });
    const batcher = new StatementBatcher(run);
    await expect(batcher.submit('only')).rejects.toBe(error);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('rejects only the caller whose result is a BatchItemFailure, without retrying the batch', async () => {
    const itemError = new Error('this one failed');
    const run = jest.fn(async (items: string[]) => items.map((s) => (s === 'b' ? new BatchItemFailure(itemError) : s.toUpperCase())));
    const batcher = new StatementBatcher<string, string>(run);
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((s) => batcher.submit(s)));
    expect(run.mock.calls).toEqual([[['a', 'b', 'c']]]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'rejected', reason: itemError },
      { status: 'fulfilled', value: 'C' },
    ]);
  });

  it('treats a result count that does not match the batch as a failure of the batch', async () => {
    // Drops the first result of any batch of several: the callers must not get shifted answers.
    const run = jest.fn(async (items: string[]) => (items.length > 1 ? items.slice(1) : items).map((s) => `<${s}>`));
    const batcher = new StatementBatcher(run);
    const results = await Promise.all([batcher.submit('a'), batcher.submit('b'), batcher.submit('c')]);
    expect(run.mock.calls.map(([batch]) => batch)).toEqual([['a', 'b', 'c'], ['a'], ['b'], ['c']]);
    expect(results).toEqual(['<a>', '<b>', '<c>']);
  });

  it('rejects a lone request whose run returns the wrong number of results', async () => {
    const run = jest.fn(async (): Promise<string[]> => []);
    const batcher = new StatementBatcher(run);
    await expect(batcher.submit('x')).rejects.toThrow(/a batch of 1 returned 0 results/);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('fails every caller at once, without retrying one by one, when Postgres is unreachable', async () => {
    const down = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const run = jest.fn(async (): Promise<string[]> => {
      throw down;
    });
    const batcher = new StatementBatcher(run);
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((s) => batcher.submit(s)));
    expect(run).toHaveBeenCalledTimes(1);
    expect(outcomes.map((o) => o.status === 'rejected' && o.reason)).toEqual([down, down, down]);
  });

  it('rejects a retried item whose run returns no result instead of resolving it with nothing', async () => {
    // Fails any batch of several, then answers 'b' alone with an empty result list.
    const run = jest.fn(async (items: string[]): Promise<string[]> => {
      if (items.length > 1) throw new Error('batch failed');
      return items[0] === 'b' ? [] : items.map((s) => s.toUpperCase());
    });
    const batcher = new StatementBatcher(run);
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((s) => batcher.submit(s)));
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'rejected', reason: expect.objectContaining({ message: 'a batch of 1 returned 0 results' }) },
      { status: 'fulfilled', value: 'C' },
    ]);
  });

  it('with spread, shares the waiting requests out over the free slots', async () => {
    const releases: (() => void)[] = [];
    const run = jest.fn((items: number[]) => new Promise<number[]>((resolve) => releases.push(() => resolve(items))));
    const batcher = new StatementBatcher(run, { spread: true, maxInFlight: 2 });
    const first = [1, 2, 3, 4, 5].map((n) => batcher.submit(n));
    await Promise.resolve();
    expect(run.mock.calls.map(([batch]) => batch)).toEqual([[1, 2, 3], [4, 5]]);
    // Both slots busy: later requests wait, then fill the one slot that frees in one batch.
    const later = [6, 7, 8].map((n) => batcher.submit(n));
    releases[0]!();
    await Promise.all(first.slice(0, 3));
    await new Promise((r) => setImmediate(r));
    expect(run.mock.calls.map(([batch]) => batch)).toEqual([[1, 2, 3], [4, 5], [6, 7, 8]]);
    releases[1]!();
    releases[2]!();
    expect(await Promise.all([...first, ...later])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses a maxBatch or maxInFlight that is not a positive integer', () => {
    const run = async (items: number[]) => items;
    expect(() => new StatementBatcher(run, { maxBatch: 0 })).toThrow(/maxBatch/);
    expect(() => new StatementBatcher(run, { maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => new StatementBatcher(run, { maxBatch: -1 })).toThrow(/maxBatch/);
    expect(() => new StatementBatcher(run, { maxInFlight: 1.5 })).toThrow(/maxInFlight/);
    expect(() => new StatementBatcher(run, { maxBatch: 1, maxInFlight: 1 })).not.toThrow();
  });
});

describe('StatementBatcher under work priorities', () => {
  it('sends waiting requests in priority order, and a statement carries requests of about one priority', async () => {
    const m = manualRun();
    const batcher = new StatementBatcher(m.run, { maxInFlight: 1 });
    const first = batcher.submit('first');
    await settle();
    // Made while the first statement is in flight: a burst at share 7, then one quiet request at share 0.
    const burst = ['a1', 'a2', 'a3'].map((s) => withWorkPriority(7, () => batcher.submit(s)));
    const quiet = withWorkPriority(0, () => batcher.submit('b'));
    await settle();
    m.release(0);
    await first;
    await settle();
    expect(m.batches()[1]).toEqual(['b']);
    m.release(1);
    await quiet;
    await settle();
    expect(m.batches()[2]).toEqual(['a1', 'a2', 'a3']);
    m.release(2);
    await Promise.all(burst);
  });

  it('opens one express statement beyond maxInFlight for requests more urgent than all in flight, and no more', async () => {
    const m = manualRun();
    const batcher = new StatementBatcher(m.run, { maxInFlight: 1 });
    const a = withWorkPriority(7, () => batcher.submit('a'));
    await settle();
    const sameShare = withWorkPriority(7, () => batcher.submit('a-later'));
    const urgent = withWorkPriority(0, () => batcher.submit('b'));
    await settle();
    // 'b' leaves at once beside 'a'; 'a-later' is no more urgent than 'a', so it waits.
    expect(m.batches()).toEqual([['a'], ['b']]);
    const urgent2 = withWorkPriority(0, () => batcher.submit('b2'));
    await settle();
    expect(m.batches()).toHaveLength(2);
    m.release(1);
    await urgent;
    await settle();
    expect(m.batches()[2]).toEqual(['b2']);
    m.release(2);
    m.release(0);
    await Promise.all([a, urgent2]);
    await settle();
    expect(m.batches()[3]).toEqual(['a-later']);
    m.release(3);
    await sameShare;
  });

  it('lets neighbouring priorities ride together (a tenant whose share moved by one)', async () => {
    const m = manualRun();
    const batcher = new StatementBatcher(m.run, { maxInFlight: 1 });
    const first = batcher.submit('first');
    await settle();
    const rest = [withWorkPriority(3, () => batcher.submit('s3')), withWorkPriority(4, () => batcher.submit('s4')), withWorkPriority(5, () => batcher.submit('s5'))];
    await settle();
    m.release(0);
    await first;
    await settle();
    expect(m.batches()[1]).toEqual(['s3', 's4']);
    m.release(1);
    await settle();
    expect(m.batches()[2]).toEqual(['s5']);
    m.release(2);
    await Promise.all(rest);
  });
});
