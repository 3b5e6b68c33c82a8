import { randomUUID } from 'node:crypto';
import type { MemoryType } from '@mesh/core';

export interface NewMemory {
  memory_type: MemoryType;
  content: string;
  confidence: number;
  metadata?: Record<string, unknown>;
}

export interface MemorySourceRef {
  kind: 'api' | 'agent' | 'coordinator';
  taskId?: string | null;
  subtaskId?: string | null;
  agentId?: string | null;
}

/**
 * An item's identity within its network, for a content column: the expression of the generated
 * column `memory_items.content_hash` (migrations/001_init.sql), on which the unique index and so
 * every de-duplication rests. Nothing else normalises content: code that must know whether two
 * items are the same asks Postgres with this.
 */
export const contentHashSql = (content: string) => `md5(lower(regexp_replace(btrim(${content}), '\\s+', ' ', 'g')))`;

/**
 * What an insert does with an item its network already has: reinforce it (importance grows,
 * confidence keeps the higher value) unless the same task or subtask brings it again, which is
 * a replay, not new evidence.
 */
export const MEMORY_REINFORCEMENT = `ON CONFLICT (network_id, content_hash) DO UPDATE
       SET importance = memory_items.importance + CASE
             WHEN memory_items.source_kind = EXCLUDED.source_kind
              AND memory_items.source_task_id IS NOT DISTINCT FROM EXCLUDED.source_task_id
              AND memory_items.source_subtask_id IS NOT DISTINCT FROM EXCLUDED.source_subtask_id
              AND EXCLUDED.source_kind <> 'api'
             THEN 0 ELSE 1 END,
           confidence = GREATEST(memory_items.confidence, EXCLUDED.confidence),
           updated_at = now()`;

/**
 * The statement that inserts memory items, de-duplicated per network by normalised content: a
 * repeated item is not stored twice but reinforced (importance grows, confidence keeps the higher
 * value) — unless it comes again from the same task or subtask, which is a replay, not new
 * evidence. Its values are appended to `params`; `guard`, a SQL condition, lets it run as part of
 * a larger statement (a data-modifying CTE) only when that statement's main change happened.
 */
export function memoryUpsertSql(
  params: unknown[],
  tenantId: string,
  networkId: string,
  items: NewMemory[],
  source: MemorySourceRef,
  guard?: string,
): string {
  const tuples = items.map((item) => {
    const b = params.length;
    params.push(
      randomUUID(),
      tenantId,
      networkId,
      item.memory_type,
      item.content,
      item.confidence,
      JSON.stringify(item.metadata ?? {}),
      source.kind,
      source.taskId ?? null,
      source.subtaskId ?? null,
      source.agentId ?? null,
    );
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10}, $${b + 11})`;
  });
  // Two identical items in one batch would make ON CONFLICT touch a row twice; keep the first.
  return `INSERT INTO memory_items (id, tenant_id, network_id, memory_type, content, confidence, metadata,
                               source_kind, source_task_id, source_subtask_id, source_agent_id)
     SELECT DISTINCT ON (${contentHashSql('v.content')})
            v.id::uuid, v.tenant_id, v.network_id::uuid, v.memory_type, v.content, v.confidence::real, v.metadata::jsonb,
            v.source_kind, v.source_task_id::uuid, v.source_subtask_id::uuid, v.source_agent_id::uuid
     FROM (VALUES ${tuples.join(', ')}) AS v(id, tenant_id, network_id, memory_type, content, confidence, metadata,
                                           source_kind, source_task_id, source_subtask_id, source_agent_id)
     ${guard ? `WHERE ${guard}` : ''}
     ${MEMORY_REINFORCEMENT}
     RETURNING *, (xmax = 0) AS inserted`;
}
