import OpenAI from 'openai';
import type { ModerationResult, Moderator } from './moderator';

export interface OpenAiModeratorOptions {
  apiKey: string;
  /** OPENAI_BASE_URL; the SDK's default (api.openai.com) when unset. */
  baseUrl?: string;
  /** Default omni-moderation-latest. */
  model?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

const DEFAULTS = { model: 'omni-moderation-latest', timeoutMs: 10_000 };

/** OpenAI's moderation endpoint (`POST {OPENAI_BASE_URL}/moderations`) through the official SDK. */
export class OpenAiModerator implements Moderator {
  readonly name = 'openai-moderation';
  private readonly client: OpenAI;
  private readonly model: string;

  constructor(options: OpenAiModeratorOptions) {
    // One attempt: a failed check falls back to the local rules rather than delaying the task.
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
      maxRetries: 0,
      timeout: options.timeoutMs ?? DEFAULTS.timeoutMs,
    });
    this.model = options.model ?? DEFAULTS.model;
  }

  async moderate(texts: string[], signal?: AbortSignal): Promise<ModerationResult[]> {
    const response = await this.client.moderations.create({ model: this.model, input: texts }, signal ? { signal } : {});
    const results = response.results ?? [];
    if (results.length !== texts.length) throw new Error(`moderation answered ${results.length} results for ${texts.length} inputs`);
    return results.map((result) => ({
      flagged: result.flagged,
      categories: Object.entries(result.categories ?? {})
        .filter(([, flagged]) => flagged === true)
        .map(([category]) => category),
    }));
  }
}
