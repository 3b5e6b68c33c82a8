import { parseWorkerArgs } from './worker-args';

/** The message parseWorkerArgs throws (node:util's own errors come from another realm than jest's `Error`). */
function usageError(argv: string[]): { message: string } {
  try {
    parseWorkerArgs(argv);
  } catch (err) {
    return { message: String((err as { message?: unknown }).message) };
  }
  throw new Error(`parseWorkerArgs accepted ${JSON.stringify(argv)}`);
}

describe('worker arguments', () => {
  it('reads a list of agent types and a concurrency', () => {
    expect(parseWorkerArgs(['--agents', 'content,design', '--concurrency', '4'])).toEqual({ agents: ['content', 'design'], concurrency: 4 });
  });

  it('accepts the --flag=value form, trims entries and drops duplicates and empty ones', () => {
    expect(parseWorkerArgs(['--agents= content, design,,content ', '--concurrency=12'])).toEqual({ agents: ['content', 'design'], concurrency: 12 });
  });

  it('reads --agents all', () => {
    expect(parseWorkerArgs(['--agents', 'all', '--concurrency', '2'])).toEqual({ agents: 'all', concurrency: 2 });
  });

  it('serves every agent type when --agents is absent', () => {
    expect(parseWorkerArgs([]).agents).toBe('all');
  });

  it('leaves the concurrency to the configuration (MESH_WORKER_CONCURRENCY) when --concurrency is absent', () => {
    expect(parseWorkerArgs(['--agents', 'research'])).toEqual({ agents: ['research'], concurrency: undefined });
  });

  it('accepts custom agent types (any lowercase slug)', () => {
    expect(parseWorkerArgs(['--agents', 'legal-review,qa_2']).agents).toEqual(['legal-review', 'qa_2']);
  });

  it.each([['0'], ['-3'], ['100001']])('rejects --concurrency %s with the allowed range', (value) => {
    expect(usageError([`--concurrency=${value}`]).message).toBe('--concurrency must be a whole number from 1 to 100000');
  });

  it.each([['four'], ['2.5'], [''], ['4x'], ['1e3'], ['0x10'], [' 4']])('rejects --concurrency %j, which is not a whole number', (value) => {
    expect(usageError(['--concurrency', value]).message).toMatch(/^--concurrency must be a whole number/);
  });

  it.each([
    ['Content', 'Content'],
    ['content,de sign', 'de sign'],
    ['content,coordinator', 'coordinator'],
    ['content,9lives', '9lives'],
  ])('rejects --agents %j naming the bad type %j', (value, bad) => {
    const err = usageError(['--agents', value]);
    expect(err.message).toMatch(/^--agents must be "all" or a comma-separated list of specialist agent types/);
    expect(err.message).toContain(`bad: ${bad}`);
  });

  it('rejects an --agents list with no type in it', () => {
    expect(usageError(['--agents', ' , ']).message).toMatch(/^--agents must be "all" or a comma-separated list/);
  });

  it.each([
    [['--verbose'], '--verbose'],
    [['--agents', 'content', '--concurency', '4'], '--concurency'],
    [['-c', '4'], '-c'],
  ])('rejects the unknown option in %j, naming it', (argv, flag) => {
    const err = usageError(argv);
    expect(err.message).toContain('Unknown option');
    expect(err.message).toContain(flag);
  });

  it('rejects positional arguments and a flag without its value', () => {
    expect(usageError(['content']).message).toMatch(/positional argument/i);
    expect(usageError(['--concurrency']).message).toContain('--concurrency');
  });
});
