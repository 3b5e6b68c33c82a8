import OpenAI from 'openai';
import { unitVector, type Embedder } from './embedder';

export interface ProviderEmbedderOptions {
  /** The model id without the provider, e.g. `text-embedding-3-small`. */
  modelId: string;
  apiKey: string;
  baseUrl?: string;
  /** The vectors' length: the model's own, or a shortened one the API is asked for. */
  dimensions: number;
  timeoutMs?: number;
}

/** Inputs per request: the API takes up to 2,048. */
const OPENAI_BATCH = 256;

/** OpenAI's embedding models (`openai:text-embedding-3-small`, …) through the official SDK. */
export class OpenAiEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly matchSimilarity = 0.3;
  readonly duplicateSimilarity = 0.92;
  private readonly client: OpenAI;

  constructor(private readonly options: ProviderEmbedderOptions) {
    this.model = `openai:${options.modelId}`;
    this.dimensions = options.dimensions;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl ?? 'https://api.openai.com/v1',
      organization: null,
      project: null,
      webhookSecret: null,
      maxRetries: 2,
      timeout: options.timeoutMs ?? 30_000,
    });
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += OPENAI_BATCH) {
      const batch = texts.slice(i, i + OPENAI_BATCH);
      const response = await this.client.embeddings.create(
        { model: this.options.modelId, input: batch, encoding_format: 'float', dimensions: this.dimensions },
        signal ? { signal } : {},
      );
      const ordered = [...response.data].sort((a, b) => a.index - b.index);
      if (ordered.length !== batch.length) throw new Error(`OpenAI returned ${ordered.length} embeddings for ${batch.length} inputs`);
      for (const d of ordered) out.push(unitVector(d.embedding));
    }
    return out;
  }
}
