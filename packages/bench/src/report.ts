import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchArgs } from './bench-args';
import type { MachineInfo } from './machine-info';

export interface ResultRow {
  metric: string;
  value: number | string;
  unit?: string;
  /** What the issue asks for, as text ("≥ 0.5"). */
  target?: string;
  /** null: informational, no target. */
  pass?: boolean | null;
}

export interface ScenarioResult {
  name: string;
  startedAt: string;
  durationS: number;
  /** `uptime` load averages before and after: the machine is shared, so numbers are noisy when these are high. */
  loadBefore: [number, number, number];
  loadAfter: [number, number, number];
  settings: Record<string, unknown>;
  rows: ResultRow[];
  details: Record<string, unknown>;
  /** Problems that make the run invalid (failed tasks, error logs, a process that crashed). */
  errors: string[];
}

export interface BenchReport {
  machine: MachineInfo;
  mode: 'quick' | 'full';
  args: BenchArgs;
  scenarios: ScenarioResult[];
}

export function formatValue(value: number | string, unit?: string): string {
  if (typeof value === 'string') return unit ? `${value} ${unit}` : value;
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text} ${unit}` : text;
}

function verdict(pass: boolean | null | undefined): string {
  return pass === true ? 'PASS' : pass === false ? 'FAIL' : '';
}

function tableLines(report: BenchReport): string[][] {
  const lines: string[][] = [];
  for (const s of report.scenarios) {
    for (const r of s.rows) lines.push([s.name, r.metric, formatValue(r.value, r.unit), r.target ?? '', verdict(r.pass)]);
    for (const e of s.errors) lines.push([s.name, 'ERROR', e.slice(0, 160), '', 'FAIL']);
  }
  return lines;
}

/** The plain-text table printed at the end of a run. */
export function renderTable(report: BenchReport): string {
  const header = ['scenario', 'metric', 'value', 'target', 'result'];
  const rows = tableLines(report);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function costsLine(m: MachineInfo): string {
  const c = m.costs;
  return `one system call ${c.syscallUs} µs, loopback TCP round trip ${c.loopbackRoundTripUs} µs, Redis PING ${c.redisRoundTripUs} µs, Postgres SELECT 1 ${c.postgresRoundTripUs} µs`;
}

export function machineLine(m: MachineInfo): string {
  return `${m.cores} × ${m.cpuModel}, ${Math.round(m.totalMemoryMb / 1024)} GB RAM, Node ${m.node}, Redis ${m.redis}, PostgreSQL ${m.postgres}`;
}

/** The hand-written part of bench/RESULTS.md: from its `## Analysis` heading on, kept by every new run. */
export const ANALYSIS_HEADING = '## Analysis';

/** bench/RESULTS.md: the latest full run, linked from the README; `previous` is the file it replaces, whose analysis it keeps. */
export function renderMarkdown(report: BenchReport, previous = ''): string {
  const m = report.machine;
  const out: string[] = [];
  out.push('# Benchmark results', '');
  out.push(`Latest \`npm run bench\` (${report.mode} mode), ${m.date.slice(0, 16).replace('T', ' ')} UTC, commit \`${m.gitCommit}\`${m.gitDirty ? ' (with uncommitted changes)' : ''}.`);
  out.push('', `Machine: ${machineLine(m)}; load average at start ${m.loadAverageAtStart.join(' / ')}.`, '');
  out.push(`Costs measured on it before the run (median, one at a time): ${costsLine(m)}.`, '');
  out.push('Written by `scripts/bench` after a run of every scenario; the raw numbers are in `bench/results/latest.json`. How each number is measured: `packages/bench/README.md`.', '');
  out.push('| scenario | metric | value | target | result |', '| --- | --- | --- | --- | --- |');
  for (const r of tableLines(report)) out.push(`| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  out.push('', '## Settings per scenario', '');
  for (const s of report.scenarios) {
    const settings = Object.entries(s.settings)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
    out.push(`- **${s.name}** (${Math.round(s.durationS)} s, load ${s.loadBefore[0]} → ${s.loadAfter[0]}): ${settings}`);
  }
  out.push('');
  const analysis = previous.indexOf(`\n${ANALYSIS_HEADING}\n`);
  if (analysis >= 0) out.push(previous.slice(analysis + 1).trimEnd(), '');
  return out.join('\n');
}

/** Writes latest.json and a dated copy; returns the paths written. */
export function writeJson(report: BenchReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const stamp = report.machine.date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  const files = [join(dir, 'latest.json'), join(dir, `${stamp}.json`)];
  for (const f of files) writeFileSync(f, json);
  return files;
}
