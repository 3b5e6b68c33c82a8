import { AddMemoryBody, MemoryItem, MemoryList, MemoryQuery, NotFoundError } from '@mesh/core';
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
    summary: "List or search a network's shared memory (`query` ranks by full-text relevance)",
    tag: TAG,
    params: NetworkParams,
    query: MemoryQuery,
    responses: { 200: { description: 'Newest first, or most relevant first with `query`', schema: MemoryList } },
    errors: [400, 404],
    async handle({ deps, tenantId, params, query }) {
      await requireNetwork(deps, tenantId, params.network_id);
      return { status: 200, body: await deps.store.memory.list(tenantId, params.network_id, query) };
    },
  }),
];
