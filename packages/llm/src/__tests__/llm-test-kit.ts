import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { LlmEnv, toLlmConfig, type LlmConfig } from '@mesh/config';
import { startFakeProviderServer, type FakeProviderServer } from '../../../testing/src/fake-provider';
import type { AttemptRecord, LlmCallRecorder } from '../attempt-record';

export const REDIS_URL = 'redis://127.0.0.1:6379';
export const TEST_CHAIN = 'anthropic:claude-sonnet-5-5,openai:gpt-5.6-sol,google:gemini-3.8-flash';

export interface LlmTestKit {
  server: FakeProviderServer;
  redis: Redis;
  /** Unique per test file; every key the client makes starts with it. */
  keyPrefix: string;
  /** A fresh prefix for a test that needs its own circuits and buckets. */
  freshPrefix(): string;
  cleanup(): Promise<void>;
}

export async function createLlmTestKit(): Promise<LlmTestKit> {
  const server = await startFakeProviderServer();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const keyPrefix = `test-${randomUUID()}`;
  const prefixes = [keyPrefix];
  return {
    server,
    redis,
    keyPrefix,
    freshPrefix() {
      const prefix = `test-${randomUUID()}`;
      prefixes.push(prefix);
      return prefix;
    },
    async cleanup() {
      for (const prefix of prefixes) {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      }
      redis.disconnect();
      await server.close();
    },
  };
}

/** The environment a live client gets in tests: all three providers on the fake server, short back-off. */
export function liveEnv(server: FakeProviderServer, env: Record<string, string> = {}): Record<string, string> {
  return {
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'test-anthropic-key',
    OPENAI_API_KEY: 'test-openai-key',
    GEMINI_API_KEY: 'test-gemini-key',
    ANTHROPIC_BASE_URL: server.baseUrls.anthropic,
    OPENAI_BASE_URL: server.baseUrls.openai,
    GEMINI_BASE_URL: server.baseUrls.google,
    MESH_MODEL_CHAIN: TEST_CHAIN,
    MESH_LLM_TIMEOUT_MS: '5000',
    MESH_LLM_CALL_TIMEOUT_MS: '20000',
    MESH_LLM_RETRIES: '2',
    MESH_LLM_RETRY_MIN_MS: '10',
    MESH_LLM_RETRY_MAX_MS: '2000',
    ...env,
  };
}

/** Parses env through the real config schema, as the processes do. */
export function configFrom(env: Record<string, string>, patch: (config: LlmConfig) => void = () => {}): LlmConfig {
  const { config, problems } = toLlmConfig(LlmEnv.parse(env));
  if (problems.length > 0) throw new Error(`bad test config: ${JSON.stringify(problems)}`);
  patch(config);
  return config;
}

export function attemptCollector(): { attempts: AttemptRecord[]; onAttempt: (a: AttemptRecord) => void; recorder: LlmCallRecorder & { calls: { attempts: AttemptRecord[]; context: unknown }[] } } {
  const attempts: AttemptRecord[] = [];
  const calls: { attempts: AttemptRecord[]; context: unknown }[] = [];
  return {
    attempts,
    onAttempt: (a) => attempts.push(a),
    recorder: {
      calls,
      async record(recorded, context) {
        calls.push({ attempts: [...recorded], context });
      },
    },
  };
}

const PACKAGES = join(__dirname, '..', '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !path.includes('__tests__')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Child processes cannot use jest's transform: they run the built packages. Fails with the
 * command to run when a build is missing or older than the llm sources.
 */
export function builtLlmEntry(): string {
  const build = 'npx tsc -p packages/core/tsconfig.build.json && npx tsc -p packages/config/tsconfig.build.json && npx tsc -p packages/observability/tsconfig.build.json && npx tsc -p packages/llm/tsconfig.build.json (or ./scripts/test, which builds first)';
  for (const pkg of ['core', 'config', 'observability', 'llm']) {
    if (!existsSync(join(PACKAGES, pkg, 'dist', 'index.js'))) {
      throw new Error(`packages/${pkg}/dist is missing: cross-process tests run the built code. Build first: ${build}`);
    }
  }
  const entry = join(PACKAGES, 'llm', 'dist', 'index.js');
  if (statSync(entry).mtimeMs < newestMtime(join(PACKAGES, 'llm', 'src'))) {
    throw new Error(`packages/llm/dist is older than packages/llm/src: rebuild before the cross-process tests: ${build}`);
  }
  return entry;
}

export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps what it is told, for assertions on log lines. */
export function capturingLogger(entries: LogEntry[] = [], bound: Record<string, unknown> = {}): import('@mesh/observability').Logger & { entries: LogEntry[] } {
  const at = (level: LogEntry['level']) => (message: string, fields: Record<string, unknown> = {}) => {
    entries.push({ level, message, fields: { ...bound, ...fields } });
  };
  return {
    entries,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (fields) => capturingLogger(entries, { ...bound, ...fields }),
  };
}

export interface ChildOptions {
  env: Record<string, string>;
  keyPrefix: string;
  breaker?: Partial<LlmConfig['breaker']>;
  rateLimit?: Partial<LlmConfig['rateLimit']>;
}

export interface LlmChild {
  pid: number;
  send<T = unknown>(cmd: string, payload?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/** Starts a real Node process running the built @mesh/llm against the same Redis. */
export async function startLlmChild(options: ChildOptions): Promise<LlmChild> {
  const { fork } = await import('node:child_process');
  const llmEntry = builtLlmEntry();
  const child = fork(join(__dirname, 'llm-child.cjs'), [JSON.stringify({ ...options, llmEntry, redisUrl: REDIS_URL })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child process did not start within 15 s')), 15_000);
    child.once('exit', (code) => reject(new Error(`child process exited early with code ${code}`)));
    child.on('message', (message: { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve();
        return;
      }
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(message.error));
    });
  });
  child.removeAllListeners('exit');
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('child process exited'));
    pending.clear();
  });
  return {
    pid: child.pid ?? -1,
    send<T>(cmd: string, payload: Record<string, unknown> = {}): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, cmd, ...payload });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ id: nextId++, cmd: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
