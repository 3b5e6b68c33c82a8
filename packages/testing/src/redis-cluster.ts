import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './api-client';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  process: ChildProcess;
}

export interface TestRedisCluster {
  nodes: ClusterNode[];
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,…`: what REDIS_URL takes for a cluster. */
  url: string;
  /** The master that owns `key`'s slot now. */
  masterOf(key: string): Promise<ClusterNode>;
  /** kill -9 of one node; resolves once a replica has taken over its slots and the cluster is ok again. */
  killMaster(node: ClusterNode): Promise<{ failoverMs: number }>;
  stop(): Promise<void>;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 30_000 });
  return stdout;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`redis cluster: ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A real Redis Cluster on loopback ports: three masters and three replicas (`redis-server
 * --cluster-enabled yes`, joined with `redis-cli --cluster create … --cluster-replicas 1`), nothing
 * kept on disk but the cluster's own node files in a temporary folder. A node that stops answering
 * for 1.5 s is failed over to its replica. stop() ends every node and removes the folder.
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-redis-cluster-'));
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const nodes: ClusterNode[] = ports.map((port) => ({
    port,
    process: spawn(
      'redis-server',
      [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '1500',
        '--dir', dir,
        '--save', '',
        '--appendonly', 'no',
        '--maxmemory-policy', 'noeviction',
      ],
      { stdio: 'ignore' },
    ),
  }));
  const running = (node: ClusterNode) => node.process.exitCode === null && node.process.signalCode === null;
  const stop = async () => {
    const left = nodes.filter(running);
    const exits = left.map((node) => new Promise((r) => node.process.once('exit', r)));
    for (const node of left) node.process.kill('SIGKILL');
    await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const node of nodes) await waitUntil(`node ${node.port} to answer`, async () => (await cli(node.port, 'PING')).trim() === 'PONG', 10_000);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    for (const node of nodes) await waitUntil('cluster_state:ok on every node', async () => (await cli(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const alive = () => nodes.filter(running);
  const masterOf = async (key: string): Promise<ClusterNode> => {
    const some = alive()[0]!;
    const slot = Number((await cli(some.port, 'CLUSTER', 'KEYSLOT', key)).trim());
    const client = new Redis({ host: '127.0.0.1', port: some.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      const ranges = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
      const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
      const node = owner && nodes.find((n) => n.port === owner[2][1]);
      if (!node) throw new Error(`no master owns slot ${slot}`);
      return node;
    } finally {
      client.disconnect();
    }
  };
  return {
    nodes,
    url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    masterOf,
    async killMaster(node) {
      const id = (await cli(node.port, 'CLUSTER', 'MYID')).trim();
      const started = Date.now();
      const exited = new Promise((r) => node.process.once('exit', r));
      node.process.kill('SIGKILL');
      await exited;
      const others = alive();
      await waitUntil(
        'the other nodes to mark the killed master failed, promote its replica, and report the cluster ok',
        async () => {
          for (const n of others) if (!(await cli(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
          const lines = (await cli(others[0]!.port, 'CLUSTER', 'NODES')).split('\n').filter(Boolean);
          const flags = (line: string) => (line.split(' ')[2] ?? '').split(',');
          const dead = lines.find((line) => line.startsWith(`${id} `));
          const masters = lines.filter((line) => flags(line).includes('master') && !flags(line).includes('fail') && !flags(line).includes('fail?'));
          return dead !== undefined && flags(dead).includes('fail') && masters.length === 3;
        },
        30_000,
      );
      return { failoverMs: Date.now() - started };
    },
    stop,
  };
}
