import type { Db } from './db';

/** One model attempt as recorded in `llm_calls`. */
export interface LlmCallRow {
  tenantId?: string | null;
  networkId?: string | null;
  taskId?: string | null;
  subtaskId?: string | null;
  purpose?: string | null;
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
}

export class LlmCallRepository {
  constructor(private readonly db: Db) {}

  /** Records a batch of attempts in one statement. */
  async record(calls: LlmCallRow[]): Promise<void> {
    if (calls.length === 0) return;
    const values: unknown[] = [];
    const tuples = calls.map((c, i) => {
      const b = i * 15;
      values.push(
        c.tenantId ?? null,
        c.networkId ?? null,
        c.taskId ?? null,
        c.subtaskId ?? null,
        c.purpose ?? null,
        c.provider,
        c.model,
        c.chainPosition,
        c.attempt,
        Math.round(c.latencyMs),
        Math.round(c.inputTokens),
        Math.round(c.outputTokens),
        c.costUsd,
        c.outcome,
        c.errorClass ?? null,
      );
      return `(${Array.from({ length: 15 }, (_, k) => `$${b + k + 1}`).join(', ')})`;
    });
    await this.db.query(
      `INSERT INTO llm_calls (tenant_id, network_id, task_id, subtask_id, purpose, provider, model, chain_position, attempt,
                              latency_ms, input_tokens, output_tokens, cost_usd, outcome, error_class)
       VALUES ${tuples.join(', ')}`,
      values,
    );
  }

  async forTask(taskId: string): Promise<LlmCallRow[]> {
    const { rows } = await this.db.query<Record<string, unknown>>('SELECT * FROM llm_calls WHERE task_id = $1 ORDER BY id', [taskId]);
    return rows.map((r) => ({
      tenantId: r.tenant_id as string | null,
      networkId: r.network_id as string | null,
      taskId: r.task_id as string | null,
      subtaskId: r.subtask_id as string | null,
      purpose: r.purpose as string | null,
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
    }));
  }
}
