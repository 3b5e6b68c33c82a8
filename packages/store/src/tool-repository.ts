import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, type BoundTool, type RegisteredTool, type ToolSpec } from '@mesh/core';
import type { Db } from './db';
import { pgErrorCode, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION } from './pg-errors';

export interface ToolRow {
  id: string;
  tenant_id: string;
  network_id: string;
  name: string;
  kind: RegisteredTool['kind'];
  description: string;
  spec: ToolSpec;
  tools: BoundTool[];
  created_at: Date;
}

export function toRegisteredTool(row: ToolRow): RegisteredTool {
  return {
    id: row.id,
    network_id: row.network_id,
    name: row.name,
    kind: row.kind,
    description: row.description,
    spec: row.spec,
    tools: row.tools,
    created_at: row.created_at.toISOString(),
  };
}

/** A registration to store: the spec as accepted (secret references only) and the tools derived from it. */
export interface NewTool {
  spec: ToolSpec;
  tools: BoundTool[];
}

/** An agent whose `tools` entries name a registration: why that registration cannot be deleted. */
export interface ToolUser {
  id: string;
  name: string;
  type: string;
}

/**
 * A network's registered tools (migration 007), tenant-scoped: another tenant's network or tool
 * is "not found". Deleting a network deletes its tools (ON DELETE CASCADE).
 */
export class ToolRepository {
  constructor(private readonly db: Db) {}

  /** Stores a registration. 404 when the network is not the tenant's; 409 when the network already has a tool of that name. */
  async create(tenantId: string, networkId: string, registration: NewTool): Promise<RegisteredTool> {
    const { spec, tools } = registration;
    try {
      const { rows } = await this.db.query<ToolRow>(
        `INSERT INTO tools (id, tenant_id, network_id, name, kind, description, spec, tools)
         SELECT $1, $2, n.id, $4, $5, $6, $7, $8 FROM networks n WHERE n.id = $3 AND n.tenant_id = $2
         RETURNING *`,
        [randomUUID(), tenantId, networkId, spec.name, spec.kind, spec.description ?? '', JSON.stringify(spec), JSON.stringify(tools)],
      );
      const row = rows[0];
      if (!row) throw new NotFoundError('Network', networkId);
      return toRegisteredTool(row);
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw new ConflictError(`The network already has a tool named "${spec.name}"`, { name: spec.name });
      // The network was deleted between the SELECT and the insert.
      if (pgErrorCode(err) === PG_FOREIGN_KEY_VIOLATION) throw new NotFoundError('Network', networkId);
      throw err;
    }
  }

  /** The network's registrations, oldest first (what `GET /networks/{id}/tools` shows, after `toolView`). */
  async list(tenantId: string, networkId: string): Promise<RegisteredTool[]> {
    const { rows } = await this.db.query<ToolRow>('SELECT * FROM tools WHERE network_id = $1 AND tenant_id = $2 ORDER BY created_at, id', [networkId, tenantId]);
    return rows.map(toRegisteredTool);
  }

  async get(tenantId: string, networkId: string, toolId: string): Promise<RegisteredTool | null> {
    const { rows } = await this.db.query<ToolRow>('SELECT * FROM tools WHERE id = $1 AND network_id = $2 AND tenant_id = $3', [toolId, networkId, tenantId]);
    const row = rows[0];
    return row ? toRegisteredTool(row) : null;
  }

  /**
   * Every registration of the network, by name, with the derived tools and how each is called:
   * what a `ToolCatalog` (and so an agent's `tools` resolution) is built from.
   */
  async registeredFor(tenantId: string, networkId: string): Promise<RegisteredTool[]> {
    const { rows } = await this.db.query<ToolRow>('SELECT * FROM tools WHERE network_id = $1 AND tenant_id = $2 ORDER BY name', [networkId, tenantId]);
    return rows.map(toRegisteredTool);
  }

  /** These registrations of the network (those that still exist), by name. */
  async registeredByIds(tenantId: string, networkId: string, ids: readonly string[]): Promise<RegisteredTool[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<ToolRow>('SELECT * FROM tools WHERE id = ANY($1::uuid[]) AND network_id = $2 AND tenant_id = $3 ORDER BY name', [ids, networkId, tenantId]);
    return rows.map(toRegisteredTool);
  }

  /**
   * Deletes a registration. 404 when it is not the tenant's or not in this network; 409 naming the
   * agents while any agent's `tools` names it (`name`, `name.<operation>` or `name.*`): an agent's
   * tools always resolve. The network row is locked against `AgentRepository.add`, which checks
   * the registrations its agent uses under the same lock.
   */
  async delete(tenantId: string, networkId: string, toolId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const network = await tx.query('SELECT 1 FROM networks WHERE id = $1 AND tenant_id = $2 FOR NO KEY UPDATE', [networkId, tenantId]);
      if (network.rows.length === 0) throw new NotFoundError('Tool', toolId);
      const { rows } = await tx.query<{ name: string }>('SELECT name FROM tools WHERE id = $1 AND network_id = $2 AND tenant_id = $3', [toolId, networkId, tenantId]);
      const tool = rows[0];
      if (!tool) throw new NotFoundError('Tool', toolId);
      const users = await tx.query<ToolUser>(
        `SELECT id, name, type FROM agents
         WHERE network_id = $1 AND EXISTS (SELECT 1 FROM unnest(tools) AS entry WHERE entry = $2 OR starts_with(entry, $2 || '.'))
         ORDER BY created_at, id`,
        [networkId, tool.name],
      );
      if (users.rows.length > 0) {
        const names = users.rows.map((agent) => `${agent.name} (${agent.type})`).join(', ');
        throw new ConflictError(`Tool "${tool.name}" is in the tools of ${users.rows.length === 1 ? 'agent' : 'agents'} ${names}; remove those agents first (an agent's tools are set when it is added)`, {
          tool: tool.name,
          agents: users.rows,
        });
      }
      await tx.query('DELETE FROM tools WHERE id = $1', [toolId]);
    });
  }
}
