import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegisterToolBody } from '@mesh/core';
import {
  createTestEnv,
  fakeToolCalls,
  meshFakeResponder,
  startFakeProviderServer,
  startInProcessMesh,
  type FakeProviderName,
  type FakeProviderServer,
  type TestEnv,
} from '@mesh/testing';
import { deriveTools, toolEnvironment } from '@mesh/tools';

/**
 * The tool loop through the real model layer and each provider's real SDK, against the fake
 * provider server speaking its wire format: tool definitions out, tool calls in, results back,
 * and a fallback in the middle of a loop that carries the conversation to the next provider.
 */
let fake: FakeProviderServer;
let service: { url: string; close(): Promise<void> };

const KEYS = {
  ANTHROPIC_API_KEY: 'sk-ant-tool-loop-test',
  OPENAI_API_KEY: 'sk-tool-loop-test',
  GEMINI_API_KEY: 'AIza-tool-loop-test-xxxxxxxxxxxxxx',
};
const CHAIN_MODEL: Record<FakeProviderName, string> = { anthropic: 'anthropic:claude-sonnet-4-5', openai: 'openai:gpt-4o', google: 'google:gemini-2.5-flash' };

async function startStatsService(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ campaign: req.url?.split('/').pop(), open_rate: 0.37, clicks: 1204 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** An env whose chain is `providers`, in order, all pointed at the fake server. */
async function providerEnv(name: string, providers: FakeProviderName[]): Promise<TestEnv> {
  return createTestEnv(name, {
    MESH_LLM_PROVIDER: 'live',
    ...KEYS,
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    OPENAI_BASE_URL: fake.baseUrls.openai,
    GEMINI_BASE_URL: fake.baseUrls.google,
    MESH_MODEL_CHAIN: providers.map((p) => CHAIN_MODEL[p]).join(','),
    MESH_LLM_RETRIES: '0',
    MESH_LLM_TIMEOUT_MS: '5000',
    MESH_TOOL_ALLOWED_HOSTS: '127.0.0.1',
    MESH_AGENT_DISCOVERY_MS: '100',
  });
}

/** Runs one task whose analytics agent may call `analytics.stats`; returns its completed task. */
async function runTask(env: TestEnv) {
  const mesh = await startInProcessMesh(env, undefined);
  try {
    const agents: Record<string, unknown> = {
      agents: [
        { name: 'Coordinator', type: 'coordinator' },
        { name: 'Analytics Specialist', type: 'analytics', tools: ['stats'] },
      ],
    };
    const networkId = await mesh.createNetwork(agents);
    const { tool: spec } = RegisterToolBody.parse({
      tool: {
        kind: 'http',
        name: 'stats',
        description: 'Campaign statistics',
        input_schema: { type: 'object', properties: { campaign: { type: 'string' } }, required: ['campaign'] },
        request: { method: 'GET', url: `${service.url}/stats/{campaign}` },
      },
    });
    const { tools } = await deriveTools(spec, toolEnvironment(env.config.tools).derive);
    await env.store.tools.create('tenant-a', networkId, { spec, tools });
    return await mesh.waitForTask(await mesh.submit(networkId, { task: 'How did the spring campaign do?' }), 30_000);
  } finally {
    await mesh.close();
  }
}

/** The agent asks for the stats once, then answers with what the tool returned. */
function analyticsScript(onToolTurn?: (provider: FakeProviderName) => void) {
  return (provider: FakeProviderName) =>
    meshFakeResponder((req) => {
      if (req.kind !== 'agent_output') return undefined;
      if (req.request.toolResults.length === 0) {
        onToolTurn?.(provider);
        return fakeToolCalls({ name: 'stats', arguments: { campaign: 'spring' } });
      }
      const data = req.request.toolResults[0]!.content;
      return { reasoning: 'from the tool', result: `open rate ${/"open_rate":\s*([0-9.]+)/.exec(data)?.[1] ?? 'unknown'} (${provider})`, confidence: 0.8, suggested_memories: [] };
    });
}

beforeAll(async () => {
  fake = await startFakeProviderServer();
  service = await startStatsService();
});
afterEach(() => {
  fake.clearFaults();
  fake.reset();
});
afterAll(async () => {
  await service.close();
  await fake.close();
});

describe('the tool loop through each provider', () => {
  it.each<FakeProviderName>(['anthropic', 'openai', 'google'])('%s: offers the tool, takes its call, sends the result back and stores the answer', async (provider) => {
    fake.respondWith(provider, analyticsScript()(provider));
    const env = await providerEnv(`tools-${provider}`, [provider]);
    try {
      const task = await runTask(env);
      expect(task.status).toBe('completed');
      const subtask = task.subtasks!.find((s) => s.agent_type === 'analytics')!;
      expect(subtask.result).toBe(`open rate 0.37 (${provider})`);
      expect(subtask.tool_calls.map((c) => [c.tool, c.status, c.arguments])).toEqual([['stats', 'completed', { campaign: 'spring' }]]);
      // On the wire: the tool offered, then the call and its result sent back in the provider's format.
      const turns = fake.requestsFor(provider).filter((r) => r.tools.length > 0);
      expect(turns.length).toBeGreaterThanOrEqual(2);
      expect(turns[0]!.tools.map((t) => t.name)).toEqual(['stats']);
      const last = turns.at(-1)!;
      expect(last.toolCalls.map((c) => c.name)).toEqual(['stats']);
      expect(last.toolResults).toHaveLength(1);
      expect(last.toolResults[0]!.content).toContain('open_rate');
    } finally {
      await env.cleanup();
    }
  }, 40_000);

  it.each<[FakeProviderName, FakeProviderName]>([
    ['anthropic', 'openai'],
    ['anthropic', 'google'],
  ])('a fallback in the middle of a loop: %s asks for the call, then fails; %s gets the whole conversation and finishes', async (first, second) => {
    // Once the first provider has asked for the tool, it answers 500 to everything.
    const script = analyticsScript((provider) => {
      if (provider === first) fake.inject(first, { kind: 'status', status: 500 }, { times: 1_000 });
    });
    fake.respondWith(first, script(first));
    fake.respondWith(second, script(second));
    const env = await providerEnv(`tools-fallback-${second}`, [first, second]);
    try {
      const task = await runTask(env);
      expect(task.status).toBe('completed');
      const subtask = task.subtasks!.find((s) => s.agent_type === 'analytics')!;
      expect(subtask.result).toBe(`open rate 0.37 (${second})`);
      expect(subtask.model?.startsWith(`${second}:`)).toBe(true);
      expect(subtask.tool_calls).toHaveLength(1);
      // The second provider was sent the first one's tool call and the tool's result, in its own format.
      const continued = fake.requestsFor(second).filter((r) => r.toolResults.length > 0);
      expect(continued).toHaveLength(1);
      expect(continued[0]!.toolCalls.map((c) => c.name)).toEqual(['stats']);
      expect(continued[0]!.toolResults[0]!.content).toContain('open_rate');
      // And the first provider never saw a tool result.
      expect(fake.requestsFor(first).some((r) => r.toolResults.length > 0 && r.status === 200)).toBe(false);
    } finally {
      await env.cleanup();
    }
  }, 40_000);
});
