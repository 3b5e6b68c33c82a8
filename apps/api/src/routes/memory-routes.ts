import { AddMemoryBody, MemoryItem, MemoryList, MemoryQuery, MemorySpace, NotFoundError, SetMemorySpaceBody } from '@mesh/core';
import type { ApiDeps } from '../api-deps';
import { pgErrorCode, PG_FOREIGN_KEY_VIOLATION } from '@mesh/store';
import { z } from 'zod';
import { requireNetwork } from '../require-network';
import { NetworkParams } from './path-params';
import { defineRoute, type RouteDefinition } from './route-definition';

const TAG = 'memory';

/** The stored item, and whether it already existed (then it was reinforced, not stored twice). */
export const AddedMemory = MemoryItem.extend({ deduplicated: z.boolean() });

export const memoryRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/memory',
    summary: "Add an item to the network's shared memory (the same content is stored once and reinforced)",
    tag: TAG,
    params: NetworkParams,
    body: AddMemoryBody,
    responses: {
      201: { description: 'Stored', schema: AddedMemory },
      200: { description: 'The same content already existed: the existing item, importance reinforced', schema: AddedMemory },
    },
    errors: [400, 404, 413, 415],
    async handle({ deps, tenantId, params, body }) {
      await requireNetwork(deps, tenantId, params.network_id);
      try {
        const { item, inserted } = await deps.store.memory.add(tenantId, params.network_id, body);
        return { status: inserted ? 201 : 200, body: { ...item, deduplicated: !inserted } };
      } catch (err) {
        // Deleted between the check and the insert.
        if (pgErrorCode(err) === PG_FOREIGN_KEY_VIOLATION) throw new NotFoundError('Network', params.network_id);
        throw err;
      }
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/memory',
    summary:
      "List or search a network's shared memory. With `query`, `mode` ranks: `hybrid` (default) fuses meaning, full text, importance and recency; `semantic` by meaning alone; `keyword` by full text alone",
    tag: TAG,
    params: NetworkParams,
    query: MemoryQuery,
    responses: { 200: { description: 'Newest first, or most relevant first with `query`', schema: MemoryList } },
    errors: [400, 404],
    async handle({ deps, tenantId, params, query }) {
      await requireNetwork(deps, tenantId, params.network_id);
      // The query's vector is computed here (cached); the items' vectors were computed by the embedding job.
      const semantic = query.query && query.mode !== 'keyword' ? await semanticQueryOf(deps, tenantId, params.network_id, query.query) : null;
      return { status: 200, body: await deps.store.memory.list(tenantId, params.network_id, query, semantic) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/memory/space',
    summary: "The network's embedding space: its model and how many items have a vector in it",
    tag: TAG,
    params: NetworkParams,
    responses: { 200: { description: 'The embedding space', schema: MemorySpace } },
    errors: [404],
    async handle({ deps, tenantId, params }) {
      await requireNetwork(deps, tenantId, params.network_id);
      return { status: 200, body: await spaceOf(deps, tenantId, params.network_id) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/networks/:network_id/memory/space',
    summary: "Choose the network's embedding model; on a change every item is embedded again (found by full text meanwhile)",
    tag: TAG,
    params: NetworkParams,
    body: SetMemorySpaceBody,
    responses: { 200: { description: 'The embedding space', schema: MemorySpace } },
    errors: [400, 404, 413, 415],
    async handle({ deps, tenantId, params, body }) {
      deps.embeddings.get(body.model); // 400 when the model is not configured
      const set = await deps.store.memoryEmbeddings.setSpaceModel(tenantId, params.network_id, body.model, deps.embeddings.defaultModel);
      if (!set) throw new NotFoundError('Network', params.network_id);
      if (set.changed) deps.logger.info('memory embedding model changed; re-embedding', { network_id: params.network_id, model: body.model });
      return { status: 200, body: await spaceOf(deps, tenantId, params.network_id) };
    },
  }),
];

async function spaceOf(deps: ApiDeps, tenantId: string, networkId: string): Promise<MemorySpace> {
  const status = await deps.store.memoryEmbeddings.spaceStatus(tenantId, networkId, deps.embeddings.defaultModel);
  return { network_id: networkId, ...status, available_models: deps.embeddings.names() };
}

/** A search's vector in the network's space, or null when this process lacks the network's model (then full text ranks). */
async function semanticQueryOf(deps: ApiDeps, tenantId: string, networkId: string, text: string) {
  const model = await deps.store.memoryEmbeddings.spaceModel(tenantId, networkId, deps.embeddings.defaultModel);
  if (!deps.embeddings.has(model)) return null;
  const vector = await deps.embeddings.queryVector(model, text);
  return vector ? { vector, minSimilarity: deps.embeddings.get(model).matchSimilarity } : null;
}
