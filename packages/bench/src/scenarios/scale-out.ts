import { measureLoad, type LoadMeasurement } from '../load-run';
import { MeshCluster } from '../mesh-cluster';
import type { ResultRow } from '../report';
import type { ScenarioOutput, ScenarioRun } from '../scenario-context';
import { round } from '../stats';
import { CLIENT_CONCURRENCY, throughputTasks } from './throughput';

/**
 * Scenario 5: the throughput workload (L = 0, same task count) with one worker process and
 * then with two, each on a fresh cluster in the same schema. L = 0 puts the whole cost of the
 * engine on the CPU, so the comparison shows whether the worker process is the bottleneck
 * (per-process CPU is reported with it); a model latency only adds waiting, which the default
 * concurrency (4 queues × 100 per worker) already hides.
 */
export async function scaleOutScenario(run: ScenarioRun): Promise<ScenarioOutput> {
  const tasks = run.ctx.args.quick && run.ctx.args.tasks === undefined ? 60 : throughputTasks(run);
  const measured: Record<string, LoadMeasurement> = {};
  let settings: Record<string, unknown> = {};
  for (const workers of [1, 2]) {
    const label = workers === 1 ? 'one-worker' : 'two-workers';
    const profileDir = run.profileDir(label);
    const cluster = run.track(await MeshCluster.start(run.env, { latencyMs: 0, workers, ...(run.counters ? { counters: run.counters } : {}), ...(profileDir ? { profileDir } : {}) }));
    settings = { tasks, client_concurrency: CLIENT_CONCURRENCY, ...cluster.settings(), worker_processes: '1, then 2' };
    run.ctx.log(`scale-out: ${tasks} tasks with ${workers} worker process(es)`);
    measured[label] = await measureLoad(run, cluster, tasks, { clientConcurrency: CLIENT_CONCURRENCY, warmupTasks: run.ctx.args.quick ? 20 : 50 });
    await run.stopCluster(cluster);
  }
  const one = measured['one-worker']!;
  const two = measured['two-workers']!;
  const cpuLine = (m: LoadMeasurement) =>
    Object.entries(m.cpu.processes)
      .map(([name, p]) => `${name.replace(/ \(.*\)$/, '')} ${Math.round(p.corePercent)}%`)
      .join(', ') + `; machine ${Math.round(m.cpu.machineBusyPercent)}%`;
  const rows: ResultRow[] = [
    { metric: 'tasks/s with 1 worker process (steady)', value: `${round(one.tasksPerSecond, 1)} (${round(one.steadyTasksPerSecond, 1)})`, unit: 'tasks/s' },
    { metric: 'tasks/s with 2 worker processes (steady)', value: `${round(two.tasksPerSecond, 1)} (${round(two.steadyTasksPerSecond, 1)})`, unit: 'tasks/s' },
    { metric: 'speed-up 2 ÷ 1', value: round(two.tasksPerSecond / one.tasksPerSecond, 2) },
    { metric: 'CPU, 1 worker (share of one core)', value: cpuLine(one) },
    { metric: 'CPU, 2 workers (share of one core)', value: cpuLine(two) },
  ];
  return { settings, rows, details: measured };
}
