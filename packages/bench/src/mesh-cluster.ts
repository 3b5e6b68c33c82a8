import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { appEntry, createApiClient, freePort, launch, type ApiClient, type LaunchedProcess, type MeshApp } from '@mesh/testing';
import { BENCH_API_KEY, type BenchEnv } from './bench-env';
import type { CallCounters } from './call-counters';

export interface MeshClusterOptions {
  /** MESH_SIM_LATENCY_MS: how long each simulated model call takes. */
  latencyMs: number;
  /** Worker processes (`--agents all`) started with the cluster. */
  workers: number;
  /** Extra worker arguments, e.g. ['--concurrency', '1000']. */
  workerArgs?: string[];
  /** Extra environment for every process (settings a scenario is about). */
  env?: Record<string, string>;
  /** Writes a V8 CPU profile of each process into `<profileDir>/<process>/` when it exits. */
  profileDir?: string;
  /** Loads the call-counting hook into each process. */
  counters?: CallCounters;
}

export interface ClusterProcess {
  name: string;
  app: MeshApp;
  proc: LaunchedProcess;
  pid: number;
}

const NETWORK_BODY = {
  name: 'Benchmark network',
  description: 'Marketing network used by npm run bench: the five default agents.',
  shared_context: { company: 'Acme Analytics', industry: 'B2B SaaS', brand_voice: 'clear, practical, friendly' },
};

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `url` until it answers with one of `okStatuses`; fails early if the process exits. */
async function waitForHttp(proc: LaunchedProcess, url: string, okStatuses: number[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${proc.name} exited (code ${proc.child.exitCode}) before it was ready. Last lines:\n${proc.lines.slice(-15).join('\n')}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (okStatuses.includes(res.status)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${proc.name} not ready at ${url} within ${timeoutMs} ms. Last lines:\n${proc.lines.slice(-15).join('\n')}`);
    await sleep(100);
  }
}

/**
 * The product's own processes, started from dist against a scenario's schema and prefix: the
 * API, one coordinator and N workers (`--agents all`), with the simulated provider at a fixed
 * latency. Processes log at warn (readiness is polled on /readyz and /health instead of read
 * from info-level lines). The network is created through the API before the workers start, so
 * `--agents all` finds its agent types at once.
 */
export class MeshCluster {
  readonly processes: ClusterProcess[] = [];
  client!: ApiClient;
  apiUrl = '';
  networkId = '';
  private workerCount = 0;

  private constructor(
    private readonly benchEnv: BenchEnv,
    private readonly options: MeshClusterOptions,
  ) {}

  static async start(benchEnv: BenchEnv, options: MeshClusterOptions): Promise<MeshCluster> {
    const cluster = new MeshCluster(benchEnv, options);
    try {
      await cluster.startApi();
      cluster.networkId = await cluster.createNetwork();
      await Promise.all([cluster.startCoordinator(), ...Array.from({ length: options.workers }, () => cluster.startWorker())]);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The settings the processes run with (reported with every scenario). */
  settings(): Record<string, string | number> {
    return {
      MESH_SIM_LATENCY_MS: this.options.latencyMs,
      worker_processes: this.workerCount,
      worker_args: ['--agents', 'all', ...(this.options.workerArgs ?? [])].join(' '),
      ...this.options.env,
      MESH_WORKER_CONCURRENCY: this.options.env?.MESH_WORKER_CONCURRENCY ?? '100 (default)',
      MESH_COORDINATOR_CONCURRENCY: this.options.env?.MESH_COORDINATOR_CONCURRENCY ?? '50 (default)',
      MESH_ADAPTIVE_CONCURRENCY: this.options.env?.MESH_ADAPTIVE_CONCURRENCY ?? 'true (default)',
      DATABASE_POOL_SIZE: this.options.env?.DATABASE_POOL_SIZE ?? '10 (default)',
    };
  }

  /**
   * Starts one process from dist like launchApp does, but with Node flags before the entry point
   * (--cpu-prof is not allowed in NODE_OPTIONS) and at log level warn.
   */
  private launchProcess(app: MeshApp, name: string, extraEnv: Record<string, string>, args: string[] = []): LaunchedProcess {
    const nodeArgs: string[] = [];
    const env: Record<string, string> = {
      ...this.benchEnv.env,
      LOG_LEVEL: 'warn',
      MESH_SIM_LATENCY_MS: String(this.options.latencyMs),
      ...this.options.env,
      ...extraEnv,
    };
    // NODE_OPTIONS given to the benchmark reach the processes (e.g. a --require hook that tries a change).
    if (process.env.NODE_OPTIONS) env.NODE_OPTIONS = process.env.NODE_OPTIONS;
    if (this.options.counters) {
      nodeArgs.push(...this.options.counters.nodeOptions());
      Object.assign(env, this.options.counters.env());
    }
    if (this.options.profileDir) {
      const dir = join(this.options.profileDir, name);
      mkdirSync(dir, { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`, ...(process.env.BENCH_CPU_PROF_INTERVAL ? [`--cpu-prof-interval=${process.env.BENCH_CPU_PROF_INTERVAL}`] : []));
    }
    return launch(name, process.execPath, [...nodeArgs, appEntry(app), ...args], env);
  }

  private add(name: string, app: MeshApp, proc: LaunchedProcess): ClusterProcess {
    const entry = { name, app, proc, pid: proc.child.pid ?? 0 };
    this.processes.push(entry);
    return entry;
  }

  private async startApi(): Promise<void> {
    const port = await freePort();
    const proc = this.launchProcess('api', 'api', { PORT: String(port), HOST: '127.0.0.1' });
    this.add('api', 'api', proc);
    this.apiUrl = `http://127.0.0.1:${port}`;
    // 503 = listening but degraded: still ready to take requests.
    await waitForHttp(proc, `${this.apiUrl}/api/mesh/health`, [200, 503], 30_000);
    this.client = createApiClient(this.apiUrl, BENCH_API_KEY);
  }

  private async createNetwork(client: ApiClient = this.client): Promise<string> {
    const res = await client.request('POST', '/networks', NETWORK_BODY);
    if (res.status !== 201) throw new Error(`creating the benchmark network failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  /**
   * A client with another tenant's API key (which the processes must know: MESH_API_KEYS in
   * `env`) and that tenant's own network of the five default agents — the same agent types, so
   * the same queues and the workers already serving them.
   */
  async tenantNetwork(apiKey: string): Promise<{ client: ApiClient; networkId: string }> {
    const client = createApiClient(this.apiUrl, apiKey);
    return { client, networkId: await this.createNetwork(client) };
  }

  private async startCoordinator(): Promise<void> {
    const port = await freePort();
    const proc = this.launchProcess('coordinator', 'coordinator', { METRICS_PORT: String(port), HOST: '127.0.0.1' });
    this.add('coordinator', 'coordinator', proc);
    await waitForHttp(proc, `http://127.0.0.1:${port}/readyz`, [200], 30_000);
  }

  /** Starts one more worker process and waits until it takes work. */
  async startWorker(): Promise<ClusterProcess> {
    this.workerCount += 1;
    const name = `worker-${this.workerCount}`;
    const port = await freePort();
    const proc = this.launchProcess('worker', name, { METRICS_PORT: String(port), HOST: '127.0.0.1' }, ['--agents', 'all', ...(this.options.workerArgs ?? [])]);
    const entry = this.add(name, 'worker', proc);
    await waitForHttp(proc, `http://127.0.0.1:${port}/readyz`, [200], 30_000);
    return entry;
  }

  get workers(): ClusterProcess[] {
    return this.processes.filter((p) => p.app === 'worker');
  }

  /** Lines at level error from any process (the benchmark must run without them). */
  errorLines(): string[] {
    return this.processes.flatMap((p) => p.proc.lines.filter((l) => /"level":"error"/.test(l)).map((l) => `[${p.name}] ${l}`));
  }

  /** The last lines each process wrote (for error messages). */
  recentLines(perProcess = 3): string {
    return this.processes.map((p) => p.proc.lines.slice(-perProcess).map((l) => `[${p.name}] ${l.slice(0, 300)}`).join('\n')).filter(Boolean).join('\n');
  }

  warningCount(): number {
    return this.processes.reduce((n, p) => n + p.proc.lines.filter((l) => /"level":"warn"/.test(l)).length, 0);
  }

  /** SIGTERM to workers and coordinator first (they drain), then the API; exit codes are checked by the caller. */
  async stop(): Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }[]> {
    const order = [...this.processes.filter((p) => p.app !== 'api'), ...this.processes.filter((p) => p.app === 'api')];
    const results: { name: string; code: number | null; signal: NodeJS.Signals | null }[] = [];
    const nonApi = order.filter((p) => p.app !== 'api');
    for (const r of await Promise.all(nonApi.map(async (p) => ({ name: p.name, ...(await p.proc.stop(30_000)) }))))
      results.push(r);
    for (const p of order.filter((q) => q.app === 'api')) results.push({ name: p.name, ...(await p.proc.stop(30_000)) });
    return results;
  }
}
