import { z } from 'zod';
import { intVar, numberVar, optionalString, optionalUrlVar } from './env-types';

/** Environment variables of the model layer (packages/llm receives the parsed `LlmConfig`). */
export const LlmEnv = z.object({
  MESH_LLM_PROVIDER: z.enum(['auto', 'simulated', 'live']).default('auto'),
  ANTHROPIC_API_KEY: optionalString(),
  OPENAI_API_KEY: optionalString(),
  GEMINI_API_KEY: optionalString(),
  GOOGLE_API_KEY: optionalString(),
  ANTHROPIC_BASE_URL: optionalUrlVar(),
  OPENAI_BASE_URL: optionalUrlVar(),
  GEMINI_BASE_URL: optionalUrlVar(),
  MESH_MODEL_CHAIN: optionalString(),
  MESH_SIM_LATENCY_MS: intVar(20, 0, 600_000),
  MESH_LLM_TIMEOUT_MS: intVar(60_000, 100, 3_600_000),
  MESH_LLM_CALL_TIMEOUT_MS: intVar(300_000, 100, 86_400_000),
  MESH_LLM_MAX_TOKENS: intVar(4096, 1, 1_000_000),
  MESH_LLM_RETRIES: intVar(2, 0, 10),
  MESH_LLM_RETRY_MIN_MS: intVar(500, 0, 600_000),
  MESH_LLM_RETRY_MAX_MS: intVar(10_000, 0, 600_000),
  MESH_BREAKER_FAILURE_THRESHOLD: intVar(5, 1, 1000),
  MESH_BREAKER_FAILURE_RATE: numberVar(0.5, 0, 1),
  MESH_BREAKER_MIN_REQUESTS: intVar(20, 1, 1_000_000),
  MESH_BREAKER_WINDOW_MS: intVar(60_000, 100, 86_400_000),
  MESH_BREAKER_COOLDOWN_MS: intVar(30_000, 10, 3_600_000),
  MESH_RATE_LIMIT_RPM: intVar(0, 0, 10_000_000),
  MESH_RATE_LIMIT_TPM: intVar(0, 0, 1_000_000_000),
  MESH_RATE_LIMITS: optionalString(),
  MESH_LLM_PRICES: optionalString(),
  MESH_TASK_MAX_TOKENS: intVar(0, 0, 1_000_000_000),
  MESH_TASK_MAX_COST_USD: numberVar(0, 0, 1_000_000),
});
export type LlmEnv = z.infer<typeof LlmEnv>;

export type LlmProviderName = 'anthropic' | 'openai' | 'google' | 'simulated';

/** Requests and tokens per window (a minute unless `windowMs` says otherwise); 0 = unlimited. */
export interface LlmRateLimit {
  requestsPerMinute: number;
  tokensPerMinute: number;
}

export interface LlmConfig {
  /** `simulated` when MESH_LLM_PROVIDER=simulated, or when it is `auto` and no key is set. */
  mode: 'live' | 'simulated';
  keys: { anthropic?: string; openai?: string; google?: string };
  baseUrls: { anthropic?: string; openai?: string; google?: string };
  /** Raw chain entries as configured; packages/llm resolves aliases. Empty = its defaults. */
  modelChain: string[];
  simulatedLatencyMs: number;
  /** Per HTTP attempt. */
  timeoutMs: number;
  /** The whole `complete()` call: every model, retry, back-off and rate-limit wait. */
  callTimeoutMs: number;
  /** max_tokens when the caller gives none. */
  maxTokens: number;
  /** Retries per model after the first attempt (retryable failures only). */
  retries: number;
  retryMinMs: number;
  /** Also the longest `retry-after` honoured; a longer one moves to the next model at once. */
  retryMaxMs: number;
  breaker: {
    /** Consecutive failures that open the circuit. */
    failureThreshold: number;
    /** Failure share in the window that opens it (0 = off), once `minRequests` were seen. */
    failureRate: number;
    minRequests: number;
    windowMs: number;
    cooldownMs: number;
  };
  /** Per provider, across the fleet; 0 = unlimited. `perProvider` overrides the defaults. */
  rateLimit: LlmRateLimit & {
    perProvider: Partial<Record<'anthropic' | 'openai' | 'google', LlmRateLimit>>;
    /** Length of the limit window; 60 000 (a minute) outside tests. */
    windowMs: number;
  };
  /** JSON price table override: {"provider:model": {"input": usdPerMTok, "output": usdPerMTok}}. */
  prices?: Record<string, { input: number; output: number }>;
  /** Per-task budgets; 0 = unlimited. */
  taskBudget: { maxTokens: number; maxCostUsd: number };
}

const PriceTable = z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }));
// partialRecord: z.record over an enum would demand every provider.
const RateLimits = z.partialRecord(
  z.enum(['anthropic', 'openai', 'google']),
  z.object({ rpm: z.number().int().min(0).optional(), tpm: z.number().int().min(0).optional() }).strict(),
);

type Problem = { variable: string; message: string };

function parseJsonVar<T>(raw: string | undefined, schema: z.ZodType<T>, variable: string, shape: string, problems: Problem[]): T | undefined {
  if (!raw) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push({ variable, message: 'must be JSON' });
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  problems.push({ variable, message: `must be ${shape}` });
  return undefined;
}

export function toLlmConfig(env: LlmEnv): { config: LlmConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  const googleKey = env.GEMINI_API_KEY ?? env.GOOGLE_API_KEY;
  const keys = {
    ...(env.ANTHROPIC_API_KEY ? { anthropic: env.ANTHROPIC_API_KEY } : {}),
    ...(env.OPENAI_API_KEY ? { openai: env.OPENAI_API_KEY } : {}),
    ...(googleKey ? { google: googleKey } : {}),
  };
  const anyKey = Object.keys(keys).length > 0;
  const mode = env.MESH_LLM_PROVIDER === 'simulated' || (env.MESH_LLM_PROVIDER === 'auto' && !anyKey) ? 'simulated' : 'live';
  if (env.MESH_LLM_PROVIDER === 'live' && !anyKey) {
    problems.push({ variable: 'MESH_LLM_PROVIDER', message: 'is "live" but no provider key (ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY) is set' });
  }
  const prices = parseJsonVar(env.MESH_LLM_PRICES, PriceTable, 'MESH_LLM_PRICES', 'a JSON object mapping "provider:model" to {"input": number, "output": number} (USD per million tokens)', problems);
  const rateLimits = parseJsonVar(env.MESH_RATE_LIMITS, RateLimits, 'MESH_RATE_LIMITS', 'a JSON object like {"openai": {"rpm": 500, "tpm": 200000}} (providers anthropic, openai, google)', problems);
  if (env.MESH_LLM_RETRY_MIN_MS > env.MESH_LLM_RETRY_MAX_MS) {
    problems.push({ variable: 'MESH_LLM_RETRY_MIN_MS', message: 'must not exceed MESH_LLM_RETRY_MAX_MS' });
  }
  if (env.MESH_LLM_TIMEOUT_MS > env.MESH_LLM_CALL_TIMEOUT_MS) {
    problems.push({ variable: 'MESH_LLM_TIMEOUT_MS', message: 'must not exceed MESH_LLM_CALL_TIMEOUT_MS' });
  }
  const perProvider: LlmConfig['rateLimit']['perProvider'] = {};
  for (const [provider, limit] of Object.entries(rateLimits ?? {}) as [keyof typeof perProvider, { rpm?: number; tpm?: number }][]) {
    perProvider[provider] = {
      requestsPerMinute: limit.rpm ?? env.MESH_RATE_LIMIT_RPM,
      tokensPerMinute: limit.tpm ?? env.MESH_RATE_LIMIT_TPM,
    };
  }
  const config: LlmConfig = {
    mode,
    keys,
    baseUrls: {
      ...(env.ANTHROPIC_BASE_URL ? { anthropic: env.ANTHROPIC_BASE_URL } : {}),
      ...(env.OPENAI_BASE_URL ? { openai: env.OPENAI_BASE_URL } : {}),
      ...(env.GEMINI_BASE_URL ? { google: env.GEMINI_BASE_URL } : {}),
    },
    modelChain: env.MESH_MODEL_CHAIN ? env.MESH_MODEL_CHAIN.split(',').map((s) => s.trim()).filter(Boolean) : [],
    simulatedLatencyMs: env.MESH_SIM_LATENCY_MS,
    timeoutMs: env.MESH_LLM_TIMEOUT_MS,
    callTimeoutMs: env.MESH_LLM_CALL_TIMEOUT_MS,
    maxTokens: env.MESH_LLM_MAX_TOKENS,
    retries: env.MESH_LLM_RETRIES,
    retryMinMs: env.MESH_LLM_RETRY_MIN_MS,
    retryMaxMs: env.MESH_LLM_RETRY_MAX_MS,
    breaker: {
      failureThreshold: env.MESH_BREAKER_FAILURE_THRESHOLD,
      failureRate: env.MESH_BREAKER_FAILURE_RATE,
      minRequests: env.MESH_BREAKER_MIN_REQUESTS,
      windowMs: env.MESH_BREAKER_WINDOW_MS,
      cooldownMs: env.MESH_BREAKER_COOLDOWN_MS,
    },
    rateLimit: {
      requestsPerMinute: env.MESH_RATE_LIMIT_RPM,
      tokensPerMinute: env.MESH_RATE_LIMIT_TPM,
      perProvider,
      windowMs: 60_000,
    },
    ...(prices ? { prices } : {}),
    taskBudget: { maxTokens: env.MESH_TASK_MAX_TOKENS, maxCostUsd: env.MESH_TASK_MAX_COST_USD },
  };
  return { config, problems };
}
