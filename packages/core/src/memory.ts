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

export const MemoryQuery = z.strictObject({
  memory_type: MemoryType.optional(),
  query: cleanText({ min: 1, max: MEMORY_LIMITS.maxQueryLength }).optional(),
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
