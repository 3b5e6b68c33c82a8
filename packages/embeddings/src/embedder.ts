/**
 * A text encoder: the texts' vectors, unit length, in the order given. `model` names the
 * embedding space (`provider:model-id`): vectors of different models are never compared.
 */
export interface Embedder {
  readonly model: string;
  readonly dimensions: number;
  /** How far apart meaning and noise lie for this model: below it, an item is no semantic match. */
  readonly matchSimilarity: number;
  /** How close two items must be to count as the same knowledge, merged as one. */
  readonly duplicateSimilarity: number;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Frees what the encoder holds (the local encoder's thread and weights); it loads again if used after. */
  close?(): Promise<void>;
}

/** The vector scaled to unit length (a zero vector stays zero): cosine similarity is then a dot product. */
export function unitVector(values: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(values as ArrayLike<number>);
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** A vector as stored (little-endian float32 bytes). */
export function vectorToBytes(vector: Float32Array): Buffer {
  const out = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) out.writeFloatLE(vector[i]!, i * 4);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function vectorFromBytes(bytes: Buffer): Float32Array {
  // One copy into an aligned buffer where the machine is little-endian (nearly all are): a search decodes a hundred of these.
  if (LITTLE_ENDIAN) return new Float32Array(Uint8Array.from(bytes).buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
