import { execFileSync } from 'node:child_process';
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
  };
}
