import { GoogleGenAI } from '@google/genai';
import { unitVector, type Embedder } from './embedder';
import type { ProviderEmbedderOptions } from './openai-embedder';

/** Contents per request: batchEmbedContents takes up to 100. */
const GEMINI_BATCH = 100;

/** Gemini's embedding models (`google:gemini-embedding-001`, …) through the official SDK (batchEmbedContents). */
export class GeminiEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly matchSimilarity = 0.45;
  readonly duplicateSimilarity = 0.95;
  private readonly client: GoogleGenAI;

  constructor(private readonly options: ProviderEmbedderOptions) {
    this.model = `google:${options.modelId}`;
    this.dimensions = options.dimensions;
    this.client = new GoogleGenAI({
      apiKey: options.apiKey,
      vertexai: false,
      // A fetch of our own: without one the SDK hands fetch an undici dispatcher of the process's
      // global one, which a sandboxed global (jest's) does not have. The timeout is an abort signal.
      httpOptions: { baseUrl: options.baseUrl ?? 'https://generativelanguage.googleapis.com/', fetch: (input, init) => globalThis.fetch(input, init) },
    });
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += GEMINI_BATCH) {
      const batch = texts.slice(i, i + GEMINI_BATCH);
      const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
      const response = await this.client.models.embedContent({
        model: this.options.modelId,
        contents: batch,
        config: { outputDimensionality: this.dimensions, abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout },
      });
      const embeddings = response.embeddings ?? [];
      if (embeddings.length !== batch.length) throw new Error(`Gemini returned ${embeddings.length} embeddings for ${batch.length} inputs`);
      for (const e of embeddings) out.push(unitVector(e.values ?? []));
    }
    return out;
  }
}
