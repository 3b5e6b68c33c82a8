import { randomUUID } from 'node:crypto';
import type { Lesson, PlannedSubtask, SafetyItem, SuggestedMemory } from '@mesh/core';
import { vectorFromBytes, type QueryVector } from '@mesh/embeddings';
import type { Db } from './db';
import type { AgentRow, SubtaskRow, TaskRow } from './mappers';
import { reviveDates, SUBTASK_DATES } from './json-rows';
import { isTransientPgError } from './pg-errors';
import { contentHashSql, MEMORY_REINFORCEMENT, memoryUpsertSql, type NewMemory } from './sql/memory-upsert';
import { taskSafetyUpdateSql } from './sql/task-safety';
import { BatchItemFailure, StatementBatcher, type StatementBatcherOptions } from './statement-batcher';

/** Everything a worker needs to run one subtask, loaded in one round trip. */
export interface SubtaskWork {
  subtask: SubtaskRow;
  task: Pick<TaskRow, 'id' | 'tenant_id' | 'network_id' | 'task' | 'context' | 'status' | 'priority' | 'deadline_at' | 'trace_id' | 'approvals' | 'callback_url'>;
  sharedContext: Record<string, unknown>;
  agent: AgentRow | null;
  dependencies: Pick<SubtaskRow, 'key' | 'agent_type' | 'status' | 'result' | 'error'>[];
  /** The agent type's current lessons from people's feedback (empty: none). */
  lessons: Lesson[];
  /** The task's meaning as the coordinator encoded it when planning (null: not kept, e.g. no encoder there). */
  taskMeaning: QueryVector | null;
  /**
   * The ids of the network's tool registrations, by name, when the agent names tools (null when
   * it names none). A registration never changes once stored, so a process may keep what it read
   * of one by its id: these say which ones the subtask sees, with no query of its own.
   */
  toolIds: string[] | null;
}

export interface SubtaskCompletion {
  result: string;
  reasoning: string;
  confidence: number;
  model: string;
  memories: SuggestedMemory[];
  /** What the safety filter did to this output; recorded on the task in the same transaction. */
  safety?: SafetyItem[];
}

const OPEN = `('pending', 'queued', 'in_progress', 'awaiting_approval')`;
/** What a job may claim: a subtask waiting for a person is claimed only after the decision has made it `queued` again. */
const CLAIMABLE = `('pending', 'queued', 'in_progress')`;

/** The agent's suggested memories, as items to store. */
function newMemories(completion: SubtaskCompletion): NewMemory[] {
  return completion.memories.map((m) => ({ memory_type: m.type, content: m.content, confidence: m.confidence }));
}

/** A result to store for a claimed subtask. */
interface Completion {
  work: SubtaskWork;
  completion: SubtaskCompletion;
}

export interface ClaimRequest {
  tenantId: string;
  taskId: string;
  subtaskId: string;
  workerId: string;
}

export class SubtaskRepository {
  private readonly claims: StatementBatcher<ClaimRequest, SubtaskWork | null>;
  private readonly completions: StatementBatcher<Completion, SubtaskRow | null>;

  constructor(
    private readonly db: Db,
    batching: StatementBatcherOptions = {},
  ) {
    this.claims = new StatementBatcher((requests) => this.claimMany(requests), batching);
    this.completions = new StatementBatcher((requests) => this.completeMany(requests), batching);
  }

  /**
   * Persists an iteration's plan and the coordinator's new memories, once: the task's
   * `planned_iteration` moves forward in the same statement, so a re-delivered or racing step
   * inserts nothing (not a second plan, not the memories again) and gets the stored plan back.
   * Subtasks without dependencies start `queued`: they are the first wave (unless the plan waits
   * for a person's approval first: then every subtask is `pending` until it is dispatched).
   */
  async insertPlan(
    task: Pick<TaskRow, 'id' | 'tenant_id' | 'network_id'>,
    iteration: number,
    plan: (PlannedSubtask & { agent_id: string | null })[],
    memories: { items: NewMemory[]; agentId: string | null } = { items: [], agentId: null },
    options: { waitsForApproval?: boolean } = {},
  ): Promise<SubtaskRow[]> {
    const params: unknown[] = [task.id, iteration];
    const tuples = plan.map((s) => {
      const b = params.length;
      params.push(randomUUID(), task.tenant_id, task.network_id, s.key, s.agent_type, s.agent_id, s.description, s.depends_on, s.depends_on.length === 0 && !options.waitsForApproval ? 'queued' : 'pending', s.attachments ?? []);
      return `($${b + 1}::uuid, $${b + 2}, $${b + 3}::uuid, $1::uuid, $2::int, $${b + 4}, $${b + 5}, $${b + 6}::uuid, $${b + 7}, $${b + 8}::text[], $${b + 9}, $${b + 10}::text[])`;
    });
    const parts = [
      `planned AS (UPDATE tasks SET planned_iteration = $2 WHERE id = $1 AND planned_iteration < $2 RETURNING id)`,
      `inserted AS (
         INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, agent_id, description, depends_on, status, attachments)
         SELECT v.* FROM (VALUES ${tuples.join(', ')}) AS v WHERE EXISTS (SELECT 1 FROM planned)
         ON CONFLICT (task_id, iteration, key) DO NOTHING RETURNING *)`,
    ];
    if (memories.items.length > 0) {
      const source = { kind: 'coordinator' as const, taskId: task.id, agentId: memories.agentId };
      parts.push(`memories AS (${memoryUpsertSql(params, task.tenant_id, task.network_id, memories.items, source, 'EXISTS (SELECT 1 FROM planned)')})`);
    }
    const { rows } = await this.db.query<SubtaskRow>(
      `WITH ${parts.join(',\n')}
       SELECT * FROM inserted
       UNION ALL
       SELECT * FROM subtasks WHERE task_id = $1 AND iteration = $2 AND NOT EXISTS (SELECT 1 FROM planned)`,
      params,
    );
    return rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.key.localeCompare(b.key));
  }

  async forIteration(taskId: string, iteration: number): Promise<SubtaskRow[]> {
    const { rows } = await this.db.query<SubtaskRow>('SELECT * FROM subtasks WHERE task_id = $1 AND iteration = $2 ORDER BY created_at, key', [
      taskId,
      iteration,
    ]);
    return rows;
  }

  async forTask(taskId: string): Promise<SubtaskRow[]> {
    const { rows } = await this.db.query<SubtaskRow>('SELECT * FROM subtasks WHERE task_id = $1 ORDER BY iteration, created_at, key', [taskId]);
    return rows;
  }

  /** pending → queued for the subtasks a wave dispatches. */
  async markQueued(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE subtasks SET status = 'queued' WHERE id = ANY($1::uuid[]) AND status = 'pending'`, [ids]);
  }

  /**
   * Claims a subtask for a run and loads everything the run needs: open → in_progress (counting
   * the attempt) only while its task is unfinished, with the task, the network's shared context,
   * the agent of its type and its dependencies' results. The tenant and task of the job are
   * re-checked against the database. Null when there is nothing to run (missing, another
   * tenant's, ended, or its task has ended). Claims made while others are in Postgres go
   * together in one statement (see StatementBatcher).
   */
  claim(tenantId: string, taskId: string, subtaskId: string, workerId: string): Promise<SubtaskWork | null> {
    return this.claims.submit({ tenantId, taskId, subtaskId, workerId });
  }

  /** One statement for many claims; a subtask asked for twice is claimed by the first request only. */
  async claimMany(requests: ClaimRequest[]): Promise<(SubtaskWork | null)[]> {
    // Keyed by the whole request: one naming the wrong tenant or task cannot shadow a valid one.
    const keyOf = (r: Pick<ClaimRequest, 'subtaskId' | 'tenantId' | 'taskId'>) => `${r.subtaskId}\u0000${r.tenantId}\u0000${r.taskId}`;
    const first = new Map<string, number>();
    requests.forEach((r, i) => {
      if (!first.has(keyOf(r))) first.set(keyOf(r), i);
    });
    const unique = [...first.values()].map((i) => requests[i]!);
    const { rows } = await this.db.query<{
      s: SubtaskRow;
      t: SubtaskWork['task'];
      shared_context: Record<string, unknown>;
      a: AgentRow | null;
      d: SubtaskWork['dependencies'];
      l: Lesson[] | null;
      m: { model: string; vector: string } | null;
      tool_ids: string[] | null;
    }>(
      `WITH req AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[]) AS r(id, tenant_id, task_id, worker_id)),
       s AS (
         UPDATE subtasks su SET status = 'in_progress', attempts = su.attempts + 1, started_at = now(), worker_id = req.worker_id, error = NULL
         FROM req
         WHERE su.id = req.id AND su.tenant_id = req.tenant_id AND su.task_id = req.task_id AND su.status IN ${CLAIMABLE}
           AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = req.task_id AND t.tenant_id = req.tenant_id AND t.status IN ('queued', 'in_progress'))
         RETURNING su.*)
       SELECT to_jsonb(s) AS s,
              jsonb_build_object('id', t.id, 'tenant_id', t.tenant_id, 'network_id', t.network_id, 'task', t.task, 'context', t.context,
                                 'status', t.status, 'priority', t.priority, 'deadline_at', t.deadline_at, 'trace_id', t.trace_id,
                                 'approvals', t.approvals, 'callback_url', t.callback_url) AS t,
              n.shared_context, to_jsonb(a) AS a,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('key', d.key, 'agent_type', d.agent_type, 'status', d.status, 'result', d.result, 'error', d.error) ORDER BY d.key), '[]')
               FROM subtasks d WHERE d.task_id = s.task_id AND d.iteration = s.iteration AND d.key = ANY (s.depends_on)) AS d,
              (SELECT l.lessons FROM agent_lessons l WHERE l.network_id = s.network_id AND l.agent_type = s.agent_type ORDER BY l.version DESC LIMIT 1) AS l,
              (SELECT jsonb_build_object('model', m.model, 'vector', encode(m.vector, 'base64')) FROM task_meanings m WHERE m.task_id = s.task_id) AS m,
              CASE WHEN cardinality(a.tools) > 0 THEN
                (SELECT coalesce(array_agg(tl.id ORDER BY tl.name), '{}') FROM tools tl WHERE tl.network_id = s.network_id AND tl.tenant_id = s.tenant_id)
              END AS tool_ids
       FROM s
       JOIN tasks t ON t.id = s.task_id
       JOIN networks n ON n.id = s.network_id
       LEFT JOIN agents a ON a.network_id = s.network_id AND a.type = s.agent_type`,
      [unique.map((r) => r.subtaskId), unique.map((r) => r.tenantId), unique.map((r) => r.taskId), unique.map((r) => r.workerId)],
    );
    const claimed = new Map<string, SubtaskWork>();
    for (const row of rows) {
      const subtask = reviveDates(row.s, SUBTASK_DATES);
      claimed.set(keyOf({ subtaskId: subtask.id, tenantId: subtask.tenant_id, taskId: subtask.task_id }), {
        subtask,
        task: reviveDates(row.t, ['deadline_at']),
        sharedContext: row.shared_context,
        agent: row.a ? reviveDates(row.a, ['created_at']) : null,
        dependencies: row.d,
        lessons: row.l ?? [],
        taskMeaning: row.m ? { model: row.m.model, vector: vectorFromBytes(Buffer.from(row.m.vector, 'base64')) } : null,
        toolIds: row.tool_ids,
      });
    }
    return requests.map((r, i) => (first.get(keyOf(r)) === i ? (claimed.get(keyOf(r)) ?? null) : null));
  }

  /**
   * Stores a result, the agent's suggested memories and what the safety filter did, in one
   * statement, only if the subtask is still in progress: a duplicate delivery that finishes second
   * writes nothing. Completions made while others are in Postgres go together in one statement
   * (see StatementBatcher); one that carries safety findings goes alone, with the task's update.
   */
  async complete(work: SubtaskWork, completion: SubtaskCompletion): Promise<SubtaskRow | null> {
    if ((completion.safety ?? []).length === 0) return this.completions.submit({ work, completion });
    const { rows } = await this.completeGroup([{ work, completion }]);
    return rows[0] ?? null;
  }

  /**
   * Many completions (without safety findings), in as few statements as can be. Memories
   * reinforce one another when two subtasks suggest the same item, which one upsert cannot do for
   * one row twice: requests that share an item go into separate statements, run one after the
   * other, and so do two that complete the same subtask. Which items are the same is Postgres's to
   * say (content_hash): all requests go first in one statement that writes only if none of them
   * share an item, and otherwise returns every item's hash, by which they are then split.
   */
  async completeMany(requests: Completion[]): Promise<(SubtaskRow | null | BatchItemFailure)[]> {
    const groups: { members: number[]; onlyIfApart: boolean }[] = [{ members: requests.map((_, i) => i), onlyIfApart: requests.length > 1 }];
    // Each group commits on its own, so a failed group is retried member by member here: the
    // members of groups that committed must keep their results, not be run again.
    const results: (SubtaskRow | null | BatchItemFailure)[] = requests.map(() => null);
    const store = (members: number[], rows: SubtaskRow[]) => {
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const i of members) results[i] = byId.get(requests[i]!.work.subtask.id) ?? null;
    };
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      try {
        const outcome = await this.completeGroup(group.members.map((i) => requests[i]!), { onlyIfApart: group.onlyIfApart });
        if (outcome.itemHashes) {
          // Shared items: run the members in groups apart, next.
          const apart = splitApart(requests, group.members, outcome.itemHashes);
          groups.splice(g + 1, 0, ...apart.map((members) => ({ members, onlyIfApart: false })));
        } else {
          store(group.members, outcome.rows);
        }
      } catch (err) {
        if (isTransientPgError(err)) {
          // Postgres is unreachable: the rest would fail the same way; their jobs retry.
          for (const rest of groups.slice(g)) for (const i of rest.members) results[i] = new BatchItemFailure(err);
          break;
        }
        if (group.members.length === 1) {
          results[group.members[0]!] = new BatchItemFailure(err);
          continue;
        }
        for (const i of group.members) {
          try {
            store([i], (await this.completeGroup([requests[i]!])).rows);
          } catch (e) {
            results[i] = new BatchItemFailure(e);
          }
        }
      }
    }
    return results;
  }

  /**
   * One statement: the results, their memories, and — for a single completion that carries them —
   * the safety filter's findings added to the task's record, all only for subtasks still in
   * progress. With `onlyIfApart`, it writes nothing if two of the requests complete the same
   * subtask or bring the same item to a network, and then returns the content hash of every
   * memory item of the requests, in order (`itemHashes`; null when it wrote).
   */
  private async completeGroup(requests: Completion[], options: { onlyIfApart?: boolean } = {}): Promise<{ rows: SubtaskRow[]; itemHashes: string[] | null }> {
    // Only a completion of its own carries safety findings (see complete).
    const only = requests.length === 1 ? requests[0]! : undefined;
    const safety = only && (only.completion.safety ?? []).length > 0 ? { taskId: only.work.task.id, items: only.completion.safety! } : undefined;
    const memory: { subtask: string; id: string; tenant: string; network: string; type: string; content: string; confidence: number; metadata: string; task: string; agent: string | null }[] = [];
    for (const { work, completion } of requests) {
      for (const m of newMemories(completion)) {
        memory.push({
          subtask: work.subtask.id,
          id: randomUUID(),
          tenant: work.task.tenant_id,
          network: work.task.network_id,
          type: m.memory_type,
          content: m.content,
          confidence: m.confidence,
          metadata: JSON.stringify(m.metadata ?? {}),
          task: work.task.id,
          agent: work.agent?.id ?? null,
        });
      }
    }
    // With onlyIfApart, `shared` has a row when two requests would touch one subtask or one item:
    // then nothing is written, and the statement's one row carries every item's hash instead.
    const apart = options.onlyIfApart ?? false;
    const sharedCte = `shared AS (
         SELECT 1 FROM req GROUP BY req.id HAVING count(*) > 1
         UNION ALL
         SELECT 1 FROM unnest($6::uuid[], $9::uuid[], $11::text[]) AS m(subtask_id, network_id, content)
         GROUP BY m.network_id, ${contentHashSql('m.content')} HAVING count(DISTINCT m.subtask_id) > 1),`;
    const hashesInstead = `SELECT done.*, NULL::text[] AS item_hashes FROM done
       UNION ALL
       SELECT (NULL::subtasks).*, ARRAY(SELECT ${contentHashSql('u.content')} FROM unnest($11::text[]) WITH ORDINALITY AS u(content, n) ORDER BY u.n)
       WHERE EXISTS (SELECT 1 FROM shared)`;
    const { rows } = await this.db.query<SubtaskRow & { item_hashes?: string[] | null }>(
      `WITH req AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::real[], $5::text[]) AS r(id, result, reasoning, confidence, model)),
       ${apart ? sharedCte : ''}
       done AS (
         UPDATE subtasks su SET status = 'completed', result = req.result, reasoning = req.reasoning, confidence = req.confidence, model = req.model,
                               finished_at = now(), error = NULL
         FROM req WHERE su.id = req.id AND su.status = 'in_progress' ${apart ? 'AND NOT EXISTS (SELECT 1 FROM shared)' : ''} RETURNING su.*),
       memories AS (
         INSERT INTO memory_items (id, tenant_id, network_id, memory_type, content, confidence, metadata,
                                   source_kind, source_task_id, source_subtask_id, source_agent_id)
         SELECT DISTINCT ON (m.network_id, ${contentHashSql('m.content')})
                m.id, m.tenant_id, m.network_id, m.memory_type, m.content, m.confidence, m.metadata, 'agent', m.task_id, m.subtask_id, m.agent_id
         FROM unnest($6::uuid[], $7::uuid[], $8::text[], $9::uuid[], $10::text[], $11::text[], $12::real[], $13::jsonb[], $14::uuid[], $15::uuid[])
              AS m(subtask_id, id, tenant_id, network_id, memory_type, content, confidence, metadata, task_id, agent_id)
         WHERE EXISTS (SELECT 1 FROM done WHERE done.id = m.subtask_id)
         ${MEMORY_REINFORCEMENT}
         RETURNING 1)${safety ? `,
       safety AS (${taskSafetyUpdateSql('$16', '$17')} AND EXISTS (SELECT 1 FROM done))` : ''}
       ${apart ? hashesInstead : 'SELECT * FROM done'}`,
      [
        requests.map((r) => r.work.subtask.id),
        requests.map((r) => r.completion.result),
        requests.map((r) => r.completion.reasoning),
        requests.map((r) => r.completion.confidence),
        requests.map((r) => r.completion.model),
        memory.map((m) => m.subtask),
        memory.map((m) => m.id),
        memory.map((m) => m.tenant),
        memory.map((m) => m.network),
        memory.map((m) => m.type),
        memory.map((m) => m.content),
        memory.map((m) => m.confidence),
        memory.map((m) => m.metadata),
        memory.map((m) => m.task),
        memory.map((m) => m.agent),
        ...(safety ? [safety.taskId, JSON.stringify(safety.items)] : []),
      ],
    );
    if (!apart) return { rows, itemHashes: null };
    const refused = rows.find((r) => r.item_hashes != null);
    if (refused) return { rows: [], itemHashes: refused.item_hashes! };
    for (const row of rows) delete row.item_hashes;
    return { rows, itemHashes: null };
  }

  /** Agent types of queued subtasks of running tasks: what a worker must serve for them to go on. */
  async queuedAgentTypes(): Promise<string[]> {
    const { rows } = await this.db.query<{ agent_type: string }>(
      `SELECT DISTINCT s.agent_type FROM subtasks s JOIN tasks t ON t.id = s.task_id WHERE s.status = 'queued' AND t.status IN ('queued', 'in_progress') ORDER BY 1`,
    );
    return rows.map((r) => r.agent_type);
  }

  /** Fails the queued subtasks of running tasks that are of `agentType` (nobody serves it); the rows failed. */
  async failQueuedOfType(agentType: string, error: string, limit = 1000): Promise<SubtaskRow[]> {
    const { rows } = await this.db.query<SubtaskRow>(
      `UPDATE subtasks SET status = 'failed', error = $2, finished_at = now()
       WHERE id IN (SELECT s.id FROM subtasks s JOIN tasks t ON t.id = s.task_id
                    WHERE s.status = 'queued' AND s.agent_type = $1 AND t.status IN ('queued', 'in_progress') LIMIT $3)
         AND status = 'queued'
       RETURNING *`,
      [agentType, error.slice(0, 2000), limit],
    );
    return rows;
  }

  /** in_progress → awaiting_approval: its tool calls wait for a person; its job ends. Null when it is not running. */
  async park(subtaskId: string): Promise<SubtaskRow | null> {
    const { rows } = await this.db.query<SubtaskRow>(`UPDATE subtasks SET status = 'awaiting_approval' WHERE id = $1 AND status = 'in_progress' RETURNING *`, [subtaskId]);
    return rows[0] ?? null;
  }

  /** Marks a subtask failed (retries exhausted or not retryable). Null when it had already ended. */
  async fail(subtaskId: string, error: string): Promise<SubtaskRow | null> {
    const { rows } = await this.db.query<SubtaskRow>(
      `UPDATE subtasks SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status IN ${OPEN} RETURNING *`,
      [subtaskId, error.slice(0, 2000)],
    );
    return rows[0] ?? null;
  }
}

/**
 * The members split, first fit in order, into groups in which no two complete the same subtask or
 * bring the same memory item to one network. `itemHashes`: the content hashes of the members'
 * items, in order, as completeGroup returns them.
 */
function splitApart(requests: Completion[], members: number[], itemHashes: string[]): number[][] {
  const groups: { keys: Set<string>; members: number[] }[] = [];
  let next = 0;
  for (const i of members) {
    const { work, completion } = requests[i]!;
    const items = newMemories(completion).length;
    const keys = [`subtask\u0000${work.subtask.id}`, ...itemHashes.slice(next, next + items).map((hash) => `item\u0000${work.task.network_id}\u0000${hash}`)];
    next += items;
    let group = groups.find((g) => !keys.some((k) => g.keys.has(k)));
    if (!group) {
      group = { keys: new Set(), members: [] };
      groups.push(group);
    }
    for (const k of keys) group.keys.add(k);
    group.members.push(i);
  }
  return groups.map((g) => g.members);
}
