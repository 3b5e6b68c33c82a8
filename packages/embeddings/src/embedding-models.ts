import { LruCache, ValidationError } from '@mesh/core';
import type { Embedder } from './embedder';
import { GeminiEmbedder } from './gemini-embedder';
import { OpenAiEmbedder } from './openai-embedder';
import { USE_LITE_MODEL, UseLiteEmbedder } from './use-lite-embedder';

export interface EmbeddingModelsOptions {
  /** The model of a network that chose none (MESH_EMBEDDING_MODEL). */
  defaultModel: string;
  /** Every model a network may choose (MESH_EMBEDDING_MODELS, plus the default). */
  models: string[];
  keys: { openai?: string; google?: string };
  baseUrls: { openai?: string; google?: string };
  /** Query vectors kept per process (a query's text is embedded once while it is in the cache). */
  queryCacheSize?: number;
  /** Replaces the embedders built from the names (tests: an embedder that counts its calls). */
  embedders?: Embedder[];
  /** The priority of the work asking, for the local encoder's queue (see UseLiteEmbedderOptions.priority). */
  priority?: () => number;
  /** The local encoder thread's nice value (see UseLiteEmbedderOptions.threadNice). */
  encoderNice?: number;
}

/** The vector length asked of a provider model: its own, or a shorter one the API gives (kept under pgvector's HNSW limit of 2,000). */
const OPENAI_DIMENSIONS = 1536;
const GEMINI_DIMENSIONS = 768;

/** A query's vector in one embedding space. */
export interface QueryVector {
  model: string;
  vector: Float32Array;
}

/** What an embedding model name may look like: `local:use-lite`, `openai:<model id>`, `google:<model id>`. */
export const EMBEDDING_MODEL_NAME = /^(local:use-lite|openai:[A-Za-z0-9._-]{1,100}|google:[A-Za-z0-9._-]{1,100})$/;

function build(name: string, options: EmbeddingModelsOptions): Embedder {
  if (name === USE_LITE_MODEL) return new UseLiteEmbedder({ ...(options.priority ? { priority: options.priority } : {}), ...(options.encoderNice ? { threadNice: options.encoderNice } : {}) });
  const [provider, modelId] = [name.slice(0, name.indexOf(':')), name.slice(name.indexOf(':') + 1)];
  if (provider === 'openai' && options.keys.openai) {
    return new OpenAiEmbedder({ modelId, apiKey: options.keys.openai, dimensions: OPENAI_DIMENSIONS, ...(options.baseUrls.openai ? { baseUrl: options.baseUrls.openai } : {}) });
  }
  if (provider === 'google' && options.keys.google) {
    return new GeminiEmbedder({ modelId, apiKey: options.keys.google, dimensions: GEMINI_DIMENSIONS, ...(options.baseUrls.google ? { baseUrl: options.baseUrls.google } : {}) });
  }
  throw new Error(`embedding model "${name}" needs its provider's API key`);
}

/**
 * The embedding models this deployment offers, by name, each built once (the local encoder
 * loads its weights on first use), and a small cache of query vectors.
 */
export class EmbeddingModels {
  readonly defaultModel: string;
  private readonly embedders = new Map<string, Embedder>();
  private readonly queries: LruCache<Float32Array>;
  private readonly encoding = new Map<string, Promise<Float32Array | null>>();

  constructor(private readonly options: EmbeddingModelsOptions) {
    this.defaultModel = options.defaultModel;
    for (const e of options.embedders ?? []) this.embedders.set(e.model, e);
    for (const name of new Set([options.defaultModel, ...options.models])) {
      if (!EMBEDDING_MODEL_NAME.test(name)) throw new Error(`"${name}" is not an embedding model name (local:use-lite, openai:<id>, google:<id>)`);
      if (!this.embedders.has(name)) this.embedders.set(name, build(name, options));
    }
    this.queries = new LruCache(options.queryCacheSize ?? 512);
  }

  /** The names a network may choose. */
  names(): string[] {
    return [...this.embedders.keys()];
  }

  has(name: string): boolean {
    return this.embedders.has(name);
  }

  /**
   * Loads the default model now if it runs in process (the local encoder: a second or so on a
   * busy machine), so that a process's first task does not wait for it. Provider models are not
   * called. Never throws: a model that fails to load fails its first real use instead.
   */
  async warm(): Promise<void> {
    if (!this.defaultModel.startsWith('local:')) return;
    await this.get(this.defaultModel)
      .embed(['warm up'])
      .catch(() => undefined);
  }

  /** Frees every encoder's resources (at process shutdown, or when a runtime closes). */
  async close(): Promise<void> {
    await Promise.all([...this.embedders.values()].map((e) => e.close?.()));
  }

  /** The embedder of a model, or a 400 that names the ones there are. */
  get(name: string): Embedder {
    const embedder = this.embedders.get(name);
    if (!embedder) {
      // The name is not echoed: it is the client's input, and the answer names what may be chosen.
      throw new ValidationError('The embedding model is not configured on this server', [{ path: 'model', message: `not configured; choose one of: ${this.names().join(', ')}` }]);
    }
    return embedder;
  }

  /**
   * The vector of a query in a model's space, from the cache when the same text was asked
   * lately. Null when this process does not have the model (the search then runs on full text).
   */
  async queryVector(model: string, text: string, signal?: AbortSignal): Promise<QueryVector | null> {
    const embedder = this.embedders.get(model);
    if (!embedder) return null;
    const key = `${model}\u0000${text}`;
    const cached = this.queries.get(key);
    if (cached) return { model, vector: cached };
    // The same text asked while it is being encoded (requests arriving together) waits for that
    // encoding; one caller's abort does not end it for the others, so the encoding takes none.
    signal?.throwIfAborted();
    let encoding = this.encoding.get(key);
    if (!encoding) {
      encoding = embedder
        .embed([text])
        .then(([vector]) => {
          if (vector) this.queries.set(key, vector);
          return vector ?? null;
        })
        .finally(() => this.encoding.delete(key));
      this.encoding.set(key, encoding);
    }
    const vector = await encoding;
    signal?.throwIfAborted();
    return vector ? { model, vector } : null;
  }
}
