import { z } from 'zod';
import { ConfigError } from './config-error';
import { boolVar, intVar, optionalString, urlVar } from './env-types';
import { LlmEnv, toLlmConfig, type LlmConfig } from './llm-env';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Every environment variable the product reads. Nothing else reads process.env. */
export const MeshEnv = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
    PORT: intVar(8080, 0, 65535),
    HOST: z.string().default('0.0.0.0'),
    METRICS_PORT: intVar(0, 0, 65535),
    REDIS_URL: urlVar('redis://127.0.0.1:6379', /^rediss?$/),
    DATABASE_URL: urlVar('postgres://postgres@127.0.0.1:5432/postgres', /^postgres(ql)?$/),
    DATABASE_POOL_SIZE: intVar(10, 1, 500),
    MESH_DB_SCHEMA: z.string().default('mesh').pipe(z.string().regex(IDENTIFIER, 'must be a lowercase SQL identifier (a-z, 0-9, _)')),
    MESH_QUEUE_PREFIX: z
      .string()
      .default('mesh')
      .pipe(z.string().regex(/^[A-Za-z0-9_{}.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ - . { }')),
    MESH_API_KEYS: optionalString(),
    MESH_RATE_LIMIT_PER_MINUTE: intVar(600, 0, 10_000_000),
    MESH_MAX_QUEUED_TASKS_PER_TENANT: intVar(10_000, 0, 100_000_000),
    MESH_BODY_LIMIT_BYTES: intVar(1_048_576, 1024, 100 * 1_048_576),
    MESH_METRICS_AUTH: boolVar(false),
    MESH_WORKER_CONCURRENCY: intVar(100, 1, 100_000),
    MESH_COORDINATOR_CONCURRENCY: intVar(50, 1, 100_000),
    MESH_MEMORY_TOKEN_BUDGET: intVar(1500, 50, 200_000),
    MESH_MEMORY_CANDIDATES: intVar(50, 1, 1000),
    MESH_SUBTASK_ATTEMPTS: intVar(3, 1, 20),
    MESH_SWEEP_INTERVAL_MS: intVar(15_000, 100, 3_600_000),
    MESH_JOB_LOCK_MS: intVar(30_000, 1_000, 3_600_000),
    MESH_STALLED_INTERVAL_MS: intVar(30_000, 500, 3_600_000),
    MESH_SHUTDOWN_GRACE_MS: intVar(25_000, 0, 3_600_000),
    MESH_AGENT_DISCOVERY_MS: intVar(2_000, 100, 3_600_000),
    MESH_MIGRATE_ON_START: boolVar(true),
  })
  .and(LlmEnv);

export interface ApiKeyEntry {
  tenantId: string;
  key: string;
}

export interface MeshConfig {
  env: 'development' | 'test' | 'production';
  logLevel: string;
  http: { port: number; host: string; bodyLimitBytes: number };
  metricsPort: number;
  metricsAuth: boolean;
  redisUrl: string;
  database: { url: string; schema: string; poolSize: number; migrateOnStart: boolean };
  queuePrefix: string;
  apiKeys: ApiKeyEntry[];
  limits: { requestsPerMinute: number; maxQueuedTasksPerTenant: number };
  worker: { concurrency: number; subtaskAttempts: number; agentDiscoveryMs: number };
  /** BullMQ job locks: a process that dies loses its jobs' locks after lockMs; stalled jobs are re-run. */
  jobs: { lockMs: number; stalledIntervalMs: number; shutdownGraceMs: number };
  coordinator: { concurrency: number; sweepIntervalMs: number };
  memory: { tokenBudget: number; candidates: number };
  llm: LlmConfig;
}

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;

function parseApiKeys(raw: string | undefined): { keys: ApiKeyEntry[]; problem?: string } {
  if (!raw) return { keys: [] };
  const keys: ApiKeyEntry[] = [];
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.indexOf(':');
    const tenantId = entry.slice(0, at);
    const key = entry.slice(at + 1);
    if (at <= 0 || !TENANT.test(tenantId)) return { keys, problem: 'each entry must be tenant:key with tenant of A-Z a-z 0-9 _ -' };
    if (key.length < 8) return { keys, problem: `the key of tenant "${tenantId}" must be at least 8 characters` };
    keys.push({ tenantId, key });
  }
  return { keys };
}

/** Parses the environment once, at start. Throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): MeshConfig {
  const result = MeshEnv.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => ({ variable: String(i.path[0] ?? 'environment'), message: i.message })));
  }
  const e = result.data;
  const problems: { variable: string; message: string }[] = [];
  const apiKeys = parseApiKeys(e.MESH_API_KEYS);
  if (apiKeys.problem) problems.push({ variable: 'MESH_API_KEYS', message: apiKeys.problem });
  if (e.NODE_ENV === 'production' && apiKeys.keys.length === 0) {
    // Hashed keys in the api_keys table also count; the API checks that at start.
    problems.push({ variable: 'MESH_API_KEYS', message: 'must be set in production (tenant:key,...)' });
  }
  const llm = toLlmConfig(e);
  problems.push(...llm.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: { port: e.PORT, host: e.HOST, bodyLimitBytes: e.MESH_BODY_LIMIT_BYTES },
    metricsPort: e.METRICS_PORT,
    metricsAuth: e.MESH_METRICS_AUTH,
    redisUrl: e.REDIS_URL,
    database: { url: e.DATABASE_URL, schema: e.MESH_DB_SCHEMA, poolSize: e.DATABASE_POOL_SIZE, migrateOnStart: e.MESH_MIGRATE_ON_START },
    queuePrefix: e.MESH_QUEUE_PREFIX,
    apiKeys: apiKeys.keys,
    limits: { requestsPerMinute: e.MESH_RATE_LIMIT_PER_MINUTE, maxQueuedTasksPerTenant: e.MESH_MAX_QUEUED_TASKS_PER_TENANT },
    worker: { concurrency: e.MESH_WORKER_CONCURRENCY, subtaskAttempts: e.MESH_SUBTASK_ATTEMPTS, agentDiscoveryMs: e.MESH_AGENT_DISCOVERY_MS },
    jobs: { lockMs: e.MESH_JOB_LOCK_MS, stalledIntervalMs: e.MESH_STALLED_INTERVAL_MS, shutdownGraceMs: e.MESH_SHUTDOWN_GRACE_MS },
    coordinator: { concurrency: e.MESH_COORDINATOR_CONCURRENCY, sweepIntervalMs: e.MESH_SWEEP_INTERVAL_MS },
    memory: { tokenBudget: e.MESH_MEMORY_TOKEN_BUDGET, candidates: e.MESH_MEMORY_CANDIDATES },
    llm: llm.config,
  };
}
