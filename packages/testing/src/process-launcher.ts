import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export type MeshApp = 'api' | 'coordinator' | 'worker';

export interface LaunchedProcess {
  name: string;
  child: ChildProcess;
  /** Every line the process wrote (stdout and stderr). */
  lines: string[];
  /** Resolves with the exit code (or the signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when a line matches (already written lines count). */
  waitForLine(match: RegExp | ((line: string) => boolean), timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** The built entry point of an app; tests that start processes need `npm run build` first. */
export function appEntry(app: MeshApp): string {
  const entry = join(REPO_ROOT, 'apps', app, 'dist', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` (./scripts/test does) before tests that start processes`);
  return entry;
}

const READY: Record<MeshApp, RegExp> = {
  api: /"message":"api listening"/,
  coordinator: /"message":"coordinator ready"/,
  worker: /"message":"worker ready"/,
};

/** Starts one of the product's processes with the given environment and waits until it is ready. */
export async function launchApp(
  app: MeshApp,
  env: Record<string, string>,
  options: { args?: string[]; name?: string; readyTimeoutMs?: number; waitReady?: boolean; logLevel?: string; netns?: string } = {},
): Promise<LaunchedProcess> {
  // Readiness is read from the info-level "ready" line, so processes log at info at least.
  const procEnv = { ...env, LOG_LEVEL: options.logLevel ?? 'info' };
  const nodeArgs = [appEntry(app), ...(options.args ?? [])];
  // In a network namespace of its own (netns-hosts.ts): `ip netns exec` execs node, so the pid is node's.
  const proc = options.netns
    ? launch(options.name ?? app, 'ip', ['netns', 'exec', options.netns, process.execPath, ...nodeArgs], procEnv)
    : launch(options.name ?? app, process.execPath, nodeArgs, procEnv);
  if (options.waitReady !== false) {
    try {
      await proc.waitForLine(READY[app], options.readyTimeoutMs ?? 20_000);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
  }
  return proc;
}

export function launch(name: string, command: string, args: string[], env: Record<string, string>): LaunchedProcess {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  const onData = (buffered: { rest: string }) => (chunk: Buffer) => {
    const text = buffered.rest + chunk.toString('utf8');
    const parts = text.split('\n');
    buffered.rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (process.env.MESH_TEST_LOG) process.stderr.write(`[${name}] ${line}\n`);
      for (const w of [...waiters]) {
        if (w.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout?.on('data', onData({ rest: '' }));
  child.stderr?.on('data', onData({ rest: '' }));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });

  const proc: LaunchedProcess = {
    name,
    child,
    lines,
    exited,
    waitForLine(match, timeoutMs = 20_000) {
      const test = typeof match === 'function' ? match : (line: string) => match.test(line);
      const found = lines.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`${name}: no line matching ${String(match)} within ${timeoutMs} ms. Last lines:\n${lines.slice(-15).join('\n')}`));
        }, timeoutMs);
        const waiter = {
          test,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        waiters.push(waiter);
        exited.then(({ code, signal }) => {
          if (!waiters.includes(waiter)) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`${name} exited (code ${code}, signal ${signal}) before a line matching ${String(match)}. Last lines:\n${lines.slice(-15).join('\n')}`));
        });
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  return proc;
}
