import { createHash } from 'node:crypto';
import type { CoordinatorDecision } from '@mesh/core';
import { toLlmCall, type AttachmentUpload } from '@mesh/store';
import {
  createTestEnv,
  meshFakeResponder,
  ScriptedModel,
  startFakeProviderServer,
  startInProcessMesh,
  type FakeProviderServer,
  type InProcessMesh,
  type ScriptedCall,
  type TestEnv,
} from '@mesh/testing';
import { readDataBlock } from './data-blocks';
import { SCHEMA_NAMES } from './model-client';

// Attachments through the engine: the plan prompt lists the task's files, a planned subtask names
// the ones it needs (a name the task does not have is repaired), and the specialist's model
// request carries their bytes — checked at a scripted model and, through the real model chain,
// at the fake provider in Anthropic's wire format.

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000320000002580806000000', 'hex');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const WAV = Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WAVEfmt '), Buffer.alloc(24, 1)]);

function upload(name: string, mediaType: AttachmentUpload['mediaType'], data: Buffer, facts: Partial<Pick<AttachmentUpload, 'pages' | 'width' | 'height' | 'durationMs'>> = {}): AttachmentUpload {
  return { name, mediaType, data, sha256: createHash('sha256').update(data).digest('hex'), pages: null, width: null, height: null, durationMs: null, ...facts };
}

const chart = upload('chart.png', 'image/png', PNG, { width: 800, height: 600 });
const report = upload('report.pdf', 'application/pdf', PDF, { pages: 3 });

const agentAnswer = (result: string) => ({ reasoning: 'r', result, confidence: 0.8, suggested_memories: [] });
const done: CoordinatorDecision = { task_complete: true, reasoning: 'done', subtasks: [], new_memories: [], result: { content: 'final', confidence: 0.9, explanation: 'e' } };

function plan(subtasks: { key: string; agent_type: string; attachments: string[] }[]): CoordinatorDecision {
  return { task_complete: false, reasoning: 'plan', subtasks: subtasks.map((s) => ({ ...s, description: `do ${s.key}`, depends_on: [] })), new_memories: [], result: null };
}

const isRepair = (call: ScriptedCall) => call.user.includes('Your previous plan could not be used');

describe('with a scripted model', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('attachments-engine', { MESH_AGENT_DISCOVERY_MS: '200' });
  });
  afterAll(async () => {
    await env.cleanup();
  });

  async function withMesh<T>(model: ScriptedModel, fn: (mesh: InProcessMesh) => Promise<T>): Promise<T> {
    const mesh = await startInProcessMesh(env, model);
    try {
      return await fn(mesh);
    } finally {
      await mesh.close();
    }
  }

  it('lists the attachments in the plan prompt, repairs a plan naming an unknown one, and sends the named file to the specialist', async () => {
    const model = new ScriptedModel((_req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
        if (/Iteration 2 of/.test(call.user)) return done;
        return isRepair(call)
          ? plan([
              { key: 'visual', agent_type: 'design', attachments: ['chart.png'] },
              { key: 'copy', agent_type: 'content', attachments: [] },
            ])
          : plan([
              { key: 'visual', agent_type: 'design', attachments: ['chart-final.png'] },
              { key: 'copy', agent_type: 'content', attachments: [] },
            ]);
      }
      return agentAnswer(`result of ${readDataBlock(call.user, 'subtask')}`);
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork();
      const taskId = await mesh.submit(networkId, { task: 'Review the launch chart and the report' }, 'tenant-a', { attachments: [chart, report] });
      const task = await mesh.waitForTask(taskId);
      expect(task.status).toBe('completed');

      // The coordinator sees each file's facts (never its bytes).
      const [first, repair] = model.callsFor(SCHEMA_NAMES.coordinatorDecision);
      expect(readDataBlock(first!.user, 'attachments')).toBe(
        [`- "chart.png": image/png, ${PNG.length} B, 800×600 px`, `- "report.pdf": application/pdf, ${PDF.length} B, 3 pages`].join('\n'),
      );
      expect(first!.system).toContain("A subtask's attachments lists the names of the files its specialist needs");
      // The unknown name is a plan problem like any other: the coordinator is told and answers again.
      expect(isRepair(repair!)).toBe(true);
      expect(repair!.user).toContain('subtask "visual" names attachment "chart-final.png", which the task does not have (the task\'s attachments are "chart.png", "report.pdf")');

      // The Task API's subtasks say what each was given.
      const byKey = new Map(task.subtasks!.map((s) => [s.key, s]));
      expect(byKey.get('visual')?.attachments).toEqual(['chart.png']);
      expect(byKey.get('copy')?.attachments).toEqual([]);

      // The specialist's request carries the named file's bytes, after a label; the other's is text only.
      const visual = model.calls.find((c) => c.schemaName === SCHEMA_NAMES.agentOutput && c.subtaskId === byKey.get('visual')!.id)!;
      const content = visual.messages[0]!.content as { type: string; text?: string; name?: string; media_type?: string; data?: Uint8Array }[];
      expect(content.map((p) => p.type)).toEqual(['text', 'text', 'attachment']);
      expect(content[1]?.text).toContain('Attached file "chart.png" (image/png)');
      expect(content[2]).toMatchObject({ name: 'chart.png', media_type: 'image/png' });
      expect(Buffer.from(content[2]!.data!).equals(PNG)).toBe(true);
      const copy = model.calls.find((c) => c.schemaName === SCHEMA_NAMES.agentOutput && c.subtaskId === byKey.get('copy')!.id)!;
      expect(typeof copy.messages[0]!.content).toBe('string');

      // Coordinator calls never carry bytes.
      for (const call of model.calls.filter((c) => c.schemaName !== SCHEMA_NAMES.agentOutput)) {
        expect(call.messages.every((m) => typeof m.content === 'string')).toBe(true);
      }
    });
  });

  it('a plan that still names an unknown attachment after the repair falls back to one subtask per specialist with every file', async () => {
    const model = new ScriptedModel((_req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
        if (/Iteration 2 of/.test(call.user)) return done;
        return plan([{ key: 'visual', agent_type: 'design', attachments: ['nope.png'] }]);
      }
      return agentAnswer('ok');
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork();
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Look at the chart' }, 'tenant-a', { attachments: [chart] }));
      expect(task.status).toBe('completed');
      expect(model.callsFor(SCHEMA_NAMES.coordinatorDecision).filter(isRepair)).toHaveLength(1);
      expect(task.subtasks!.length).toBeGreaterThan(1);
      expect(task.subtasks!.every((s) => s.key !== 'visual' && s.attachments.length === 1 && s.attachments[0] === 'chart.png')).toBe(true);
    });
  });
});

describe('with the simulated provider', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('attachments-simulated', { MESH_AGENT_DISCOVERY_MS: '200' });
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('gives every specialist the files, and each says which it was given', async () => {
    const mesh = await startInProcessMesh(env, undefined);
    try {
      const networkId = await mesh.createNetwork();
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Review the chart and the report' }, 'tenant-a', { attachments: [chart, report] }));
      expect(task.status).toBe('completed');
      expect(task.simulated).toBe(true);
      expect(task.subtasks!.length).toBeGreaterThan(0);
      for (const subtask of task.subtasks!) {
        expect(subtask.attachments).toEqual(['chart.png', 'report.pdf']);
        expect(subtask.result).toContain(`Attachments received: chart.png (image/png, ${PNG.length} bytes), report.pdf (application/pdf, ${PDF.length} bytes).`);
      }
    } finally {
      await mesh.close();
    }
  });
});

describe('through the real model chain, at the fake provider', () => {
  let server: FakeProviderServer;
  let env: TestEnv;
  beforeAll(async () => {
    server = await startFakeProviderServer();
    env = await createTestEnv('attachments-chain', {
      MESH_AGENT_DISCOVERY_MS: '200',
      MESH_LLM_PROVIDER: 'live',
      ANTHROPIC_API_KEY: 'test-anthropic-key',
      ANTHROPIC_BASE_URL: server.baseUrls.anthropic,
      MESH_MODEL_CHAIN: 'anthropic:claude-sonnet-5-5',
      MESH_LLM_RETRIES: '0',
      MESH_SUBTASK_ATTEMPTS: '3',
    });
  });
  afterAll(async () => {
    await env.cleanup();
    await server.close();
  });
  beforeEach(() => server.reset());

  it("the specialist's request carries the image as an Anthropic image block; planning and synthesis carry none", async () => {
    server.respondWith(
      'anthropic',
      meshFakeResponder((req) => {
        if (req.kind === 'coordinator_decision') return req.iteration === 1 ? plan([{ key: 'visual', agent_type: 'design', attachments: ['chart.png'] }]) : done;
        return undefined;
      }),
    );
    const mesh = await startInProcessMesh(env, undefined);
    try {
      const networkId = await mesh.createNetwork();
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Review the chart' }, 'tenant-a', { attachments: [chart, report] }));
      expect(task.status).toBe('completed');
      const requests = server.requestsFor('anthropic');
      const withFiles = requests.filter((r) => r.attachments.length > 0);
      expect(withFiles).toHaveLength(1);
      expect(withFiles[0]!.attachments).toEqual([{ wire: 'image', mediaType: 'image/png', data: PNG.toString('base64') }]);
      expect(JSON.stringify(withFiles[0]!.body)).toContain('suggested_memories');
      expect(requests.length).toBeGreaterThanOrEqual(3);
      // The call inspector's record names the file in a text turn; the bytes are not copied.
      const calls = (await env.store.llmCalls.callsOfTask('tenant-a', task.id)).map(toLlmCall);
      const specialist = calls.find((c) => c.purpose === 'subtask')!;
      const recorded = JSON.stringify(specialist.prompt);
      expect(recorded).toContain(`[attachment \\"chart.png\\" (image/png, ${PNG.length} bytes)]`);
      expect(recorded).not.toContain(PNG.toString('base64'));
    } finally {
      await mesh.close();
    }
  });

  it('when no configured model reads the modality, the subtask fails at once with an error naming it', async () => {
    server.respondWith(
      'anthropic',
      meshFakeResponder((req) => {
        if (req.kind === 'coordinator_decision') return req.iteration === 1 ? plan([{ key: 'listen', agent_type: 'content', attachments: ['memo.wav'] }]) : done;
        return undefined;
      }),
    );
    const mesh = await startInProcessMesh(env, undefined);
    try {
      const networkId = await mesh.createNetwork();
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Summarise the voice memo' }, 'tenant-a', { attachments: [upload('memo.wav', 'audio/wav', WAV, { durationMs: 1500 })] }));
      const listen = task.subtasks!.find((s) => s.key === 'listen')!;
      expect(listen.status).toBe('failed');
      expect(listen.error).toMatch(/No configured model accepts audio input/);
      // Not retried: a non-retryable error, and no request with the file ever left.
      expect(listen.attempts).toBe(1);
      expect(server.requestsFor('anthropic').every((r) => r.attachments.length === 0)).toBe(true);
    } finally {
      await mesh.close();
    }
  });
});
