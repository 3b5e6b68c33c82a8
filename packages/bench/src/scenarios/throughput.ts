import { runCeiling } from '../ceiling';
import { measureLoad } from '../load-run';
import { MeshCluster } from '../mesh-cluster';
import type { ScenarioOutput, ScenarioRun } from '../scenario-context';
import { round } from '../stats';

export const CLIENT_CONCURRENCY = 64;
export const THROUGHPUT_TARGET_RATIO = 0.5;

export function throughputTasks(run: ScenarioRun): number {
  return run.ctx.args.tasks ?? (run.ctx.args.quick ? 150 : 2000);
}

/**
 * Scenario 1: tasks/s at L = 0 for the standard shape (plan, four parallel specialists,
 * synthesis) with one coordinator and one worker at the product's default concurrency; then, on
 * the same Redis with the mesh stopped, the raw BullMQ ceiling for the same number of flows.
 */
export async function throughputScenario(run: ScenarioRun): Promise<ScenarioOutput> {
  const tasks = throughputTasks(run);
  const cluster = run.track(
    await MeshCluster.start(run.env, { latencyMs: 0, workers: 1, ...(run.counters ? { counters: run.counters } : {}), ...(run.profileDir() ? { profileDir: run.profileDir()! } : {}) }),
  );
  const settings = { tasks, client_concurrency: CLIENT_CONCURRENCY, ...cluster.settings() };
  run.ctx.log(`throughput: ${tasks} tasks through the mesh`);
  const mesh = await measureLoad(run, cluster, tasks, { clientConcurrency: CLIENT_CONCURRENCY, warmupTasks: run.ctx.args.quick ? 20 : 50 });
  await run.stopCluster(cluster);

  run.ctx.log(`throughput: ${tasks} flows through raw BullMQ (the ceiling)`);
  const ceiling = await runCeiling({
    redisUrl: run.ctx.redisUrl,
    flows: tasks,
    parentConcurrency: 50,
    childConcurrency: 100,
    clientConcurrency: CLIENT_CONCURRENCY,
    timeoutMs: Math.max(60_000, tasks * 100),
    onCleanup: (fn) => run.cleanups.push(fn),
  });
  const ratio = mesh.tasksPerSecond / ceiling.flowsPerSecond;
  const rows = [
    { metric: 'mesh tasks/s (first created → last completed)', value: round(mesh.tasksPerSecond, 1), unit: 'tasks/s' },
    { metric: 'mesh tasks/s, steady state (middle 80 %)', value: round(mesh.steadyTasksPerSecond, 1), unit: 'tasks/s' },
    { metric: 'mesh tasks/s in each fifth of the run', value: mesh.ratesByFifth.join(' → '), unit: `(memory items at end: ${mesh.memoryItemsAtEnd})` },
    { metric: 'raw BullMQ ceiling (1 parent + 4 children, no-op)', value: round(ceiling.flowsPerSecond, 1), unit: 'flows/s' },
    { metric: 'mesh ÷ ceiling', value: round(ratio, 3), target: `≥ ${THROUGHPUT_TARGET_RATIO}`, pass: ratio >= THROUGHPUT_TARGET_RATIO },
    { metric: 'end-to-end under load p50 / p95', value: `${Math.round(mesh.endToEndMs.p50)} / ${Math.round(mesh.endToEndMs.p95)}`, unit: 'ms' },
    {
      metric: 'CPU per task: api + coordinator + worker / Postgres / Redis',
      value: `${round((mesh.cpuMsPerTask.api ?? 0) + (mesh.cpuMsPerTask.coordinator ?? 0) + (mesh.cpuMsPerTask['worker-1'] ?? 0), 1)} / ${round(mesh.cpuMsPerTask['postgres (our backends)'] ?? Number.NaN, 1)} / ${round(mesh.cpuMsPerTask['redis-server (all clients)'] ?? Number.NaN, 1)}`,
      unit: 'ms',
    },
    {
      metric: 'raw BullMQ: CPU per flow, node (parent + children) / Redis',
      value: `${round(((ceiling.cpu.processes['ceiling-parent']?.cpuMs ?? 0) + (ceiling.cpu.processes['ceiling-children']?.cpuMs ?? 0)) / tasks, 2)} / ${round(ceiling.redisCpuMsPerFlow, 2)}`,
      unit: 'ms',
    },
    {
      metric: 'Redis commands executed by the server per mesh task / per raw flow',
      value: `${round(mesh.serverPerTask.redisCommands ?? Number.NaN, 0)} / ${round(ceiling.redisCommandsPerFlow, 0)}`,
    },
    { metric: 'machine CPU busy during the run (all processes, all users)', value: round(mesh.cpu.machineBusyPercent, 0), unit: '%' },
    ...(mesh.calls
      ? [
          { metric: 'Postgres queries per task (all processes)', value: mesh.calls.pgQueries },
          { metric: 'Redis commands per task (round trips)', value: `${mesh.calls.redisCommands} (${mesh.calls.redisRoundTrips})` },
        ]
      : []),
  ];
  return { settings: { ...settings, ceiling: ceiling.settings }, rows, details: { mesh, ceiling, ratio } };
}
