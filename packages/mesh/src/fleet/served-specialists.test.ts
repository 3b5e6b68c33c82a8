import { nullLogger } from '@mesh/observability';
import { FleetView, type Heartbeat } from '@mesh/queue';
import type { EngineDeps } from '../engine-deps';
import type { AgentSummary } from '../prompts';
import { servedSpecialists } from './served-specialists';

const worker = (agentTypes: string[], servesAll = false) => ({ id: `worker-${agentTypes.join('-')}`, kind: 'worker', agent_types: agentTypes, serves_all: servesAll }) as unknown as Heartbeat;
const specialists = ['content', 'seo'].map((type) => ({ type, name: type }) as unknown as AgentSummary);

describe('servedSpecialists', () => {
  it('asks the heartbeats again, past the cache, before planning around a type nobody seemed to serve', async () => {
    let fleet = [worker(['content'])];
    let reads = 0;
    const view = new FleetView(async () => (reads++, fleet), 60_000);
    const deps = { fleet: view, logger: nullLogger } as unknown as EngineDeps;
    expect((await servedSpecialists(deps, specialists)).unavailable.map((s) => s.type)).toEqual(['seo']);
    const readsBefore = reads;
    // A worker for every type starts within the cache's age: the next plan sees it.
    fleet = [worker(['content']), worker([], true)];
    const { offered, unavailable } = await servedSpecialists(deps, specialists);
    expect(offered.map((s) => s.type)).toEqual(['content', 'seo']);
    expect(unavailable).toEqual([]);
    expect(reads).toBe(readsBefore + 1);
    // Everything served: the cached view answers, with no read.
    await servedSpecialists(deps, specialists);
    expect(reads).toBe(readsBefore + 1);
  });
});
