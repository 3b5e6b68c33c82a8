import { COORDINATOR_TYPE, ConflictError, NotFoundError, type Agent, type AgentConfig } from '@mesh/core';
import type { Db } from './db';
import { toAgent, type AgentRow } from './mappers';
import { insertAgent } from './network-repository';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from './pg-errors';

export interface AddAgentOptions {
  /**
   * Names of the network's registered tools that the agent's `tools` entries were resolved to
   * (the caller resolves them against the network's catalog). Checked again under the network's
   * lock: a registration deleted meanwhile is a 409, never an entry that names nothing.
   */
  registeredTools?: readonly string[];
}

export class AgentRepository {
  constructor(private readonly db: Db) {}

  async add(tenantId: string, networkId: string, config: AgentConfig, options: AddAgentOptions = {}): Promise<Agent> {
    return this.db.transaction(async (tx) => {
      // Shared: agents are added side by side, while ToolRepository.delete waits (and is waited for).
      const network = await tx.query('SELECT 1 FROM networks WHERE id = $1 AND tenant_id = $2 FOR SHARE', [networkId, tenantId]);
      if (network.rows.length === 0) throw new NotFoundError('Network', networkId);
      const wanted = [...new Set(options.registeredTools ?? [])];
      if (wanted.length > 0) {
        const { rows } = await tx.query<{ name: string }>('SELECT name FROM tools WHERE network_id = $1 AND name = ANY($2::text[])', [networkId, wanted]);
        const present = new Set(rows.map((r) => r.name));
        const missing = wanted.filter((name) => !present.has(name));
        if (missing.length > 0) throw new ConflictError(`Tool ${missing.join(', ')} was deleted while the agent was being added`, { tools: missing });
      }
      try {
        return toAgent(await insertAgent(tx, tenantId, networkId, config));
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) {
          throw new ConflictError(
            config.type === COORDINATOR_TYPE
              ? 'The network already has a coordinator; a network keeps exactly one'
              : `The network already has an agent of type "${config.type}"`,
            { type: config.type },
          );
        }
        throw err;
      }
    });
  }

  async list(tenantId: string, networkId: string): Promise<Agent[]> {
    const { rows } = await this.db.query<AgentRow>('SELECT * FROM agents WHERE network_id = $1 AND tenant_id = $2 ORDER BY created_at, id', [
      networkId,
      tenantId,
    ]);
    return rows.map(toAgent);
  }

  /** Removes an agent. The coordinator cannot be removed: a network keeps exactly one (409). */
  async delete(tenantId: string, networkId: string, agentId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<AgentRow>('SELECT * FROM agents WHERE id = $1 AND network_id = $2 AND tenant_id = $3 FOR UPDATE', [
        agentId,
        networkId,
        tenantId,
      ]);
      const agent = rows[0];
      if (!agent) throw new NotFoundError('Agent', agentId);
      if (agent.type === COORDINATOR_TYPE) {
        throw new ConflictError('Removing the coordinator would leave the network without one; a network keeps exactly one coordinator', {
          agent_id: agentId,
        });
      }
      await tx.query('DELETE FROM agents WHERE id = $1', [agentId]);
    });
  }

  /** The agents of a network keyed by type (engine hot path). */
  async byType(tenantId: string, networkId: string): Promise<Map<string, AgentRow>> {
    const { rows } = await this.db.query<AgentRow>('SELECT * FROM agents WHERE network_id = $1 AND tenant_id = $2', [networkId, tenantId]);
    return new Map(rows.map((r) => [r.type, r]));
  }

  /** Every agent type in use anywhere, for workers serving `--agents all`. */
  async distinctTypes(): Promise<string[]> {
    const { rows } = await this.db.query<{ type: string }>('SELECT DISTINCT type FROM agents ORDER BY type');
    return rows.map((r) => r.type);
  }
}
