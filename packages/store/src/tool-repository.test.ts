import { AgentConfig, CreateNetworkBody, ToolSpec, type BoundTool } from '@mesh/core';
import { createTestEnv, type TestEnv } from '@mesh/testing';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('tool-repo');
});
afterAll(async () => {
  await t.cleanup();
});

const network = (tenant = 'tenant-a') => t.store.networks.create(tenant, CreateNetworkBody.parse({ name: 'Tools' }));

function httpTool(name: string): { spec: ToolSpec; tools: BoundTool[] } {
  const spec = ToolSpec.parse({
    kind: 'http',
    name,
    description: 'Weather for a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    request: { method: 'GET', url: 'https://weather.example.com/{city}', headers: { authorization: { secret: 'WEATHER_TOKEN' } } },
  });
  const tools: BoundTool[] = [{ name, description: 'Weather for a city', input_schema: spec.kind === 'http' ? spec.input_schema : {}, side_effects: false, requires_approval: false, binding: { kind: 'http' } }];
  return { spec, tools };
}

function mcpTool(name: string): { spec: ToolSpec; tools: BoundTool[] } {
  const spec = ToolSpec.parse({ kind: 'mcp', name, url: 'https://mcp.example.com/mcp' });
  const tools: BoundTool[] = ['lookup', 'tag'].map((tool) => ({
    name: `${name}.${tool}`,
    description: tool,
    input_schema: { type: 'object' },
    side_effects: tool === 'tag',
    requires_approval: false,
    binding: { kind: 'mcp', tool },
  }));
  return { spec, tools };
}

describe('ToolRepository', () => {
  it('stores a registration with its derived tools, lists, gets and deletes it, all tenant-scoped', async () => {
    const n = await network();
    const created = await t.store.tools.create('tenant-a', n.id, httpTool('weather'));
    expect(created).toMatchObject({ network_id: n.id, name: 'weather', kind: 'http', description: 'Weather for a city' });
    expect(created.spec).toMatchObject({ request: { headers: { authorization: { secret: 'WEATHER_TOKEN' } } } });
    expect(created.tools.map((tool) => tool.binding)).toEqual([{ kind: 'http' }]);
    const crm = await t.store.tools.create('tenant-a', n.id, mcpTool('crm'));

    expect((await t.store.tools.list('tenant-a', n.id)).map((tool) => tool.name)).toEqual(['weather', 'crm']);
    expect((await t.store.tools.registeredFor('tenant-a', n.id)).map((tool) => tool.name)).toEqual(['crm', 'weather']);
    expect(await t.store.tools.get('tenant-a', n.id, crm.id)).toEqual(crm);

    // Another tenant sees nothing and can delete nothing.
    expect(await t.store.tools.list('tenant-b', n.id)).toEqual([]);
    expect(await t.store.tools.registeredFor('tenant-b', n.id)).toEqual([]);
    expect(await t.store.tools.get('tenant-b', n.id, crm.id)).toBeNull();
    await expect(t.store.tools.delete('tenant-b', n.id, crm.id)).rejects.toMatchObject({ status: 404 });
    await expect(t.store.tools.create('tenant-b', n.id, httpTool('intruder'))).rejects.toMatchObject({ status: 404 });
    // A tool id under another network of the same tenant is not found either.
    const other = await network();
    expect(await t.store.tools.get('tenant-a', other.id, crm.id)).toBeNull();
    await expect(t.store.tools.delete('tenant-a', other.id, crm.id)).rejects.toMatchObject({ status: 404 });

    await t.store.tools.delete('tenant-a', n.id, crm.id);
    expect((await t.store.tools.list('tenant-a', n.id)).map((tool) => tool.name)).toEqual(['weather']);
    await expect(t.store.tools.delete('tenant-a', n.id, crm.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a second tool of the same name in a network (409) but not in another network', async () => {
    const [a, b] = [await network(), await network()];
    await t.store.tools.create('tenant-a', a.id, httpTool('weather'));
    await expect(t.store.tools.create('tenant-a', a.id, mcpTool('weather'))).rejects.toMatchObject({ status: 409, message: expect.stringContaining('weather') });
    await expect(t.store.tools.create('tenant-a', b.id, httpTool('weather'))).resolves.toMatchObject({ network_id: b.id });
    expect(await t.store.tools.list('tenant-a', a.id)).toHaveLength(1);
  });

  it('refuses to delete a tool that an agent lists (409 naming the agents), by name, operation or pattern', async () => {
    const n = await network();
    const weather = await t.store.tools.create('tenant-a', n.id, httpTool('weather'));
    const crm = await t.store.tools.create('tenant-a', n.id, mcpTool('crm'));
    const crmx = await t.store.tools.create('tenant-a', n.id, mcpTool('crm-x'));
    const seo = await t.store.agents.add('tenant-a', n.id, AgentConfig.parse({ name: 'SEO', type: 'seo', tools: ['weather', 'search_memory'] }), { registeredTools: ['weather'] });
    const sales = await t.store.agents.add('tenant-a', n.id, AgentConfig.parse({ name: 'Sales', type: 'sales', tools: ['crm.lookup'] }), { registeredTools: ['crm'] });
    await t.store.agents.add('tenant-a', n.id, AgentConfig.parse({ name: 'Support', type: 'support', tools: ['crm.*'] }), { registeredTools: ['crm'] });
    expect(seo.tools).toEqual(['weather', 'search_memory']);

    await expect(t.store.tools.delete('tenant-a', n.id, weather.id)).rejects.toMatchObject({ status: 409, details: { tool: 'weather', agents: [{ id: seo.id, name: 'SEO', type: 'seo' }] } });
    await expect(t.store.tools.delete('tenant-a', n.id, crm.id)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('Sales (sales), Support (support)') });
    // crm-x shares a prefix with crm, but no agent names it.
    await t.store.tools.delete('tenant-a', n.id, crmx.id);
    // Once the agent is gone, so is the reason.
    await t.store.agents.delete('tenant-a', n.id, seo.id);
    await t.store.tools.delete('tenant-a', n.id, weather.id);
    expect((await t.store.tools.list('tenant-a', n.id)).map((tool) => tool.name)).toEqual(['crm']);
    expect((await t.store.agents.list('tenant-a', n.id)).find((agent) => agent.id === sales.id)?.tools).toEqual(['crm.lookup']);
  });

  it('adds no agent whose registered tools are gone (the check runs under the network lock)', async () => {
    const n = await network();
    await expect(t.store.agents.add('tenant-a', n.id, AgentConfig.parse({ name: 'Late', type: 'late', tools: ['weather'] }), { registeredTools: ['weather'] })).rejects.toMatchObject({
      status: 409,
      details: { tools: ['weather'] },
    });
    expect((await t.store.agents.list('tenant-a', n.id)).some((agent) => agent.type === 'late')).toBe(false);
  });

  it('stores agents’ tools at network creation, and deleting a network deletes its tools', async () => {
    const n = await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'With tools', agents: [{ name: 'Analyst', type: 'analytics', tools: ['search_memory'] }] }));
    expect(n.agents?.map((agent) => [agent.type, agent.tools])).toEqual([
      ['coordinator', []],
      ['analytics', ['search_memory']],
    ]);
    expect((await t.store.networks.get('tenant-a', n.id))?.agents?.find((agent) => agent.type === 'analytics')?.tools).toEqual(['search_memory']);
    await t.store.tools.create('tenant-a', n.id, httpTool('weather'));
    await t.store.networks.delete('tenant-a', n.id);
    const { rows } = await t.db.query('SELECT 1 FROM tools WHERE network_id = $1', [n.id]);
    expect(rows).toEqual([]);
  });
});
