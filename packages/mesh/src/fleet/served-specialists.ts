import { isServed } from '@mesh/queue';
import type { EngineDeps } from '../engine-deps';
import type { AgentSummary } from '../prompts';

/**
 * The specialists a plan may use now: those a live worker serves (heartbeats; a worker started
 * with `--agents all` serves every type). The others are listed to the model as unavailable.
 * Without a fleet view (tests driving the engine in process), or when no specialist is served at
 * all (the fleet is starting, or Redis cannot tell), every specialist is offered: the unserved
 * grace period (see UnservedSubtasks) then says what is missing.
 */
export async function servedSpecialists(deps: EngineDeps, specialists: AgentSummary[]): Promise<{ offered: AgentSummary[]; unavailable: AgentSummary[] }> {
  if (!deps.fleet) return { offered: specialists, unavailable: [] };
  let served = await deps.fleet.served().catch(() => null);
  // A type the cached view says nobody serves is asked about again, fresh: a worker started within
  // the cache's age (a second) would otherwise be missed, and its type planned around.
  if (served && specialists.some((s) => !isServed(served!, s.type))) served = await deps.fleet.served({ fresh: true }).catch(() => served);
  if (!served) return { offered: specialists, unavailable: [] };
  const offered = specialists.filter((s) => isServed(served, s.type));
  deps.logger.debug('specialists served by live workers', { served: [...served.types], all: served.all, offered: offered.map((s) => s.type) });
  if (offered.length === 0) return { offered: specialists, unavailable: [] };
  return { offered, unavailable: specialists.filter((s) => !isServed(served, s.type)) };
}
