import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchArgs, ScenarioName } from './bench-args';
import { createBenchEnv, type BenchEnv } from './bench-env';
import { CallCounters } from './call-counters';
import { summariseProfiles } from './cpu-profile-summary';
import { currentLoad } from './machine-info';
import type { MeshCluster } from './mesh-cluster';
import type { ResultRow, ScenarioResult } from './report';

export interface ScenarioContext {
  args: BenchArgs;
  databaseUrl: string;
  redisUrl: string;
  /** Where --profile puts each scenario's CPU profiles. */
  profileRoot: string;
  log(message: string): void;
}

/** What a scenario hands back; the runner adds timing, load and the errors it saw. */
export interface ScenarioOutput {
  settings: Record<string, unknown>;
  rows: ResultRow[];
  details: Record<string, unknown>;
  errors?: string[];
}

/** Resources of one scenario run: its isolated env, counters, and the clusters to check and stop. */
export class ScenarioRun {
  readonly clusters: MeshCluster[] = [];
  readonly errors: string[] = [];
  /** Error-level lines the product's processes logged (reported as a missed target, not a broken run). */
  readonly processErrorLines: string[] = [];
  counters: CallCounters | undefined;
  /** Extra teardown (e.g. the ceiling's keys), run first, also on Ctrl-C. */
  readonly cleanups: (() => Promise<void>)[] = [];

  constructor(
    readonly ctx: ScenarioContext,
    readonly name: ScenarioName,
    readonly env: BenchEnv,
  ) {
    if (ctx.args.count) this.counters = new CallCounters();
  }

  profileDir(label = 'mesh'): string | undefined {
    return this.ctx.args.profile ? join(this.ctx.profileRoot, this.name, label) : undefined;
  }

  track(cluster: MeshCluster): MeshCluster {
    this.clusters.push(cluster);
    return cluster;
  }

  /** Stops a cluster, recording crashes and error-level log lines as errors of the run. */
  async stopCluster(cluster: MeshCluster): Promise<void> {
    const exits = await cluster.stop();
    for (const e of exits) if (e.code !== 0) this.errors.push(`${e.name} exited with code ${e.code} (signal ${e.signal})`);
    this.processErrorLines.push(...cluster.errorLines());
    const i = this.clusters.indexOf(cluster);
    if (i >= 0) this.clusters.splice(i, 1);
  }
}

let activeCleanup: (() => Promise<void>) | undefined;

/** Stops the processes of the scenario that is running and drops its schema and keys (on Ctrl-C). */
export async function cleanupActiveScenario(): Promise<void> {
  await activeCleanup?.();
}

/**
 * Runs one scenario in its own schema and queue prefix, always tearing down (processes
 * stopped, schema dropped, keys deleted), and reports load before and after.
 */
export async function runScenario(ctx: ScenarioContext, name: ScenarioName, body: (run: ScenarioRun) => Promise<ScenarioOutput>): Promise<ScenarioResult> {
  const startedAt = new Date();
  const loadBefore = currentLoad();
  ctx.log(`${name}: starting (load ${loadBefore.join(' ')})`);
  const env = await createBenchEnv(name, { databaseUrl: ctx.databaseUrl, redisUrl: ctx.redisUrl });
  const run = new ScenarioRun(ctx, name, env);
  // Once only, and everyone (the scenario's end, a Ctrl-C) waits for the same teardown.
  let teardown: Promise<void> | undefined;
  const cleanup = () => {
    teardown ??= (async () => {
      for (const fn of run.cleanups) await fn().catch(() => {});
      for (const cluster of [...run.clusters]) await run.stopCluster(cluster).catch((err: unknown) => run.errors.push(`stopping: ${String(err)}`));
      run.counters?.cleanup();
      await env.cleanup();
    })();
    return teardown;
  };
  activeCleanup = cleanup;
  let output: ScenarioOutput = { settings: {}, rows: [], details: {} };
  try {
    output = await body(run);
  } catch (err) {
    run.errors.push(err instanceof Error ? err.message : String(err));
  } finally {
    await cleanup();
    activeCleanup = undefined;
  }
  const details = { ...output.details };
  const profiles = join(ctx.profileRoot, name);
  if (ctx.args.profile && existsSync(profiles)) {
    details.cpuProfiles = Object.fromEntries(readdirSync(profiles).map((label) => [label, summariseProfiles(join(profiles, label))]));
  }
  const rows = [...output.rows];
  if (run.processErrorLines.length > 0) {
    const messages = new Map<string, number>();
    for (const line of run.processErrorLines) {
      const proc = /^\[([^\]]+)\]/.exec(line)?.[1] ?? '?';
      let text = line;
      try {
        const parsed = JSON.parse(line.slice(line.indexOf('{'))) as { message?: string; error?: string };
        text = `${parsed.message ?? ''}${parsed.error ? `: ${parsed.error}` : ''}`;
      } catch {
        // not JSON: keep the line
      }
      const key = `${proc}: ${text.slice(0, 160)}`;
      messages.set(key, (messages.get(key) ?? 0) + 1);
    }
    const top = [...messages.entries()].sort((a, b) => b[1] - a[1]);
    rows.push({
      metric: 'error-level log lines from the processes',
      value: `${run.processErrorLines.length} (${top
        .slice(0, 2)
        .map(([m, n]) => `${n} × ${m}`)
        .join('; ')})`,
      target: '0',
      pass: false,
    });
    details.processErrors = Object.fromEntries(top);
  }
  const result: ScenarioResult = {
    name,
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    loadBefore,
    loadAfter: currentLoad(),
    settings: { ...output.settings, schema: env.schema, queue_prefix: env.queuePrefix },
    rows,
    details,
    errors: [...(output.errors ?? []), ...run.errors],
  };
  ctx.log(`${name}: done in ${Math.round(result.durationS)} s${result.errors.length ? ` with ${result.errors.length} error(s)` : ''}`);
  return result;
}
