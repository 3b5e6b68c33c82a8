import type { LlmCall, LlmCallMessage } from '@mesh/core';
import type { Db } from './db';
import { StatementBatcher, type StatementBatcherOptions } from './statement-batcher';

/** One model attempt as recorded in `llm_calls`. */
export interface LlmCallRow {
  tenantId?: string | null;
  networkId?: string | null;
  taskId?: string | null;
  subtaskId?: string | null;
  purpose?: string | null;
  /** Shared by the attempts of one model call (null on rows written before calls had ids). */
  callId?: string | null;
  /** 'call' or 'repair' (the one re-ask after invalid output). */
  kind?: string | null;
  startedAt?: string | null;
  provider: string;
  model: string;
  chainPosition: number;
  attempt: number;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  outcome: string;
  errorClass?: string | null;
  errorMessage?: string | null;
}

/** What one model call sent and what came back (`llm_call_details`): kept apart from the accounting rows. */
export interface LlmCallDetailRow {
  callId: string;
  tenantId?: string | null;
  networkId?: string | null;
  taskId?: string | null;
  subtaskId?: string | null;
  system: string;
  /** The conversation as sent (provider-neutral messages). */
  messages: unknown[];
  annotations: Record<string, unknown>;
  /** The answer that was used; null when every attempt failed. */
  output: string | null;
  toolCalls: unknown[] | null;
}

/** One model call of a task, its attempts grouped, its details when they were recorded and are still kept. */
export interface LlmCallView {
  callId: string;
  purpose: string | null;
  subtaskId: string | null;
  subtaskKey: string | null;
  agentType: string | null;
  startedAt: string;
  endedAt: string;
  attempts: LlmCallRow[];
  detail: (Omit<LlmCallDetailRow, 'callId' | 'tenantId' | 'networkId' | 'taskId' | 'subtaskId'> & { createdAt: string }) | null;
}

const COLUMNS = `tenant_id, network_id, task_id, subtask_id, purpose, provider, model, chain_position, attempt,
                 latency_ms, input_tokens, output_tokens, cost_usd, outcome, error_class, call_id, kind, started_at, error_message`;

/** Longest error message kept per attempt: enough to say what went wrong, never a whole response body. */
const ERROR_MESSAGE_CHARS = 2_000;

const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));

export class LlmCallRepository {
  private readonly batches: StatementBatcher<LlmCallRow[], void>;
  private readonly detailBatches: StatementBatcher<LlmCallDetailRow, void>;

  constructor(
    private readonly db: Db,
    batching: StatementBatcherOptions = {},
  ) {
    this.batches = new StatementBatcher(async (groups) => {
      await this.insert(groups.flat());
      return groups.map(() => undefined);
    }, batching);
    this.detailBatches = new StatementBatcher(async (details) => {
      await this.insertDetails(details);
      return details.map(() => undefined);
    }, batching);
  }

  /**
   * Records a call's attempts, and what it sent and got back when `detail` is given. Attempts
   * recorded while an earlier insert is in Postgres go together in the next one (see
   * StatementBatcher); the promise settles when this call's rows are committed.
   */
  async record(calls: LlmCallRow[], detail?: LlmCallDetailRow): Promise<void> {
    if (calls.length === 0 && !detail) return;
    await Promise.all([calls.length > 0 ? this.batches.submit(calls) : undefined, detail ? this.detailBatches.submit(detail) : undefined]);
  }

  /** One statement, whatever the number of rows: one prepared statement serves every batch. */
  private async insert(calls: LlmCallRow[]): Promise<void> {
    if (calls.length === 0) return;
    const column = <T>(pick: (c: LlmCallRow) => T): T[] => calls.map(pick);
    await this.db.query(
      `INSERT INTO llm_calls (${COLUMNS})
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[],
                            $10::int[], $11::int[], $12::int[], $13::numeric[], $14::text[], $15::text[], $16::uuid[], $17::text[],
                            $18::timestamptz[], $19::text[])`,
      [
        column((c) => c.tenantId ?? null),
        column((c) => c.networkId ?? null),
        column((c) => c.taskId ?? null),
        column((c) => c.subtaskId ?? null),
        column((c) => c.purpose ?? null),
        column((c) => c.provider),
        column((c) => c.model),
        column((c) => c.chainPosition),
        column((c) => c.attempt),
        column((c) => Math.round(c.latencyMs)),
        column((c) => Math.round(c.inputTokens)),
        column((c) => Math.round(c.outputTokens)),
        column((c) => c.costUsd),
        column((c) => c.outcome),
        column((c) => c.errorClass ?? null),
        column((c) => c.callId ?? null),
        column((c) => c.kind ?? null),
        column((c) => c.startedAt ?? null),
        column((c) => (c.errorMessage ? c.errorMessage.slice(0, ERROR_MESSAGE_CHARS) : null)),
      ],
    );
  }

  private async insertDetails(details: LlmCallDetailRow[]): Promise<void> {
    if (details.length === 0) return;
    // The rows as one JSON document: its text is built natively in one pass. As text[] columns,
    // each prompt's JSON was escaped again, element by element, into an array literal: 6.7 times
    // the time for a batch of four prompts (625 against 93 µs), and a tenth of what a worker
    // allocated at 2,000 calls in flight. A redelivered record (the same call id) changes nothing.
    const rows = details.map((d) => ({
      call_id: d.callId,
      tenant_id: d.tenantId ?? null,
      network_id: d.networkId ?? null,
      task_id: d.taskId ?? null,
      subtask_id: d.subtaskId ?? null,
      system: d.system,
      messages: d.messages,
      annotations: d.annotations,
      output: d.output,
      tool_calls: d.toolCalls ?? null,
    }));
    await this.db.query(
      `INSERT INTO llm_call_details (call_id, tenant_id, network_id, task_id, subtask_id, system, messages, annotations, output, tool_calls)
       SELECT call_id, tenant_id, network_id, task_id, subtask_id, system, messages, annotations, output, tool_calls
       FROM jsonb_to_recordset($1::jsonb)
            AS d(call_id uuid, tenant_id text, network_id uuid, task_id uuid, subtask_id uuid, system text, messages jsonb, annotations jsonb, output text, tool_calls jsonb)
       ON CONFLICT (call_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  async forTask(taskId: string): Promise<LlmCallRow[]> {
    const { rows } = await this.db.query<Record<string, unknown>>('SELECT * FROM llm_calls WHERE task_id = $1 ORDER BY id', [taskId]);
    return rows.map(toRow);
  }

  /**
   * A task's model calls in the order they began, each with its attempts and, when recorded and
   * not yet pruned, what it sent and got back. Only the tenant's own rows are read.
   */
  async callsOfTask(tenantId: string, taskId: string): Promise<LlmCallView[]> {
    const [attempts, details] = await Promise.all([
      this.db.query<Record<string, unknown>>(
        `SELECT c.*, s.key AS subtask_key, s.agent_type AS subtask_agent_type
         FROM llm_calls c LEFT JOIN subtasks s ON s.id = c.subtask_id
         WHERE c.tenant_id = $1 AND c.task_id = $2 ORDER BY c.id`,
        [tenantId, taskId],
      ),
      this.db.query<Record<string, unknown>>(
        `SELECT call_id, system, messages, annotations, output, tool_calls, created_at FROM llm_call_details WHERE tenant_id = $1 AND task_id = $2`,
        [tenantId, taskId],
      ),
    ]);
    const detailById = new Map(details.rows.map((d) => [String(d.call_id), d]));
    const calls = new Map<string, LlmCallView>();
    for (const r of attempts.rows) {
      const row = toRow(r);
      // Rows from before calls had ids stand alone.
      const callId = row.callId ?? `attempt-${String(r.id)}`;
      const startedMs = new Date(row.startedAt ?? iso(r.created_at)).getTime() || new Date(iso(r.created_at)).getTime();
      const endedAt = new Date(startedMs + row.latencyMs).toISOString();
      const startedAt = new Date(startedMs).toISOString();
      let call = calls.get(callId);
      if (!call) {
        const d = detailById.get(callId);
        call = {
          callId,
          purpose: row.purpose ?? null,
          subtaskId: row.subtaskId ?? null,
          subtaskKey: (r.subtask_key as string | null) ?? null,
          agentType: (r.subtask_agent_type as string | null) ?? null,
          startedAt,
          endedAt,
          attempts: [],
          detail: d
            ? {
                system: String(d.system),
                messages: d.messages as unknown[],
                annotations: (d.annotations as Record<string, unknown>) ?? {},
                output: (d.output as string | null) ?? null,
                toolCalls: (d.tool_calls as unknown[] | null) ?? null,
                createdAt: iso(d.created_at),
              }
            : null,
        };
        calls.set(callId, call);
      }
      call.attempts.push({ ...row, startedAt });
      if (startedAt < call.startedAt) call.startedAt = startedAt;
      if (endedAt > call.endedAt) call.endedAt = endedAt;
    }
    return [...calls.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /** Deletes what calls sent and got back before `before` (the accounting rows stay); at most `limit` rows per statement. */
  async pruneDetails(before: Date, limit = 5_000): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM llm_call_details WHERE call_id IN (SELECT call_id FROM llm_call_details WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
      [before, limit],
    );
    return rowCount ?? 0;
  }
}

function toRow(r: Record<string, unknown>): LlmCallRow {
  return {
    tenantId: r.tenant_id as string | null,
    networkId: r.network_id as string | null,
    taskId: r.task_id as string | null,
    subtaskId: r.subtask_id as string | null,
    purpose: r.purpose as string | null,
    callId: (r.call_id as string | null) ?? null,
    kind: (r.kind as string | null) ?? null,
    startedAt: r.started_at ? iso(r.started_at) : null,
    provider: r.provider as string,
    model: r.model as string,
    chainPosition: Number(r.chain_position),
    attempt: Number(r.attempt),
    latencyMs: Number(r.latency_ms),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    costUsd: Number(r.cost_usd),
    outcome: r.outcome as string,
    errorClass: r.error_class as string | null,
    errorMessage: (r.error_message as string | null) ?? null,
  };
}

type StoredToolCall = { id: string; name: string; arguments: Record<string, unknown> };
type StoredMessage = { role: 'user' | 'assistant' | 'tool'; content: string; toolCalls?: StoredToolCall[]; toolCallId?: string; name?: string; isError?: boolean };

const toolCallOf = (c: StoredToolCall) => ({ id: c.id, name: c.name, arguments: c.arguments ?? {} });

function messageOf(m: StoredMessage): LlmCallMessage {
  return {
    role: m.role,
    content: m.content ?? '',
    ...(m.toolCalls ? { tool_calls: m.toolCalls.map(toolCallOf) } : {}),
    ...(m.toolCallId !== undefined ? { tool_call_id: m.toolCallId } : {}),
    ...(m.role === 'tool' && m.name !== undefined ? { name: m.name } : {}),
    ...(m.isError !== undefined ? { is_error: m.isError } : {}),
  };
}

const intOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) ? value : null);

/** A call as the API shows it (GET …/tasks/{task_id}/calls). */
export function toLlmCall(view: LlmCallView): LlmCall {
  const last = view.attempts[view.attempts.length - 1]!;
  const answered = view.attempts.find((a) => a.outcome === 'success');
  const by = answered ?? last;
  const sum = (pick: (a: LlmCallRow) => number) => view.attempts.reduce((total, a) => total + pick(a), 0);
  const annotations = view.detail?.annotations ?? {};
  const memory = Array.isArray(annotations.memory) ? (annotations.memory as { id: string; memory_type: string; content: string }[]) : [];
  const rejected = Array.isArray(annotations.rejected_outputs) ? (annotations.rejected_outputs as LlmCall['rejected_outputs']) : [];
  return {
    call_id: view.callId,
    purpose: view.purpose,
    subtask_id: view.subtaskId,
    subtask_key: view.subtaskKey,
    agent_type: view.agentType,
    iteration: intOrNull(annotations.iteration),
    turn: intOrNull(annotations.turn),
    provider: by.provider,
    model: by.model,
    outcome: answered ? 'success' : last.outcome,
    fell_back: answered !== undefined && answered.chainPosition > 0,
    started_at: view.startedAt,
    ended_at: view.endedAt,
    latency_ms: Math.max(0, new Date(view.endedAt).getTime() - new Date(view.startedAt).getTime()),
    input_tokens: sum((a) => a.inputTokens),
    output_tokens: sum((a) => a.outputTokens),
    cost_usd: Math.round(sum((a) => a.costUsd) * 1e6) / 1e6,
    attempts: view.attempts.map((a) => ({
      provider: a.provider,
      model: a.model,
      chain_position: a.chainPosition,
      attempt: a.attempt,
      kind: a.kind ?? null,
      outcome: a.outcome,
      error_class: a.errorClass ?? null,
      error_message: a.errorMessage ?? null,
      started_at: a.startedAt ?? view.startedAt,
      latency_ms: a.latencyMs,
      input_tokens: a.inputTokens,
      output_tokens: a.outputTokens,
      cost_usd: a.costUsd,
    })),
    prompt: view.detail
      ? {
          system: view.detail.system,
          messages: (view.detail.messages as StoredMessage[]).map(messageOf),
          memory_items: memory.map((m) => ({ id: String(m.id), memory_type: String(m.memory_type), content: String(m.content) })),
        }
      : null,
    output:
      view.detail && view.detail.output !== null
        ? { text: view.detail.output, tool_calls: ((view.detail.toolCalls ?? []) as StoredToolCall[]).map(toolCallOf) }
        : null,
    rejected_outputs: rejected.map((r) => ({ chain_position: r.chain_position, attempt: r.attempt, kind: r.kind ?? null, text: String(r.text ?? '') })),
  };
}
