import { dot, unitVector } from './embedder';
import { seededRandom } from './vector-signature';

/**
 * The inverted lists of the portable vector index: the space is cut into regions around
 * centroids learnt from the space's own vectors (k-means on the sphere), each item is filed under
 * its nearest centroid, and a query reads only the lists of its few nearest centroids. Learnt
 * from the data, the regions follow it: sentence embeddings of one domain crowd into a narrow
 * cone, where random hyperplanes (LSH) put nearly everything in one bucket.
 */
export const VECTOR_LISTS = {
  /** A space gets lists from this many vectors on; a smaller one is read whole (by sketch distance, then exactly). */
  minVectors: 2_000,
  /** Vectors the centroids are learnt from (a random sample). */
  trainingSample: 20_000,
  /** Rounds of k-means. */
  iterations: 4,
  /** Lists read per query: more, better recall, more candidates. */
  probes: 12,
} as const;

/** How many lists a space of `count` vectors gets: about 1.5 √n, so a list holds about √n / 1.5 items. */
export function listCount(count: number): number {
  return Math.max(16, Math.min(1_024, Math.round(1.5 * Math.sqrt(count))));
}

/**
 * Centroids for `k` lists learnt from `vectors` (unit length): seeded by k-means++ (each next seed
 * drawn with probability growing with its squared distance from the seeds so far, so that no
 * region gets two while another gets none), refined by spherical k-means.
 */
export function learnCentroids(vectors: Float32Array[], k: number, seed = 1): Float32Array[] {
  const random = seededRandom(seed);
  const centroids: Float32Array[] = [];
  if (vectors.length === 0) return centroids;
  centroids.push(Float32Array.from(vectors[Math.floor(random() * vectors.length)]!));
  // Squared (cosine) distance of every vector to its nearest seed so far.
  const distance = vectors.map((v) => (1 - dot(v, centroids[0]!)) ** 2);
  while (centroids.length < Math.min(k, vectors.length)) {
    const total = distance.reduce((sum, d) => sum + d, 0);
    let pick = 0;
    if (total > 0) {
      let r = random() * total;
      while (pick < vectors.length - 1 && (r -= distance[pick]!) > 0) pick++;
    } else pick = Math.floor(random() * vectors.length);
    const chosen = Float32Array.from(vectors[pick]!);
    centroids.push(chosen);
    vectors.forEach((v, i) => (distance[i] = Math.min(distance[i]!, (1 - dot(v, chosen)) ** 2)));
  }
  const dimensions = vectors[0]?.length ?? 0;
  for (let round = 0; round < VECTOR_LISTS.iterations; round++) {
    const sums = centroids.map(() => new Float64Array(dimensions));
    const counts = new Array<number>(centroids.length).fill(0);
    for (const v of vectors) {
      const j = nearestLists(v, centroids, 1)[0]!;
      counts[j]! += 1;
      const sum = sums[j]!;
      for (let i = 0; i < dimensions; i++) sum[i]! += v[i]!;
    }
    // An empty list keeps its centroid (a sampled vector): it still marks a region of the space.
    centroids.forEach((c, j) => {
      if (counts[j]! > 0) centroids[j] = unitVector(sums[j]!);
    });
  }
  return centroids;
}

/** The `n` lists whose centroids are nearest to the vector, nearest first. */
export function nearestLists(vector: Float32Array, centroids: Float32Array[], n: number): number[] {
  const best: { list: number; similarity: number }[] = [];
  centroids.forEach((c, list) => {
    const similarity = dot(c, vector);
    if (best.length < n || similarity > best[best.length - 1]!.similarity) {
      best.push({ list, similarity });
      best.sort((a, b) => b.similarity - a.similarity);
      if (best.length > n) best.pop();
    }
  });
  return best.map((b) => b.list);
}
