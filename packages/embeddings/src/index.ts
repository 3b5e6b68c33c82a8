export { dot, unitVector, vectorFromBytes, vectorToBytes, type Embedder } from './embedder';
export { EMBEDDING_MODEL_NAME, EmbeddingModels, type EmbeddingModelsOptions, type QueryVector } from './embedding-models';
export { GeminiEmbedder } from './gemini-embedder';
export { OpenAiEmbedder, type ProviderEmbedderOptions } from './openai-embedder';
export { USE_LITE_MODEL, UseLiteEmbedder, type UseLiteEmbedderOptions } from './use-lite-embedder';
export { learnCentroids, listCount, nearestLists, VECTOR_LISTS } from './vector-lists';
export { hash32, seededRandom, SKETCH_BITS, sketchDistanceBound, vectorSketch } from './vector-signature';
