import { randomUUID } from 'node:crypto';
import { APPROVAL_LIMITS, COORDINATOR_TYPE, DEFAULT_AGENTS, NO_APPROVALS, ValidationError, type AgentConfig, type CreateNetworkBody, type Network, type UpdateNetworkBody } from '@mesh/core';
import type { Db, Queryable } from './db';
import { toAgent, toNetwork, type AgentRow, type NetworkRow } from './mappers';
import { retryDeadlocks } from './pg-errors';

const COUNTS = `
  (SELECT count(*) FROM agents a WHERE a.network_id = n.id) AS agent_count,
  (SELECT count(*) FROM tasks t WHERE t.network_id = n.id) AS task_count,
  (SELECT count(*) FROM tasks t WHERE t.network_id = n.id AND t.status IN ('queued', 'in_progress', 'awaiting_approval')) AS active_task_count,
  (SELECT count(*) FROM memory_items m WHERE m.network_id = n.id) AS memory_count`;

/** The agents a new network starts with: the given ones (plus a coordinator if they lack one), or the defaults. */
export function initialAgents(given: AgentConfig[] | undefined): AgentConfig[] {
  if (!given) return [...DEFAULT_AGENTS];
  const types = new Set<string>();
  for (const [i, agent] of given.entries()) {
    if (types.has(agent.type)) {
      throw new ValidationError('Each agent in a network must have its own type', [{ path: `agents.${i}.type`, message: `duplicate type "${agent.type}"` }]);
    }
    types.add(agent.type);
  }
  if (!types.has(COORDINATOR_TYPE)) return [DEFAULT_AGENTS[0] as AgentConfig, ...given];
  return given;
}

export async function insertAgent(q: Queryable, tenantId: string, networkId: string, config: AgentConfig): Promise<AgentRow> {
  // clock_timestamp, not now(): agents inserted in one transaction keep their order (lists sort by created_at).
  const { rows } = await q.query<AgentRow>(
    `INSERT INTO agents (id, tenant_id, network_id, name, type, model, description, parameters, capabilities, tools, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp()) RETURNING *`,
    [
      randomUUID(),
      tenantId,
      networkId,
      config.name,
      config.type,
      config.model ?? null,
      config.description,
      JSON.stringify(config.parameters),
      JSON.stringify(config.capabilities),
      config.tools,
    ],
  );
  return rows[0] as AgentRow;
}

export class NetworkRepository {
  constructor(private readonly db: Db) {}

  async create(tenantId: string, body: CreateNetworkBody): Promise<Network> {
    const agents = initialAgents(body.agents);
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<NetworkRow>(
        `INSERT INTO networks (id, tenant_id, name, description, max_iterations, timeout_seconds, shared_context, approvals, approval_timeout_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          randomUUID(),
          tenantId,
          body.name,
          body.description,
          body.max_iterations,
          body.timeout_seconds,
          JSON.stringify(body.shared_context),
          // Callers that build the body without its schema's defaults get them here too.
          JSON.stringify(body.approvals ?? NO_APPROVALS),
          body.approval_timeout_seconds ?? APPROVAL_LIMITS.defaultTimeoutSeconds,
        ],
      );
      const network = rows[0] as NetworkRow;
      const agentRows: AgentRow[] = [];
      for (const config of agents) agentRows.push(await insertAgent(tx, tenantId, network.id, config));
      return toNetwork(network, agentRows.map(toAgent));
    });
  }

  async list(tenantId: string, page: { limit: number; offset: number }): Promise<{ networks: Network[]; total: number }> {
    const [{ rows }, total] = await Promise.all([
      this.db.query<NetworkRow>(
        `SELECT n.*, ${COUNTS} FROM networks n WHERE n.tenant_id = $1 ORDER BY n.created_at DESC, n.id LIMIT $2 OFFSET $3`,
        [tenantId, page.limit, page.offset],
      ),
      this.db.query<{ count: string }>('SELECT count(*) FROM networks WHERE tenant_id = $1', [tenantId]),
    ]);
    return { networks: rows.map((r) => toNetwork(r)), total: Number(total.rows[0]?.count ?? 0) };
  }

  /** The network with its agents and counts, or null when it does not exist for this tenant. */
  async get(tenantId: string, networkId: string): Promise<Network | null> {
    const [{ rows }, agents] = await Promise.all([
      this.db.query<NetworkRow>(`SELECT n.*, ${COUNTS} FROM networks n WHERE n.id = $1 AND n.tenant_id = $2`, [networkId, tenantId]),
      this.db.query<AgentRow>('SELECT * FROM agents WHERE network_id = $1 AND tenant_id = $2 ORDER BY created_at, id', [networkId, tenantId]),
    ]);
    const row = rows[0];
    return row ? toNetwork(row, agents.rows.map(toAgent)) : null;
  }

  /**
   * Changes the settings the body names (`approvals` merges into the network's); the network as
   * `get` shows it, or null when it does not exist for this tenant. Tasks keep the settings they
   * were submitted with.
   */
  async update(tenantId: string, networkId: string, body: UpdateNetworkBody): Promise<Network | null> {
    const { rowCount } = await this.db.query(
      `UPDATE networks SET
         name = coalesce($3, name),
         description = coalesce($4, description),
         shared_context = coalesce($5::jsonb, shared_context),
         max_iterations = coalesce($6, max_iterations),
         timeout_seconds = coalesce($7, timeout_seconds),
         approvals = approvals || coalesce($8::jsonb, '{}'),
         approval_timeout_seconds = coalesce($9, approval_timeout_seconds),
         updated_at = now()
       WHERE id = $1 AND tenant_id = $2`,
      [
        networkId,
        tenantId,
        body.name ?? null,
        body.description ?? null,
        body.shared_context ? JSON.stringify(body.shared_context) : null,
        body.max_iterations ?? null,
        body.timeout_seconds ?? null,
        body.approvals ? JSON.stringify(Object.fromEntries(Object.entries(body.approvals).filter(([, v]) => v !== undefined))) : null,
        body.approval_timeout_seconds ?? null,
      ],
    );
    return rowCount ? this.get(tenantId, networkId) : null;
  }

  /** The bare row (no counts) for hot paths that only need settings. */
  async getRow(tenantId: string, networkId: string): Promise<NetworkRow | null> {
    const { rows } = await this.db.query<NetworkRow>('SELECT * FROM networks WHERE id = $1 AND tenant_id = $2', [networkId, tenantId]);
    return rows[0] ?? null;
  }

  async exists(tenantId: string, networkId: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM networks WHERE id = $1 AND tenant_id = $2', [networkId, tenantId]);
    return rows.length > 0;
  }

  /**
   * The network's unfinished tasks with their open subtasks: what has jobs to remove from the
   * queues. Read before `delete`, which cascades the subtasks away.
   */
  async unfinishedWork(
    tenantId: string,
    networkId: string,
  ): Promise<{ taskId: string; iterations: number; startedAt: Date | null; openSubtasks: { id: string; agent_type: string }[] }[]> {
    const { rows } = await this.db.query<{ id: string; iterations: number; started_at: Date | null; open_subtasks: { id: string; agent_type: string }[] }>(
      `SELECT t.id, t.iterations, t.started_at,
              coalesce(json_agg(json_build_object('id', s.id, 'agent_type', s.agent_type)) FILTER (WHERE s.id IS NOT NULL), '[]') AS open_subtasks
       FROM tasks t
       LEFT JOIN subtasks s ON s.task_id = t.id AND s.status IN ('pending', 'queued', 'in_progress', 'awaiting_approval')
       WHERE t.network_id = $1 AND t.tenant_id = $2 AND t.status IN ('pending', 'queued', 'in_progress', 'awaiting_approval')
       GROUP BY t.id`,
      [networkId, tenantId],
    );
    return rows.map((r) => ({ taskId: r.id, iterations: r.iterations, startedAt: r.started_at, openSubtasks: r.open_subtasks }));
  }

  /**
   * Deletes the network with its agents, tasks, subtasks and memory. Returns the ids of its
   * tasks that were still unfinished (the caller removes their jobs), or null when not found.
   */
  async delete(tenantId: string, networkId: string): Promise<{ unfinishedTaskIds: string[] } | null> {
    // A deadlock's victim (another transaction took the same rows in another order) runs again.
    return retryDeadlocks(() => this.deleteOnce(tenantId, networkId));
  }

  private deleteOnce(tenantId: string, networkId: string): Promise<{ unfinishedTaskIds: string[] } | null> {
    return this.db.transaction(async (tx) => {
      // The embedding job locks queue rows, then (storing their vectors) the items' and the
      // network's rows for its foreign keys. Taken in that order here too, the two never deadlock:
      // a running batch commits first, and no later batch claims these rows (SKIP LOCKED).
      await tx.query('DELETE FROM memory_embedding_queue WHERE network_id = $1 AND tenant_id = $2', [networkId, tenantId]);
      const { rows } = await tx.query<{ id: string }>('SELECT id FROM networks WHERE id = $1 AND tenant_id = $2 FOR UPDATE', [networkId, tenantId]);
      if (rows.length === 0) return null;
      const unfinished = await tx.query<{ id: string }>(
        `SELECT id FROM tasks WHERE network_id = $1 AND status IN ('pending', 'queued', 'in_progress', 'awaiting_approval')`,
        [networkId],
      );
      await tx.query('DELETE FROM llm_calls WHERE network_id = $1', [networkId]);
      await tx.query('DELETE FROM llm_call_details WHERE network_id = $1', [networkId]);
      await tx.query('DELETE FROM networks WHERE id = $1', [networkId]);
      return { unfinishedTaskIds: unfinished.rows.map((r) => r.id) };
    });
  }

  async countActive(): Promise<number> {
    const { rows } = await this.db.query<{ count: string }>(`SELECT count(*) FROM networks WHERE status = 'active'`);
    return Number(rows[0]?.count ?? 0);
  }
}
