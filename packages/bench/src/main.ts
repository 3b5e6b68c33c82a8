import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { REPO_ROOT } from '@mesh/testing';
import { parseBenchArgs, type BenchArgs, type ScenarioName } from './bench-args';
import { machineInfo } from './machine-info';
import { costsLine, machineLine, renderMarkdown, renderTable, writeJson, type BenchReport, type ScenarioResult } from './report';
import { cleanupActiveScenario, runScenario, type ScenarioContext, type ScenarioOutput, type ScenarioRun } from './scenario-context';
import { approvalsScenario } from './scenarios/approvals';
import { concurrencyScenario } from './scenarios/concurrency';
import { fairnessScenario } from './scenarios/fairness';
import { latencyScenario } from './scenarios/latency';
import { promptGrowthScenario } from './scenarios/prompt-growth';
import { scaleOutScenario } from './scenarios/scale-out';
import { semanticMemoryScenario } from './scenarios/semantic-memory';
import { throughputScenario } from './scenarios/throughput';
import { toolsScenario } from './scenarios/tools';

let interrupted = false;

const SCENARIO_BODIES: Record<ScenarioName, (run: ScenarioRun) => Promise<ScenarioOutput>> = {
  throughput: throughputScenario,
  latency: latencyScenario,
  concurrency: concurrencyScenario,
  'prompt-growth': promptGrowthScenario,
  'scale-out': scaleOutScenario,
  tools: toolsScenario,
  approvals: approvalsScenario,
  fairness: fairnessScenario,
  'semantic-memory': semanticMemoryScenario,
};

function log(message: string): void {
  process.stderr.write(`\x1b[1;34m[bench]\x1b[0m ${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

async function main(args: BenchArgs): Promise<number> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const outDir = args.outDir ?? join(REPO_ROOT, 'bench', 'results');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  const machine = await machineInfo(redis, pool, REPO_ROOT).finally(async () => {
    redis.disconnect();
    await pool.end();
  });
  log(`${args.quick ? 'quick' : 'full'} run of ${args.scenarios.join(', ')} on ${machineLine(machine)} (load ${machine.loadAverageAtStart.join(' ')})`);
  const stamp = machine.date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  const ctx: ScenarioContext = { args, databaseUrl, redisUrl, profileRoot: join(outDir, 'profiles', stamp), log };
  const scenarios: ScenarioResult[] = [];
  for (const name of args.scenarios) {
    const result = await runScenario(ctx, name, SCENARIO_BODIES[name]);
    // Interrupted: the signal handler has cleaned up and exits; report nothing.
    if (interrupted) return new Promise<number>(() => {});
    scenarios.push(result);
  }

  const report: BenchReport = { machine, mode: args.quick ? 'quick' : 'full', args, scenarios };
  const files = writeJson(report, outDir);
  // The committed summary is only replaced by a full (not quick) run of every scenario.
  const complete = !args.quick && args.scenarios.length === SCENARIO_NAMES_COUNT;
  if (complete) {
    const md = join(REPO_ROOT, 'bench', 'RESULTS.md');
    writeFileSync(md, renderMarkdown(report, existsSync(md) ? readFileSync(md, 'utf8') : ''));
    files.push(md);
  }
  process.stdout.write(`\nAgent Mesh benchmark — ${report.mode} — ${machine.date} — ${machineLine(machine)} — commit ${machine.gitCommit}${machine.gitDirty ? '+dirty' : ''}\n`);
  process.stdout.write(`Costs on this machine: ${costsLine(machine)}\n\n`);
  process.stdout.write(`${renderTable(report)}\n\n`);
  for (const s of scenarios) {
    process.stdout.write(`${s.name}: ${Math.round(s.durationS)} s, load ${s.loadBefore.join(' ')} → ${s.loadAfter.join(' ')}; ${Object.entries(s.settings).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')}\n`);
  }
  process.stdout.write(`\nwritten: ${files.join(', ')}\n`);
  const errors = scenarios.reduce((n, s) => n + s.errors.length, 0);
  if (errors > 0) process.stderr.write(`\n${errors} error(s): the run is not valid\n`);
  return errors > 0 ? 1 : 0;
}

const SCENARIO_NAMES_COUNT = Object.keys(SCENARIO_BODIES).length;

let parsed: BenchArgs;
try {
  parsed = parseBenchArgs(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
// Ctrl-C: stop the processes of the running scenario and drop its schema and keys before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the processes and cleaning up`);
    cleanupActiveScenario().finally(() => process.exit(130));
  });
}

main(parsed).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
