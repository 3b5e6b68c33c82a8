/**
 * Memory found by meaning against the system Postgres: the portable index (the migration's
 * choice where the server has no pgvector; forced here even where it has). The suite is shared
 * with semantic-memory-pgvector.test.ts.
 */
import { describeSemanticMemory } from './__tests__/semantic-memory-suite';

describeSemanticMemory({
  name: 'semantic-memory',
  approximate: [{ label: 'the portable index (forced even where pgvector is installed)', index: 'portable', maxSimilarityError: 0.005 }],
});
