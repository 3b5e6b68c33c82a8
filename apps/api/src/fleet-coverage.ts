import { COORDINATOR_TYPE } from '@mesh/core';
import { isServed, readHeartbeats, servedAgentTypes, unservedMessage, type Heartbeat } from '@mesh/queue';
import type { MeshConfig } from '@mesh/config';
import type { Store } from '@mesh/store';
import type { Redis } from 'ioredis';

/** What reading the fleet's coverage needs (not ApiDeps: api-deps itself uses this module). */
interface CoverageDeps {
  store: Pick<Store, 'agents'>;
  redis: Redis;
  config: Pick<MeshConfig, 'queuePrefix'>;
}

/** The agent types of the networks (any tenant's; the coordinator's excepted) that no live worker serves, sorted. */
export async function unservedAgentTypes(deps: CoverageDeps, heartbeats?: Heartbeat[]): Promise<string[]> {
  const [types, beats] = await Promise.all([deps.store.agents.distinctTypes(), heartbeats ?? readHeartbeats(deps.redis, deps.config.queuePrefix)]);
  const served = servedAgentTypes(beats);
  return types.filter((t) => t !== COORDINATOR_TYPE && !isServed(served, t)).sort();
}

/** What to tell someone who adds an agent of `agentType` when no live worker serves it (empty when one does, or Redis cannot tell). */
export async function servedWarnings(deps: Omit<CoverageDeps, 'store'>, agentType: string): Promise<string[]> {
  if (agentType === COORDINATOR_TYPE) return [];
  const beats = await readHeartbeats(deps.redis, deps.config.queuePrefix).catch(() => null);
  if (!beats) return [];
  return isServed(servedAgentTypes(beats), agentType) ? [] : [`${unservedMessage(agentType)}; until then the coordinator does not plan for it`];
}
