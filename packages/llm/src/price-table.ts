/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * List prices (USD per million tokens) at the time of writing, for estimates only: providers
 * change them and run promotions, so override with MESH_LLM_PRICES. Keys are `provider:model`;
 * a model missing here costs 0 and is logged once.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'anthropic:claude-opus-5-5': { input: 4, output: 20 },
  'anthropic:claude-sonnet-5-5': { input: 2, output: 10 },
  'anthropic:claude-sonnet-5': { input: 2, output: 10 },
  'anthropic:claude-haiku-4-5': { input: 1, output: 5 },
  'openai:gpt-5.6-sol': { input: 5, output: 30 },
  'openai:gpt-4o': { input: 2.5, output: 10 },
  'openai:gpt-4.1': { input: 2, output: 8 },
  'openai:gpt-4o-mini': { input: 0.15, output: 0.6 },
  'google:gemini-3.8-flash': { input: 1.5, output: 7.5 },
  'google:gemini-2.5-flash': { input: 0.3, output: 2.5 },
  'google:gemini-2.5-pro': { input: 1.25, output: 10 },
  'simulated:simulated': { input: 0, output: 0 },
};

export class PriceTable {
  private readonly prices: Record<string, ModelPrice>;

  constructor(overrides: Record<string, ModelPrice> = {}) {
    this.prices = { ...DEFAULT_PRICES, ...overrides };
  }

  priceOf(ref: string): ModelPrice | undefined {
    return this.prices[ref];
  }

  /** Rounded to a millionth of a cent so sums stay exact enough to compare. */
  costOf(ref: string, usage: { inputTokens: number; outputTokens: number }): number {
    const price = this.prices[ref];
    if (!price) return 0;
    const usd = (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
    return Math.round(usd * 1e8) / 1e8;
  }
}
