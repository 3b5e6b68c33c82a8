import { ValidationError } from '@mesh/core';
import { dot, unitVector, vectorFromBytes, vectorToBytes, type Embedder } from './embedder';
import { EmbeddingModels, type QueryVector } from './embedding-models';
import { USE_LITE_MODEL } from './use-lite-embedder';
import { learnCentroids, listCount, nearestLists } from './vector-lists';
import { hash32, seededRandom, sketchDistanceBound, SKETCH_BITS, vectorSketch } from './vector-signature';

/** An embedder that counts its calls: a word-count vector over a tiny vocabulary. */
class CountingEmbedder implements Embedder {
  readonly model = USE_LITE_MODEL;
  readonly dimensions = 4;
  readonly matchSimilarity = 0.3;
  readonly duplicateSimilarity = 0.9;
  calls = 0;
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.calls++;
    return texts.map((t) => unitVector(['email', 'send', 'price', 'brand'].map((w) => t.split(w).length - 1 + 0.01)));
  }
}

describe('EmbeddingModels', () => {
  const models = (embedder = new CountingEmbedder()) => ({ embedder, models: new EmbeddingModels({ defaultModel: USE_LITE_MODEL, models: [], keys: {}, baseUrls: {}, embedders: [embedder] }) });

  it('answers 400 for a model that is not configured, without echoing the name, and names the configured ones', () => {
    const { models: m } = models();
    expect(m.names()).toEqual([USE_LITE_MODEL]);
    expect(() => m.get("openai:x'); DROP TABLE t; --")).toThrow(ValidationError);
    try {
      m.get('openai:nope');
    } catch (err) {
      expect((err as ValidationError).status).toBe(400);
      expect((err as ValidationError).message).not.toContain('nope');
      expect(JSON.stringify((err as ValidationError).details)).toContain(USE_LITE_MODEL);
    }
  });

  it('refuses a provider model without its key, and a name that is no model', () => {
    expect(() => new EmbeddingModels({ defaultModel: USE_LITE_MODEL, models: ['openai:text-embedding-3-small'], keys: {}, baseUrls: {} })).toThrow(/API key/);
    expect(() => new EmbeddingModels({ defaultModel: 'word2vec', models: [], keys: {}, baseUrls: {} })).toThrow(/not an embedding model/);
  });

  it('embeds a repeated query once (the cache), and gives null for a model this process lacks', async () => {
    const { embedder, models: m } = models();
    const a = await m.queryVector(USE_LITE_MODEL, 'send the email');
    const b = await m.queryVector(USE_LITE_MODEL, 'send the email');
    expect(embedder.calls).toBe(1);
    expect(b!.vector).toBe(a!.vector);
    await m.queryVector(USE_LITE_MODEL, 'price of the brand');
    expect(embedder.calls).toBe(2);
    expect(await m.queryVector('openai:text-embedding-3-small', 'x')).toBeNull();
  });

  it("encodes a query asked again while it is being encoded once, and one caller's abort leaves the others their vector", async () => {
    const { embedder, models: m } = models();
    const aborted = new AbortController();
    const asks = [m.queryVector(USE_LITE_MODEL, 'brand email'), m.queryVector(USE_LITE_MODEL, 'brand email', aborted.signal), m.queryVector(USE_LITE_MODEL, 'brand email')];
    aborted.abort(new Error('deadline'));
    const [first, second, third] = await Promise.allSettled(asks);
    expect(embedder.calls).toBe(1);
    expect(second).toMatchObject({ status: 'rejected', reason: new Error('deadline') });
    const vectorOf = (settled: PromiseSettledResult<QueryVector | null> | undefined) => (settled?.status === 'fulfilled' ? settled.value?.vector : undefined);
    expect(vectorOf(first)).toBeDefined();
    expect(vectorOf(third)).toBe(vectorOf(first));
  });
});

describe('vectors', () => {
  it('round-trips the stored form and keeps unit length', () => {
    const v = unitVector([3, 4, 0, -12]);
    expect(dot(v, v)).toBeCloseTo(1, 6);
    expect(Array.from(vectorFromBytes(vectorToBytes(v)))).toEqual(Array.from(v));
  });

  it('sketches: the same vector the same bits everywhere, near vectors near sketches', () => {
    const v = unitVector(Array.from({ length: 64 }, (_, i) => Math.sin(i)));
    const near = unitVector(Array.from(v, (x, i) => x + 0.05 * Math.cos(i * 7)));
    const far = unitVector(Array.from({ length: 64 }, (_, i) => Math.cos(i * 3)));
    const hamming = (a: string, b: string) => [...a].filter((c, i) => c !== b[i]).length;
    expect(vectorSketch(v)).toHaveLength(SKETCH_BITS);
    expect(vectorSketch(v)).toBe(vectorSketch(Float32Array.from(v)));
    expect(hamming(vectorSketch(v), vectorSketch(near))).toBeLessThan(hamming(vectorSketch(v), vectorSketch(far)));
  });

  it('sketches as stored ones were sketched: the planes and the order of each sum are fixed', () => {
    // Hashes of sketches computed one plane at a time (before the planes were read four at a time):
    // a change here makes every stored sketch disagree with the queries' (a re-sketch would be needed).
    const golden: Record<number, [number, string]> = {
      512: [-1210800953, '11010100101010111101011011011000'],
      768: [1108066848, '11111011100100010001100111010100'],
      1536: [-1141402580, '01100101100100101011111001010010'],
    };
    for (const [d, [hash, start]] of Object.entries(golden)) {
      const r = seededRandom(99 + Number(d));
      const sketch = vectorSketch(Float32Array.from({ length: Number(d) }, () => r() - 0.5));
      expect({ d, start: sketch.slice(0, 32), hash: hash32(sketch) }).toEqual({ d, start, hash });
    }
  });

  it('bounds the sketch distance of vectors above a similarity: none beyond it, and most vectors below it left out', () => {
    const r = seededRandom(5);
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const hamming = (a: string, b: string) => [...a].filter((c, i) => c !== b[i]).length;
    // w at exactly `similarity` to v: v's direction plus a part orthogonal to it.
    const at = (v: Float32Array, similarity: number) => {
      const u = Array.from(v, gaussian);
      const along = u.reduce((sum, x, i) => sum + x * v[i]!, 0);
      const orthogonal = unitVector(u.map((x, i) => x - along * v[i]!));
      return unitVector(Array.from(v, (x, i) => similarity * x + Math.sqrt(1 - similarity ** 2) * orthogonal[i]!));
    };
    const bound = sketchDistanceBound(0.9);
    let near = 0;
    let farWithin = 0;
    for (let k = 0; k < 400; k++) {
      const v = unitVector(Array.from({ length: 512 }, gaussian));
      near = Math.max(near, hamming(vectorSketch(v), vectorSketch(at(v, 0.9))));
      if (hamming(vectorSketch(v), vectorSketch(at(v, 0.3))) <= bound) farWithin++;
    }
    expect(near).toBeLessThanOrEqual(bound);
    expect(farWithin).toBe(0);
    expect(sketchDistanceBound(-1)).toBe(SKETCH_BITS);
    expect(sketchDistanceBound(0.3)).toBeGreaterThan(bound);
  });

  it('learns centroids that file each cluster apart, and reads the nearest lists first', () => {
    const axes = [0, 1, 2, 3].map((k) => Array.from({ length: 8 }, (_, i) => (i === k ? 1 : 0)));
    const points = axes.flatMap((axis, k) => Array.from({ length: 25 }, (_, j) => unitVector(axis.map((x, i) => x + 0.1 * Math.sin(j * 13 + i * 7 + k)))));
    const centroids = learnCentroids(points, 4, 3);
    expect(centroids).toHaveLength(4);
    const listOf = points.map((p) => nearestLists(p, centroids, 1)[0]);
    for (let k = 0; k < 4; k++) expect(new Set(listOf.slice(k * 25, k * 25 + 25)).size).toBe(1);
    expect(new Set(listOf).size).toBe(4);
    expect(nearestLists(points[0]!, centroids, 2)[0]).toBe(listOf[0]);
    expect(listCount(100)).toBe(16);
    expect(listCount(100_000)).toBe(474);
    expect(listCount(10_000_000)).toBe(1024);
  });
});
