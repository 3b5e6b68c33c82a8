/**
 * A vector's sketch: one bit per random hyperplane through the origin (which side the vector
 * lies on). Vectors at a small angle agree on most bits, so the Hamming distance of two sketches
 * estimates their angle; PostgreSQL computes it (`bit_count(a # b)`) far faster than a dot
 * product, and the portable index orders its candidates by it before the exact re-ranking.
 * The hyperplanes come from a fixed seed, so every process computes the same sketches.
 */
export const SKETCH_BITS = 512;

const planesByDimension = new Map<number, Float32Array[]>();

/** mulberry32: a small seeded generator, so that the planes are the same everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function planes(dimensions: number): Float32Array[] {
  let cached = planesByDimension.get(dimensions);
  if (!cached) {
    const random = seededRandom(0x5eed0000 + dimensions);
    // Gaussian components (Box-Muller): the planes' normals are then uniformly distributed in direction.
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    cached = Array.from({ length: SKETCH_BITS }, () => Float32Array.from({ length: dimensions }, gaussian));
    planesByDimension.set(dimensions, cached);
  }
  return cached;
}

/** FNV-1a over a string, as a signed 32-bit integer (PostgreSQL int4). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** The sketch of a vector: SKETCH_BITS characters of 0 and 1 (PostgreSQL `bit(n)` input). */
export function vectorSketch(vector: Float32Array): string {
  let bits = '';
  for (const plane of planes(vector.length)) {
    let side = 0;
    for (let i = 0; i < vector.length; i++) side += plane[i]! * vector[i]!;
    bits += side >= 0 ? '1' : '0';
  }
  return bits;
}
