import type { EmbeddingModels, QueryVector } from '@mesh/embeddings';
import type { MemoryEmbeddingRepository, SemanticQuery } from '@mesh/store';

/** What searching memory by meaning needs: the embedding models, and each network's choice of one. */
export interface MemoryMeaning {
  embeddings: EmbeddingModels;
  spaces: Pick<MemoryEmbeddingRepository, 'spaceModel'>;
}

/**
 * The query of a search by meaning for `text` in the network's embedding space: its vector (cached
 * per process) and the model's match threshold. Null when this process does not have the
 * network's model; the search then runs on full text alone. `known` is the text's vector already
 * encoded (a task's, kept when it was planned): used when it is in the network's space now.
 */
export async function semanticQuery(
  meaning: MemoryMeaning,
  tenantId: string,
  networkId: string,
  text: string,
  signal?: AbortSignal,
  known?: QueryVector | null,
): Promise<SemanticQuery | null> {
  const model = await meaning.spaces.spaceModel(tenantId, networkId, meaning.embeddings.defaultModel);
  if (!meaning.embeddings.has(model)) return null;
  const vector = known?.model === model ? known : await meaning.embeddings.queryVector(model, text, signal);
  return vector ? { vector, minSimilarity: meaning.embeddings.get(model).matchSimilarity } : null;
}
