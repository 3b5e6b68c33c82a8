import { execFileSync } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

export interface MachineInfo {
  date: string;
  hostname: string;
  cores: number;
  cpuModel: string;
  totalMemoryMb: number;
  node: string;
  redis: string;
  postgres: string;
  gitCommit: string;
  /** True when the work tree had uncommitted changes: the numbers are of the commit plus them. */
  gitDirty: boolean;
  loadAverageAtStart: [number, number, number];
  /** What the machine charges for the operations the mesh is made of, measured before the run. */
  costs: MachineCosts;
}

/**
 * Microseconds per operation, each the median of a few batches: one system call (fstat), one
 * round trip over loopback TCP inside this process, one Redis PING and one Postgres `SELECT 1`.
 * Every queue job and every stored state change is a round trip, so these set the floor under
 * the mesh's numbers (and the ceiling's) on this machine.
 */
export interface MachineCosts {
  syscallUs: number;
  loopbackRoundTripUs: number;
  redisRoundTripUs: number;
  postgresRoundTripUs: number;
}

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function currentLoad(): [number, number, number] {
  const [a, b, c] = loadavg();
  return [round2(a ?? 0), round2(b ?? 0), round2(c ?? 0)];
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

async function perOpUs(batches: number, perBatch: number, op: () => unknown): Promise<number> {
  const results: number[] = [];
  for (let b = 0; b < batches; b += 1) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i += 1) await op();
    results.push(Number(process.hrtime.bigint() - started) / 1000 / perBatch);
  }
  results.sort((a, b) => a - b);
  return round2(results[Math.floor(results.length / 2)]!);
}

async function loopbackRoundTripUs(): Promise<number> {
  const server = createServer((s) => s.on('data', (d) => s.write(d)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  try {
    return await perOpUs(5, 400, () => new Promise((r) => { socket.once('data', r); socket.write('x'); }));
  } finally {
    socket.destroy();
    await new Promise((r) => server.close(r));
  }
}

export async function machineCosts(redis: Redis, pg: Pool): Promise<MachineCosts> {
  return {
    syscallUs: await perOpUs(5, 4000, () => fstatSync(0)),
    loopbackRoundTripUs: await loopbackRoundTripUs(),
    redisRoundTripUs: await perOpUs(5, 400, () => redis.ping()),
    postgresRoundTripUs: await perOpUs(5, 200, () => pg.query('SELECT 1')),
  };
}

export async function machineInfo(redis: Redis, pg: Pool, repoRoot: string): Promise<MachineInfo> {
  const info = await redis.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const { rows } = await pg.query<{ server_version: string }>('SHOW server_version');
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    hostname: hostname(),
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    totalMemoryMb: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    redis: redisVersion,
    postgres: rows[0]?.server_version ?? 'unknown',
    gitCommit: git(['rev-parse', '--short=12', 'HEAD'], repoRoot) || 'unknown',
    gitDirty: git(['status', '--porcelain', '--untracked-files=no'], repoRoot) !== '',
    loadAverageAtStart: currentLoad(),
    costs: await machineCosts(redis, pg),
  };
}
