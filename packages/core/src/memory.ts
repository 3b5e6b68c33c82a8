import { z } from 'zod';
import { cleanText, JsonObject } from './json';
import { MemoryType } from './status';

export const MEMORY_LIMITS = { maxContentLength: 10_000, maxQueryLength: 500 } as const;

export const AddMemoryBody = z.strictObject({
  content: cleanText({ min: 1, max: MEMORY_LIMITS.maxContentLength }),
  memory_type: MemoryType.default('fact'),
  confidence: z.number().min(0).max(1).default(1),
  metadata: JsonObject.default({}),
});
export type AddMemoryBody = z.infer<typeof AddMemoryBody>;

/** How a memory search ranks: meaning and full text fused with importance and recency (default), meaning alone, or full text alone. */
export const MemorySearchMode = z.enum(['hybrid', 'semantic', 'keyword']);
export type MemorySearchMode = z.infer<typeof MemorySearchMode>;

export const MemoryQuery = z.strictObject({
  memory_type: MemoryType.optional(),
  query: cleanText({ min: 1, max: MEMORY_LIMITS.maxQueryLength }).optional(),
  /** With `query`: hybrid (default), semantic or keyword. */
  mode: MemorySearchMode.default('hybrid'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type MemoryQuery = z.infer<typeof MemoryQuery>;

export const MemorySource = z.object({
  kind: z.enum(['api', 'agent', 'coordinator']),
  task_id: z.uuid().nullable(),
  subtask_id: z.uuid().nullable(),
  agent_id: z.uuid().nullable(),
});
export type MemorySource = z.infer<typeof MemorySource>;

export const MemoryItem = z.object({
  id: z.uuid(),
  memory_id: z.uuid(),
  network_id: z.uuid(),
  memory_type: MemoryType,
  content: z.string(),
  confidence: z.number(),
  importance: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  source: MemorySource,
  created_at: z.string(),
  /** Present on relevance searches: higher is more relevant. */
  relevance: z.number().optional(),
});
export type MemoryItem = z.infer<typeof MemoryItem>;

export const MemoryList = z.object({ memory: z.array(MemoryItem), total: z.int() });
export type MemoryList = z.infer<typeof MemoryList>;

/** `PUT …/memory/space`: the network's embedding model (one of the deployment's configured models). */
export const SetMemorySpaceBody = z.strictObject({
  model: z.string().min(1).max(120),
});
export type SetMemorySpaceBody = z.infer<typeof SetMemorySpaceBody>;

/** A network's embedding space: its model, and how many of its items have a vector in it yet. */
export const MemorySpace = z.object({
  network_id: z.uuid(),
  model: z.string(),
  items: z.number().int(),
  embedded: z.number().int(),
  /** Items waiting for a vector (new ones, or all of them after a change of model). */
  pending: z.number().int(),
  /** The models this deployment offers (MESH_EMBEDDING_MODEL, MESH_EMBEDDING_MODELS). */
  available_models: z.array(z.string()),
});
export type MemorySpace = z.infer<typeof MemorySpace>;
