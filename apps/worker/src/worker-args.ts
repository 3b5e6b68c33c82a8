import { parseArgs } from 'node:util';
import { AgentType } from '@mesh/core';

export interface WorkerArgs {
  agents: string[] | 'all';
  concurrency: number | undefined;
}

/** `--agents all|content,design` and `--concurrency N`; throws with a usage message on bad input. */
export function parseWorkerArgs(argv: string[]): WorkerArgs {
  const { values } = parseArgs({
    args: argv,
    options: { agents: { type: 'string', default: 'all' }, concurrency: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const raw = (values.agents ?? 'all').trim();
  let agents: WorkerArgs['agents'] = 'all';
  if (raw !== 'all') {
    agents = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
    const bad = agents.filter((a) => !AgentType.safeParse(a).success || a === 'coordinator');
    if (agents.length === 0 || bad.length > 0) {
      throw new Error(`--agents must be "all" or a comma-separated list of specialist agent types (bad: ${bad.join(', ') || raw})`);
    }
  }
  let concurrency: number | undefined;
  if (values.concurrency !== undefined) {
    // Plain digits only, as the environment variables: Number() would also take 1e3 and 0x10.
    concurrency = /^\d{1,6}$/.test(values.concurrency) ? Number(values.concurrency) : Number.NaN;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100_000) throw new Error('--concurrency must be a whole number from 1 to 100000');
  }
  return { agents, concurrency };
}
