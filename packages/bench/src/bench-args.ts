import { parseArgs } from 'node:util';

export const SCENARIOS = ['throughput', 'latency', 'concurrency', 'prompt-growth', 'scale-out', 'tools', 'approvals', 'fairness', 'semantic-memory'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchArgs {
  quick: boolean;
  scenarios: ScenarioName[];
  /** Tasks of the throughput and scale-out runs (and flows of the ceiling); undefined: the mode's default. */
  tasks: number | undefined;
  /** --cpu-prof for the launched processes, summarised after each scenario. */
  profile: boolean;
  /** Count Postgres queries and Redis commands inside the launched processes (a --require hook). */
  count: boolean;
  /** Where latest.json, the dated copy and profiles go. */
  outDir: string | undefined;
}

export const USAGE = `usage: npm run bench -- [--quick] [--scenario ${SCENARIOS.join(',')}] [--tasks N] [--profile] [--no-count] [--out DIR]
  --quick      smaller counts (the whole run takes under two minutes)
  --scenario   run only these scenarios (comma-separated)
  --tasks N    tasks of the throughput and scale-out runs (default 2000; quick: 150, scale-out 60)
  --profile    CPU-profile the API, coordinator and worker processes (--cpu-prof) and print their hotspots
  --no-count   do not count Postgres queries and Redis commands per task inside the processes
  --out DIR    results directory (default bench/results)`;

/** Parses the command line; throws with the usage on bad input. */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string' },
      tasks: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'no-count': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new Error(USAGE);
  let scenarios: ScenarioName[] = [...SCENARIOS];
  if (values.scenario !== undefined) {
    const names = values.scenario
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
    if (names.length === 0 || bad.length > 0) throw new Error(`unknown scenario: ${bad.join(', ') || '(none)'}\n${USAGE}`);
    scenarios = SCENARIOS.filter((s) => names.includes(s));
  }
  let tasks: number | undefined;
  if (values.tasks !== undefined) {
    tasks = Number(values.tasks);
    if (!Number.isInteger(tasks) || tasks < 10 || tasks > 1_000_000) throw new Error(`--tasks must be a whole number from 10 to 1000000\n${USAGE}`);
  }
  return { quick: values.quick ?? false, scenarios, tasks, profile: values.profile ?? false, count: !values['no-count'], outDir: values.out };
}
