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
  MESH_LLM_RETRIES: intVar(2, 0, 10),
  MESH_LLM_RETRY_MIN_MS: intVar(500, 0, 600_000),
  MESH_LLM_RETRY_MAX_MS: intVar(10_000, 0, 600_000),
  MESH_BREAKER_FAILURE_THRESHOLD: intVar(5, 1, 1000),
  MESH_BREAKER_COOLDOWN_MS: intVar(30_000, 10, 3_600_000),
  MESH_RATE_LIMIT_RPM: intVar(0, 0, 10_000_000),
  MESH_RATE_LIMIT_TPM: intVar(0, 0, 1_000_000_000),
  MESH_LLM_PRICES: optionalString(),
  MESH_TASK_MAX_TOKENS: intVar(0, 0, 1_000_000_000),
  MESH_TASK_MAX_COST_USD: numberVar(0, 0, 1_000_000),
});
export type LlmEnv = z.infer<typeof LlmEnv>;

export type LlmProviderName = 'anthropic' | 'openai' | 'google' | 'simulated';

export interface LlmConfig {
  /** `simulated` when MESH_LLM_PROVIDER=simulated, or when it is `auto` and no key is set. */
  mode: 'live' | 'simulated';
  keys: { anthropic?: string; openai?: string; google?: string };
  baseUrls: { anthropic?: string; openai?: string; google?: string };
  /** Raw chain entries as configured; packages/llm resolves aliases. Empty = its defaults. */
  modelChain: string[];
  simulatedLatencyMs: number;
  timeoutMs: number;
  retries: number;
  retryMinMs: number;
  retryMaxMs: number;
  breaker: { failureThreshold: number; cooldownMs: number };
  /** Per provider, across the fleet; 0 = unlimited. */
  rateLimit: { requestsPerMinute: number; tokensPerMinute: number };
  /** JSON price table override: {"provider:model": {"input": usdPerMTok, "output": usdPerMTok}}. */
  prices?: Record<string, { input: number; output: number }>;
  /** Per-task budgets; 0 = unlimited. */
  taskBudget: { maxTokens: number; maxCostUsd: number };
}

const PriceTable = z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }));

export function toLlmConfig(env: LlmEnv): { config: LlmConfig; problems: { variable: string; message: string }[] } {
  const problems: { variable: string; message: string }[] = [];
  const keys = {
    ...(env.ANTHROPIC_API_KEY ? { anthropic: env.ANTHROPIC_API_KEY } : {}),
    ...(env.OPENAI_API_KEY ? { openai: env.OPENAI_API_KEY } : {}),
    ...((env.GEMINI_API_KEY ?? env.GOOGLE_API_KEY) ? { google: (env.GEMINI_API_KEY ?? env.GOOGLE_API_KEY) as string } : {}),
  };
  const anyKey = Object.keys(keys).length > 0;
  const mode = env.MESH_LLM_PROVIDER === 'simulated' || (env.MESH_LLM_PROVIDER === 'auto' && !anyKey) ? 'simulated' : 'live';
  if (env.MESH_LLM_PROVIDER === 'live' && !anyKey) {
    problems.push({ variable: 'MESH_LLM_PROVIDER', message: 'is "live" but no provider key (ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY) is set' });
  }
  let prices: LlmConfig['prices'];
  if (env.MESH_LLM_PRICES) {
    try {
      const parsed = PriceTable.safeParse(JSON.parse(env.MESH_LLM_PRICES));
      if (parsed.success) prices = parsed.data;
      else problems.push({ variable: 'MESH_LLM_PRICES', message: 'must map "provider:model" to {"input": number, "output": number} (USD per million tokens)' });
    } catch {
      problems.push({ variable: 'MESH_LLM_PRICES', message: 'must be JSON' });
    }
  }
  if (env.MESH_LLM_RETRY_MIN_MS > env.MESH_LLM_RETRY_MAX_MS) {
    problems.push({ variable: 'MESH_LLM_RETRY_MIN_MS', message: 'must not exceed MESH_LLM_RETRY_MAX_MS' });
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
    retries: env.MESH_LLM_RETRIES,
    retryMinMs: env.MESH_LLM_RETRY_MIN_MS,
    retryMaxMs: env.MESH_LLM_RETRY_MAX_MS,
    breaker: { failureThreshold: env.MESH_BREAKER_FAILURE_THRESHOLD, cooldownMs: env.MESH_BREAKER_COOLDOWN_MS },
    rateLimit: { requestsPerMinute: env.MESH_RATE_LIMIT_RPM, tokensPerMinute: env.MESH_RATE_LIMIT_TPM },
    ...(prices ? { prices } : {}),
    taskBudget: { maxTokens: env.MESH_TASK_MAX_TOKENS, maxCostUsd: env.MESH_TASK_MAX_COST_USD },
  };
  return { config, problems };
}
