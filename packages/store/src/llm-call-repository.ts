import type { Db } from './db';
import { StatementBatcher, type StatementBatcherOptions } from './statement-batcher';

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

const COLUMNS = `tenant_id, network_id, task_id, subtask_id, purpose, provider, model, chain_position, attempt,
                 latency_ms, input_tokens, output_tokens, cost_usd, outcome, error_class`;

export class LlmCallRepository {
  private readonly batches: StatementBatcher<LlmCallRow[], void>;

  constructor(
    private readonly db: Db,
    batching: StatementBatcherOptions = {},
  ) {
    this.batches = new StatementBatcher(async (groups) => {
      await this.insert(groups.flat());
      return groups.map(() => undefined);
    }, batching);
  }

  /**
   * Records a call's attempts. Attempts recorded while an earlier insert is in Postgres go
   * together in the next one (see StatementBatcher); the promise settles when this call's rows
   * are committed.
   */
  async record(calls: LlmCallRow[]): Promise<void> {
    if (calls.length === 0) return;
    await this.batches.submit(calls);
  }

  /** One statement, whatever the number of rows: one prepared statement serves every batch. */
  private async insert(calls: LlmCallRow[]): Promise<void> {
    if (calls.length === 0) return;
    const column = <T>(pick: (c: LlmCallRow) => T): T[] => calls.map(pick);
    await this.db.query(
      `INSERT INTO llm_calls (${COLUMNS})
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[],
                            $10::int[], $11::int[], $12::int[], $13::numeric[], $14::text[], $15::text[])`,
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
      ],
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
