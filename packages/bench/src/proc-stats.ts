import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface ProcessSample {
  rssMb: number;
  /** User + system CPU time the process has used so far. */
  cpuMs: number;
}

/** RSS (VmRSS) and CPU time of a live process, from /proc; null once it has gone. */
export function sampleProcess(pid: number): ProcessSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { rssMb: rssKb / 1024, cpuMs: ((utime + stime) * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

export interface MachineCpuSample {
  busyMs: number;
  totalMs: number;
}

/** Whole-machine CPU time (all cores) from /proc/stat: busy is everything but idle and iowait. */
export function sampleMachineCpu(): MachineCpuSample {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busyMs: ((total - idle) * 1000) / TICKS_PER_SECOND, totalMs: (total * 1000) / TICKS_PER_SECOND };
}

/** CPU use of named processes and of the whole machine between two points in time. */
export class CpuMeter {
  private readonly start = new Map<string, number>();
  private machineStart: MachineCpuSample = sampleMachineCpu();
  private startedAt = Date.now();

  constructor(private readonly processes: () => { name: string; pid: number }[]) {}

  begin(): void {
    this.start.clear();
    for (const p of this.processes()) this.start.set(p.name, sampleProcess(p.pid)?.cpuMs ?? 0);
    this.machineStart = sampleMachineCpu();
    this.startedAt = Date.now();
  }

  /**
   * Per process: CPU milliseconds used since `begin` and the share of one core that is; for the
   * machine: the share of all cores busy (every process on it, ours or not).
   */
  end(): { wallMs: number; machineBusyPercent: number; processes: Record<string, { cpuMs: number; corePercent: number }> } {
    const wallMs = Date.now() - this.startedAt;
    const processes: Record<string, { cpuMs: number; corePercent: number }> = {};
    for (const p of this.processes()) {
      const cpuMs = (sampleProcess(p.pid)?.cpuMs ?? 0) - (this.start.get(p.name) ?? 0);
      processes[p.name] = { cpuMs, corePercent: wallMs > 0 ? (100 * cpuMs) / wallMs : 0 };
    }
    const machine = sampleMachineCpu();
    const total = machine.totalMs - this.machineStart.totalMs;
    const machineBusyPercent = total > 0 ? (100 * (machine.busyMs - this.machineStart.busyMs)) / total : 0;
    return { wallMs, machineBusyPercent, processes };
  }
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // process gone
  }
  return inodes;
}

/** Local ports of the given processes' TCP connections to `remotePort` (from /proc/net/tcp{,6}). */
export function clientPortsTo(pids: number[], remotePort: number): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) for (const i of socketInodes(pid)) inodes.add(i);
  const ports: number[] = [];
  const remoteHex = remotePort.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const local = f[1]!;
      const remote = f[2]!;
      if (remote.endsWith(`:${remoteHex}`) && inodes.has(f[9]!)) ports.push(parseInt(local.split(':')[1]!, 16));
    }
  }
  return ports;
}

/**
 * CPU used by the Postgres backends serving some client processes: their connections are found
 * by local port in pg_stat_activity (the server runs on this machine, so its backends' /proc
 * entries are readable). Backends opened during the window count from zero; closed ones are lost.
 */
export class PostgresCpuMeter {
  private start = new Map<number, number>();

  constructor(
    private readonly clientPids: () => number[],
    private readonly activity: (ports: number[]) => Promise<number[]>,
    private readonly port = 5432,
  ) {}

  private async backends(): Promise<Map<number, number>> {
    const ports = clientPortsTo(this.clientPids(), this.port);
    const pids = ports.length ? await this.activity(ports).catch(() => [] as number[]) : [];
    return new Map(pids.map((pid) => [pid, sampleProcess(pid)?.cpuMs ?? 0]));
  }

  async begin(): Promise<void> {
    this.start = await this.backends();
  }

  async end(): Promise<{ backends: number; cpuMs: number }> {
    const now = await this.backends();
    let cpuMs = 0;
    for (const [pid, ms] of now) cpuMs += ms - (this.start.get(pid) ?? 0);
    return { backends: now.size, cpuMs };
  }
}
