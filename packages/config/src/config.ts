import { parseBudgets, type BudgetSetting } from './budgets-env';
import { z } from 'zod';
import { ConfigError } from './config-error';
import { boolVar, intVar, optionalString, optionalUrlVar, urlVar } from './env-types';
import { LlmEnv, toLlmConfig, type LlmConfig } from './llm-env';
import { toToolsConfig, ToolsEnv, type ToolsConfig } from './tools-env';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** An embedding model's name (as @mesh/embeddings builds them). */
const EMBEDDING_MODEL = /^(local:use-lite|openai:[A-Za-z0-9._-]{1,100}|google:[A-Za-z0-9._-]{1,100})$/;

export interface EmbeddingsConfig {
  defaultModel: string;
  /** Every model a network may choose, the default first. */
  models: string[];
  vectorIndex: 'auto' | 'portable';
  /** Items per batch of the embedding job; 0: this process does not run it. */
  batch: number;
  pollMs: number;
}

/** Every environment variable the product reads (and `MESH_SECRET_<NAME>`, see tools-env). Nothing else reads process.env. */
export const MeshEnv = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
    PORT: intVar(8080, 0, 65535),
    HOST: z.string().default('0.0.0.0'),
    METRICS_PORT: intVar(0, 0, 65535),
    /** redis:// or rediss:// for one Redis; redis-cluster://host:port,host:port for a Redis Cluster (seed nodes). */
    REDIS_URL: z
      .string()
      .optional()
      .transform((v) => (v?.trim() ? v.trim() : 'redis://127.0.0.1:6379'))
      .refine((v) => REDIS_CLUSTER_URL.test(v) || isRedisUrl(v), 'must be a redis:// or rediss:// URL, or redis-cluster://host:port,host:port'),
    /** host:port,host:port of a Redis Cluster's nodes; overrides REDIS_URL (same as REDIS_URL=redis-cluster://…). */
    REDIS_CLUSTER_NODES: optionalString().refine((v) => v === undefined || CLUSTER_NODES.test(v), 'must be host:port,host:port,…'),
    DATABASE_URL: urlVar('postgres://postgres@127.0.0.1:5432/postgres', /^postgres(ql)?$/),
    DATABASE_POOL_SIZE: intVar(10, 1, 500),
    DATABASE_POOL_WAIT_MS: intVar(0, 0, 3_600_000),
    /**
     * DATABASE_URL goes through a pooler in transaction pooling (PgBouncer pool_mode=transaction):
     * no session state is relied on (no startup search_path, no named prepared statements unless
     * DATABASE_PREPARED_STATEMENTS says so), and the leader's advisory lock uses DATABASE_SESSION_URL.
     */
    DATABASE_TRANSACTION_POOLING: boolVar(false),
    /** Named (prepared) statements; default on, off under DATABASE_TRANSACTION_POOLING (PgBouncer before 1.21 cannot keep them). */
    DATABASE_PREPARED_STATEMENTS: optionalString(),
    /** A connection that keeps its session (direct to Postgres, or a session-mode pool): the leader's advisory lock holds one. */
    DATABASE_SESSION_URL: optionalUrlVar(/^postgres(ql)?$/, 'a postgres:// URL'),
    MESH_DB_SCHEMA: z.string().default('mesh').pipe(z.string().regex(IDENTIFIER, 'must be a lowercase SQL identifier (a-z, 0-9, _)')),
    MESH_QUEUE_PREFIX: z
      .string()
      .default('mesh')
      .pipe(z.string().regex(/^[A-Za-z0-9_{}.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ - . { }')),
    MESH_API_KEYS: optionalString(),
    MESH_RATE_LIMIT_PER_MINUTE: intVar(600, 0, 10_000_000),
    MESH_MAX_QUEUED_TASKS_PER_TENANT: intVar(10_000, 0, 100_000_000),
    MESH_BODY_LIMIT_BYTES: intVar(1_048_576, 1024, 100 * 1_048_576),
    /** Bytes of one attachment of a task (issue 21). */
    MESH_ATTACHMENT_MAX_BYTES: intVar(10_485_760, 1, 1024 * 1_048_576),
    /** Bytes of all of a task's attachments together. */
    MESH_ATTACHMENTS_MAX_TASK_BYTES: intVar(26_214_400, 1, 1024 * 1_048_576),
    /** Attachments a task may carry. */
    MESH_ATTACHMENTS_MAX_FILES: intVar(10, 0, 100),
    /** The API's /metrics behind the API key (default); false only for a private scrape network. */
    MESH_METRICS_AUTH: boolVar(true),
    MESH_WORKER_CONCURRENCY: intVar(100, 1, 100_000),
    MESH_COORDINATOR_CONCURRENCY: intVar(50, 1, 100_000),
    MESH_ADAPTIVE_CONCURRENCY: boolVar(true),
    MESH_MEMORY_TOKEN_BUDGET: intVar(500, 50, 200_000),
    MESH_MEMORY_CANDIDATES: intVar(50, 1, 1000),
    /** After how many new feedback items an agent type's lessons are distilled again (0: never). */
    MESH_LESSON_EVERY: intVar(5, 0, 1000),
    /** The embedding model of networks that chose none: `local:use-lite` (offline, no key), `openai:<id>` or `google:<id>`. */
    MESH_EMBEDDING_MODEL: z.string().default('local:use-lite'),
    /** Further models a network may choose (comma-separated); a provider's model needs its API key. */
    MESH_EMBEDDING_MODELS: optionalString(),
    /** `auto`: pgvector where the migration found it, else the portable index; `portable`: the portable index always. */
    MESH_MEMORY_VECTOR_INDEX: z.enum(['auto', 'portable']).default('auto'),
    /** Items embedded per batch by the coordinator's and workers' embedding job; 0 turns the job off in that process. */
    MESH_EMBEDDING_BATCH: intVar(32, 0, 1000),
    /** How long the embedding job waits when it finds nothing to embed. */
    MESH_EMBEDDING_POLL_MS: intVar(500, 10, 600_000),
    MESH_SUBTASK_ATTEMPTS: intVar(3, 1, 20),
    MESH_SWEEP_INTERVAL_MS: intVar(15_000, 100, 3_600_000),
    MESH_JOB_LOCK_MS: intVar(30_000, 1_000, 3_600_000),
    MESH_STALLED_INTERVAL_MS: intVar(30_000, 500, 3_600_000),
    MESH_SHUTDOWN_GRACE_MS: intVar(25_000, 0, 3_600_000),
    /** Ended jobs kept per queue for Bull Board, by count and age; 0 keeps none. */
    MESH_JOBS_KEEP_COMPLETED_COUNT: intVar(1000, 0, 10_000_000),
    MESH_JOBS_KEEP_COMPLETED_SECONDS: intVar(3600, 0, 31_536_000),
    MESH_JOBS_KEEP_FAILED_COUNT: intVar(5000, 0, 10_000_000),
    MESH_JOBS_KEEP_FAILED_SECONDS: intVar(86_400, 0, 31_536_000),
    MESH_AGENT_DISCOVERY_MS: intVar(2_000, 100, 3_600_000),
    /** How often each process writes its heartbeat (it expires after three of these). */
    MESH_HEARTBEAT_INTERVAL_MS: intVar(5_000, 100, 600_000),
    /** A queued subtask whose agent type no live worker has served for this long fails, naming the type. */
    MESH_UNSERVED_GRACE_SECONDS: intVar(30, 1, 86_400),
    MESH_MIGRATE_ON_START: boolVar(true),
    /** Tenants allowed on operator surfaces (Bull Board); unset: any valid API key. */
    MESH_ADMIN_TENANTS: optionalString(),
    /** Token and cost budgets per tenant (or network) per UTC day or month: see budgets-env.ts. */
    MESH_BUDGETS: optionalString(),
    /** Weights for fair scheduling between tenants, `tenant:weight,…` (default 1 each). */
    MESH_TENANT_WEIGHTS: optionalString(),
    /** How old the usage a model call is checked against may be (per process and network). */
    MESH_BUDGET_CHECK_MAX_AGE_MS: intVar(1_000, 0, 60_000),
    /** Store what each model call sent and got back (prompts, answers) for the console's call inspector; false keeps only usage rows. */
    MESH_LLM_RECORD_PROMPTS: boolVar(true),
    /** Days a model call's prompt and answer are kept (usage rows stay: budgets and usage read them). */
    MESH_LLM_PROMPT_RETENTION_DAYS: intVar(30, 1, 3650),
    /** A link from a task to its trace in the operator's trace viewer: a URL with `{trace_id}`, e.g. http://jaeger:16686/trace/{trace_id}. */
    MESH_TRACE_URL_TEMPLATE: optionalString(),
    /** Comment line sent on idle SSE streams so proxies keep them open. */
    MESH_SSE_PING_MS: intVar(15_000, 100, 3_600_000),
    /** HMAC-SHA256 key of webhook signatures; required in production when webhooks are used. */
    MESH_WEBHOOK_SECRET: optionalString(),
    /** Lets callback_urls reach private and loopback addresses (tests only; refused in production). */
    MESH_WEBHOOK_ALLOW_PRIVATE: boolVar(false),
    MESH_WEBHOOK_ATTEMPTS: intVar(8, 1, 50),
    MESH_WEBHOOK_BACKOFF_MS: intVar(5_000, 10, 3_600_000),
    MESH_WEBHOOK_TIMEOUT_MS: intVar(10_000, 100, 120_000),
    /** OTLP/HTTP collector base URL (traces go to `<url>/v1/traces`); unset: no export. */
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrlVar(),
    /** Extra headers for the collector, `key=value,key2=value2` (e.g. an auth token). */
    OTEL_EXPORTER_OTLP_HEADERS: optionalString(),
    /** Content safety of agent output: comma-separated terms that flag it (case-insensitive). */
    MESH_SAFETY_BLOCKLIST: optionalString(),
    /** A JSON array of regular expressions (strings) that flag agent output. */
    MESH_SAFETY_PATTERNS: optionalString(),
    /** `redact` (default) replaces e-mail addresses, phone, card, IBAN and US SSN numbers in agent output. */
    MESH_SAFETY_PII: z.enum(['off', 'redact']).default('redact'),
    /** What a blocklist or pattern hit does: `withhold` (default) the whole output, or `redact` the match. */
    MESH_SAFETY_ACTION: z.enum(['withhold', 'redact']).default('withhold'),
    /** `auto` (default): OpenAI's moderation endpoint checks agent output when OPENAI_API_KEY is set. */
    MESH_SAFETY_MODERATION: z.enum(['auto', 'off']).default('auto'),
  })
  .and(LlmEnv)
  .and(ToolsEnv);

export interface ApiKeyEntry {
  tenantId: string;
  key: string;
}

export interface MeshConfig {
  env: 'development' | 'test' | 'production';
  logLevel: string;
  http: { port: number; host: string; bodyLimitBytes: number };
  metricsPort: number;
  /** The API's /metrics needs an API key (MESH_METRICS_AUTH, default true). */
  metricsAuth: boolean;
  redisUrl: string;
  database: {
    url: string;
    schema: string;
    poolSize: number;
    /** How long a query may wait for a pooled connection; 0 = the process's default (API 5 s, coordinator and workers 60 s). */
    poolWaitMs: number;
    migrateOnStart: boolean;
    /** DATABASE_URL is a transaction pool (PgBouncer): no session state is relied on. */
    transactionPooling: boolean;
    /** Named prepared statements (DATABASE_PREPARED_STATEMENTS; default: unless transaction pooling). */
    preparedStatements: boolean;
    /** DATABASE_SESSION_URL: where the leader's advisory lock holds its session (default: DATABASE_URL). */
    sessionUrl?: string;
  };
  queuePrefix: string;
  apiKeys: ApiKeyEntry[];
  limits: { requestsPerMinute: number; maxQueuedTasksPerTenant: number };
  /** What a task's attachments may weigh (MESH_ATTACHMENT_MAX_BYTES, MESH_ATTACHMENTS_MAX_TASK_BYTES, MESH_ATTACHMENTS_MAX_FILES). */
  attachments: { maxFileBytes: number; maxTaskBytes: number; maxFiles: number };
  worker: { concurrency: number; subtaskAttempts: number; agentDiscoveryMs: number };
  /** BullMQ job locks: a process that dies loses its jobs' locks after lockMs; stalled jobs are re-run. */
  jobs: { lockMs: number; stalledIntervalMs: number; shutdownGraceMs: number; keep: JobHistoryConfig; adaptiveConcurrency: boolean };
  coordinator: { concurrency: number; sweepIntervalMs: number };
  /** Which agent types live workers serve: heartbeats, and the grace before an unserved subtask fails. */
  fleet: { heartbeatIntervalMs: number; unservedGraceMs: number };
  memory: { tokenBudget: number; candidates: number };
  /** Lessons from people's feedback: distilled after `every` new feedback items of an agent type (MESH_LESSON_EVERY; 0: never). */
  lessons: { every: number };
  /** Memory's embedding models and vector index. */
  embeddings: EmbeddingsConfig;
  llm: LlmConfig;
  /** What the call inspector keeps of each model call (MESH_LLM_RECORD_PROMPTS, MESH_LLM_PROMPT_RETENTION_DAYS). */
  callRecording: { prompts: boolean; retentionDays: number };
  /** MESH_TRACE_URL_TEMPLATE: where a task's trace is shown (`{trace_id}` replaced); null without one. */
  traceUrlTemplate: string | null;
  /** Tenants allowed on operator surfaces (Bull Board); null: any tenant with a valid key. */
  adminTenants: string[] | null;
  /** Budgets from MESH_BUDGETS (the admin route sets more). */
  budgets: BudgetSetting[];
  budgetCheckMaxAgeMs: number;
  /** Fair-scheduling weight per tenant (MESH_TENANT_WEIGHTS); tenants not named weigh 1. */
  tenantWeights: Record<string, number>;
  sse: { pingMs: number };
  webhooks: WebhookConfig;
  tracing: { otlpEndpoint?: string; otlpHeaders: Record<string, string> };
  safety: SafetyConfig;
  /** What agents' tools may reach and how long and large their calls may be, send_email's server, and the operator's secrets. */
  tools: ToolsConfig;
}

/** How many ended jobs each queue keeps for Bull Board, and how long; a count or age of 0 keeps none. */
export interface JobHistoryConfig {
  completedCount: number;
  completedSeconds: number;
  failedCount: number;
  failedSeconds: number;
}

/** The content-safety filter applied to agent output before it is stored (packages/mesh/src/safety). */
export interface SafetyConfig {
  blocklist: string[];
  /** Regular expression sources, already checked to compile. */
  patterns: string[];
  pii: 'off' | 'redact';
  action: 'withhold' | 'redact';
  moderation: 'auto' | 'off';
}

export interface WebhookConfig {
  /** The HMAC key; undefined only in production without MESH_WEBHOOK_SECRET (then callback_urls are refused). */
  secret: string | undefined;
  /** True when the secret is the fixed development default (never in production). */
  secretIsDevelopmentDefault: boolean;
  allowPrivateAddresses: boolean;
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
}

/**
 * Used when MESH_WEBHOOK_SECRET is unset outside production. Fixed rather than random so every
 * process signs alike; the processes warn loudly at start while it is in use.
 */
export const DEVELOPMENT_WEBHOOK_SECRET = 'agent-mesh-development-webhook-secret-do-not-use-in-production';

/** What a tenant id may be (MESH_API_KEYS entries, `npm run keys -- create --tenant`). */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const TENANT = TENANT_ID_PATTERN;

function parseOtlpHeaders(raw: string | undefined): { headers: Record<string, string>; problem?: string } {
  const headers: Record<string, string> = {};
  if (!raw) return { headers };
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at <= 0) return { headers, problem: 'each entry must be key=value' };
    headers[decodeURIComponent(entry.slice(0, at).trim())] = decodeURIComponent(entry.slice(at + 1).trim());
  }
  return { headers };
}

function parseSafetyPatterns(raw: string | undefined): { patterns: string[]; problem?: string } {
  if (!raw) return { patterns: [] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { patterns: [], problem: 'must be a JSON array of regular expression strings' };
  }
  if (!Array.isArray(json) || !json.every((p): p is string => typeof p === 'string' && p.length > 0)) {
    return { patterns: [], problem: 'must be a JSON array of non-empty regular expression strings' };
  }
  for (const pattern of json) {
    try {
      new RegExp(pattern, 'giu');
    } catch {
      return { patterns: [], problem: `${JSON.stringify(pattern)} is not a valid regular expression` };
    }
  }
  return { patterns: json };
}

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

/** One node: host:port (an IPv6 host in brackets). */
const CLUSTER_NODE = String.raw`(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}`;
const CLUSTER_NODES = new RegExp(`^${CLUSTER_NODE}(?:,${CLUSTER_NODE})*$`);
/** redis-cluster://[user:password@]host:port,host:port[/][?tls=true] */
const REDIS_CLUSTER_URL = new RegExp(`^redis-cluster://(?:[^@/\\s]*@)?${CLUSTER_NODE}(?:,${CLUSTER_NODE})*/?(?:\\?[^\\s]*)?$`, 'i');

function isRedisUrl(value: string): boolean {
  try {
    return /^rediss?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** DATABASE_PREPARED_STATEMENTS: true/false, or unset (on, unless the URL is a transaction pool); null when invalid. */
function parsePreparedStatements(raw: string | undefined, transactionPooling: boolean): boolean | null {
  if (raw === undefined) return !transactionPooling;
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  return null;
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
  // Production without MESH_API_KEYS relies on hashed keys in the api_keys table (`npm run keys -- create`):
  // the API checks at start that at least one is active and refuses to start otherwise.
  const llm = toLlmConfig(e);
  problems.push(...llm.problems);
  const tools = toToolsConfig(e, env);
  problems.push(...tools.problems);
  const redisUrl = e.REDIS_CLUSTER_NODES ? `redis-cluster://${e.REDIS_CLUSTER_NODES}` : e.REDIS_URL;
  if (REDIS_CLUSTER_URL.test(redisUrl) && !/\{[^{}]+\}/.test(e.MESH_QUEUE_PREFIX)) {
    problems.push({
      variable: 'MESH_QUEUE_PREFIX',
      message: `must contain a hash tag on a Redis Cluster, e.g. {${e.MESH_QUEUE_PREFIX.replace(/[{}]/g, '') || 'mesh'}}: a task's jobs span several queues, and BullMQ's flows and the mesh's scripts need all their keys in one slot`,
    });
  }
  const preparedStatements = parsePreparedStatements(e.DATABASE_PREPARED_STATEMENTS, e.DATABASE_TRANSACTION_POOLING);
  if (preparedStatements === null) problems.push({ variable: 'DATABASE_PREPARED_STATEMENTS', message: 'must be true or false' });
  if (e.DATABASE_TRANSACTION_POOLING && !e.DATABASE_SESSION_URL) {
    problems.push({
      variable: 'DATABASE_SESSION_URL',
      message:
        'is required with DATABASE_TRANSACTION_POOLING=true: the recovery sweeper\'s leader holds a session-level advisory lock, which a transaction pool would hand to other clients (point it at Postgres directly or at a session-mode pool)',
    });
  }
  const budgets = parseBudgets(e.MESH_BUDGETS);
  const tenantWeights: Record<string, number> = {};
  for (const entry of (e.MESH_TENANT_WEIGHTS ?? '').split(',').map((w) => w.trim()).filter(Boolean)) {
    const [tenant = '', raw = ''] = entry.split(':');
    const weight = Number(raw);
    if (!TENANT.test(tenant) || !(raw.trim() !== '' && Number.isFinite(weight) && weight > 0 && weight <= 1000)) {
      problems.push({ variable: 'MESH_TENANT_WEIGHTS', message: `"${entry}" must be tenant:weight with a weight above 0 and at most 1000` });
    } else tenantWeights[tenant] = weight;
  }
  problems.push(...budgets.problems);
  const adminTenants = e.MESH_ADMIN_TENANTS ? e.MESH_ADMIN_TENANTS.split(',').map((t) => t.trim()).filter(Boolean) : null;
  if (adminTenants?.some((t) => !TENANT.test(t))) problems.push({ variable: 'MESH_ADMIN_TENANTS', message: 'must be a comma-separated list of tenant ids' });
  if (e.MESH_WEBHOOK_SECRET !== undefined && e.MESH_WEBHOOK_SECRET.length < 16) {
    problems.push({ variable: 'MESH_WEBHOOK_SECRET', message: 'must be at least 16 characters' });
  }
  if (e.NODE_ENV === 'production' && e.MESH_WEBHOOK_ALLOW_PRIVATE) {
    problems.push({ variable: 'MESH_WEBHOOK_ALLOW_PRIVATE', message: 'must not be true in production (it lets callback_urls reach internal addresses)' });
  }
  const safetyPatterns = parseSafetyPatterns(e.MESH_SAFETY_PATTERNS);
  if (safetyPatterns.problem) problems.push({ variable: 'MESH_SAFETY_PATTERNS', message: safetyPatterns.problem });
  const otlpHeaders = parseOtlpHeaders(e.OTEL_EXPORTER_OTLP_HEADERS);
  if (otlpHeaders.problem) problems.push({ variable: 'OTEL_EXPORTER_OTLP_HEADERS', message: otlpHeaders.problem });
  const webhookSecret = e.MESH_WEBHOOK_SECRET ?? (e.NODE_ENV === 'production' ? undefined : DEVELOPMENT_WEBHOOK_SECRET);
  if (e.MESH_TRACE_URL_TEMPLATE !== undefined && !/^https?:\/\/\S*\{trace_id\}/.test(e.MESH_TRACE_URL_TEMPLATE)) {
    problems.push({ variable: 'MESH_TRACE_URL_TEMPLATE', message: 'must be an http(s) URL containing {trace_id}' });
  }
  const embeddingModels = [...new Set([e.MESH_EMBEDDING_MODEL, ...(e.MESH_EMBEDDING_MODELS ?? '').split(',').map((m) => m.trim()).filter(Boolean)])];
  for (const [i, model] of embeddingModels.entries()) {
    const variable = i === 0 ? 'MESH_EMBEDDING_MODEL' : 'MESH_EMBEDDING_MODELS';
    if (!EMBEDDING_MODEL.test(model)) problems.push({ variable, message: `"${model}" is not an embedding model (local:use-lite, openai:<id> or google:<id>)` });
    else if (model.startsWith('openai:') && !llm.config.keys.openai) problems.push({ variable, message: `"${model}" needs OPENAI_API_KEY` });
    else if (model.startsWith('google:') && !llm.config.keys.google) problems.push({ variable, message: `"${model}" needs GEMINI_API_KEY` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: { port: e.PORT, host: e.HOST, bodyLimitBytes: e.MESH_BODY_LIMIT_BYTES },
    metricsPort: e.METRICS_PORT,
    metricsAuth: e.MESH_METRICS_AUTH,
    redisUrl,
    database: {
      url: e.DATABASE_URL,
      schema: e.MESH_DB_SCHEMA,
      poolSize: e.DATABASE_POOL_SIZE,
      poolWaitMs: e.DATABASE_POOL_WAIT_MS,
      migrateOnStart: e.MESH_MIGRATE_ON_START,
      transactionPooling: e.DATABASE_TRANSACTION_POOLING,
      preparedStatements: preparedStatements ?? true,
      ...(e.DATABASE_SESSION_URL ? { sessionUrl: e.DATABASE_SESSION_URL } : {}),
    },
    queuePrefix: e.MESH_QUEUE_PREFIX,
    apiKeys: apiKeys.keys,
    limits: { requestsPerMinute: e.MESH_RATE_LIMIT_PER_MINUTE, maxQueuedTasksPerTenant: e.MESH_MAX_QUEUED_TASKS_PER_TENANT },
    attachments: { maxFileBytes: e.MESH_ATTACHMENT_MAX_BYTES, maxTaskBytes: e.MESH_ATTACHMENTS_MAX_TASK_BYTES, maxFiles: e.MESH_ATTACHMENTS_MAX_FILES },
    worker: { concurrency: e.MESH_WORKER_CONCURRENCY, subtaskAttempts: e.MESH_SUBTASK_ATTEMPTS, agentDiscoveryMs: e.MESH_AGENT_DISCOVERY_MS },
    jobs: {
      lockMs: e.MESH_JOB_LOCK_MS,
      stalledIntervalMs: e.MESH_STALLED_INTERVAL_MS,
      shutdownGraceMs: e.MESH_SHUTDOWN_GRACE_MS,
      keep: {
        completedCount: e.MESH_JOBS_KEEP_COMPLETED_COUNT,
        completedSeconds: e.MESH_JOBS_KEEP_COMPLETED_SECONDS,
        failedCount: e.MESH_JOBS_KEEP_FAILED_COUNT,
        failedSeconds: e.MESH_JOBS_KEEP_FAILED_SECONDS,
      },
      adaptiveConcurrency: e.MESH_ADAPTIVE_CONCURRENCY,
    },
    coordinator: { concurrency: e.MESH_COORDINATOR_CONCURRENCY, sweepIntervalMs: e.MESH_SWEEP_INTERVAL_MS },
    fleet: { heartbeatIntervalMs: e.MESH_HEARTBEAT_INTERVAL_MS, unservedGraceMs: e.MESH_UNSERVED_GRACE_SECONDS * 1000 },
    memory: { tokenBudget: e.MESH_MEMORY_TOKEN_BUDGET, candidates: e.MESH_MEMORY_CANDIDATES },
    lessons: { every: e.MESH_LESSON_EVERY },
    embeddings: {
      defaultModel: e.MESH_EMBEDDING_MODEL,
      models: embeddingModels,
      vectorIndex: e.MESH_MEMORY_VECTOR_INDEX,
      batch: e.MESH_EMBEDDING_BATCH,
      pollMs: e.MESH_EMBEDDING_POLL_MS,
    },
    llm: llm.config,
    callRecording: { prompts: e.MESH_LLM_RECORD_PROMPTS, retentionDays: e.MESH_LLM_PROMPT_RETENTION_DAYS },
    traceUrlTemplate: e.MESH_TRACE_URL_TEMPLATE ?? null,
    adminTenants,
    budgets: budgets.budgets,
    budgetCheckMaxAgeMs: e.MESH_BUDGET_CHECK_MAX_AGE_MS,
    tenantWeights,
    sse: { pingMs: e.MESH_SSE_PING_MS },
    webhooks: {
      secret: webhookSecret,
      secretIsDevelopmentDefault: e.MESH_WEBHOOK_SECRET === undefined && webhookSecret !== undefined,
      allowPrivateAddresses: e.MESH_WEBHOOK_ALLOW_PRIVATE,
      attempts: e.MESH_WEBHOOK_ATTEMPTS,
      backoffMs: e.MESH_WEBHOOK_BACKOFF_MS,
      timeoutMs: e.MESH_WEBHOOK_TIMEOUT_MS,
    },
    tracing: { ...(e.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT } : {}), otlpHeaders: otlpHeaders.headers },
    safety: {
      blocklist: (e.MESH_SAFETY_BLOCKLIST ?? '').split(',').map((t) => t.trim()).filter(Boolean),
      patterns: safetyPatterns.patterns,
      pii: e.MESH_SAFETY_PII,
      action: e.MESH_SAFETY_ACTION,
      moderation: e.MESH_SAFETY_MODERATION,
    },
    tools: tools.config,
  };
}
