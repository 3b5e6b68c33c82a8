import Anthropic from '@anthropic-ai/sdk';
import { MeshMetrics } from '@mesh/observability';
import type { RecordedCall } from './attempt-record';
import type { ConversationMessage } from './conversation';
import { createLlmClient } from './llm-client';
import { buildModelChain, DEFAULT_MODEL_CHAIN, resolveModel } from './model-table';
import { UnsupportedModalityError } from './unsupported-modality-error';
import { attemptCollector, capturingLogger, configFrom, createLlmTestKit, liveEnv, type LlmTestKit } from './__tests__/llm-test-kit';

// Attachments through the real SDKs to the fake provider server: each provider's request must
// carry the file in that provider's own wire format, and the chain must skip models that
// cannot read it.
let kit: LlmTestKit;

beforeAll(async () => {
  kit = await createLlmTestKit();
});

afterAll(async () => {
  await kit.cleanup();
});

beforeEach(() => kit.server.reset());

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const WAV = Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WAVEfmt '), Buffer.alloc(24, 1)]);

function withFiles(...files: { name: string; media_type: string; data: Buffer }[]): ConversationMessage[] {
  return [
    {
      role: 'user',
      content: [{ type: 'text', text: 'Describe the attached files.' }, ...files.map((f) => ({ type: 'attachment' as const, ...f }))],
    },
  ];
}

function setup(chain: string, env: Record<string, string> = {}) {
  const hooks = attemptCollector();
  const metrics = new MeshMetrics({ service: 'test', defaultMetrics: false });
  const logger = capturingLogger();
  const config = configFrom(liveEnv(kit.server, { MESH_MODEL_CHAIN: chain, ...env }));
  const client = createLlmClient({
    config,
    redis: kit.redis,
    keyPrefix: kit.freshPrefix(),
    logger,
    onAttempt: hooks.onAttempt,
    // Wired as the processes wire it (packages/host runtime).
    onModelSkipped: (skip) => metrics.llmModelSkipped(skip.provider, skip.model, skip.modality),
  });
  return { client, metrics, logger, hooks };
}

async function skippedCount(metrics: MeshMetrics, labels: Record<string, string>): Promise<number> {
  const values = (await metrics.llmModelsSkipped.get()).values;
  return values.filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

describe("each provider's request carries the attachments in its own wire format", () => {
  it('anthropic: an image block and a document block, base64 sources', async () => {
    const { client } = setup('anthropic:claude-sonnet-5-5');
    const response = await client.complete({ system: 'You look.', messages: withFiles({ name: 'chart.png', media_type: 'image/png', data: PNG }, { name: 'report.pdf', media_type: 'application/pdf', data: PDF }) });
    expect(response.provider).toBe('anthropic');
    const [request] = kit.server.requestsFor('anthropic');
    expect(request?.attachments).toEqual([
      { wire: 'image', mediaType: 'image/png', data: PNG.toString('base64') },
      { wire: 'document', mediaType: 'application/pdf', data: PDF.toString('base64'), name: 'report.pdf' },
    ]);
    const body = request?.body as { messages: { content: unknown[] }[] };
    expect(body.messages[0]?.content).toEqual([
      { type: 'text', text: 'Describe the attached files.' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } },
      { type: 'document', title: 'report.pdf', source: { type: 'base64', media_type: 'application/pdf', data: PDF.toString('base64') } },
    ]);
  });

  it('openai: an image_url data URL and a file part with file_data and filename', async () => {
    const { client } = setup('openai:gpt-5.6-sol');
    await client.complete({ system: 'You look.', messages: withFiles({ name: 'chart.png', media_type: 'image/png', data: PNG }, { name: 'report.pdf', media_type: 'application/pdf', data: PDF }) });
    const [request] = kit.server.requestsFor('openai');
    const body = request?.body as { messages: { role: string; content: unknown }[] };
    expect(body.messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Describe the attached files.' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
        { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF.toString('base64')}`, filename: 'report.pdf' } },
      ],
    });
    expect(request?.attachments.map((a) => a.wire)).toEqual(['image_url', 'file']);
  });

  it('openai: audio as an input_audio part (an audio model)', async () => {
    const { client } = setup('openai:gpt-4o-audio-preview');
    await client.complete({ system: 'You listen.', messages: withFiles({ name: 'memo.wav', media_type: 'audio/wav', data: WAV }) });
    const [request] = kit.server.requestsFor('openai');
    expect(request?.attachments).toEqual([{ wire: 'input_audio', mediaType: 'audio/wav', data: WAV.toString('base64') }]);
    const body = request?.body as { messages: { content: unknown[] }[] };
    expect(body.messages[1]?.content[1]).toEqual({ type: 'input_audio', input_audio: { data: WAV.toString('base64'), format: 'wav' } });
  });

  it('google: inlineData parts for an image, a PDF and audio', async () => {
    const { client } = setup('google:gemini-3.8-flash');
    await client.complete({
      system: 'You look and listen.',
      messages: withFiles({ name: 'chart.png', media_type: 'image/png', data: PNG }, { name: 'report.pdf', media_type: 'application/pdf', data: PDF }, { name: 'memo.mp3', media_type: 'audio/mpeg', data: WAV }),
    });
    const [request] = kit.server.requestsFor('google');
    const body = request?.body as { contents: { role: string; parts: unknown[] }[] };
    expect(body.contents[0]).toEqual({
      role: 'user',
      parts: [
        { text: 'Describe the attached files.' },
        { inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } },
        { inlineData: { mimeType: 'application/pdf', data: PDF.toString('base64') } },
        { inlineData: { mimeType: 'audio/mpeg', data: WAV.toString('base64') } },
      ],
    });
  });
});

describe('the capability-aware chain', () => {
  it('falls back from a failing provider to the next, which gets the image in its own format', async () => {
    const { client, hooks } = setup('anthropic:claude-sonnet-5-5,openai:gpt-5.6-sol', { MESH_LLM_RETRIES: '1' });
    kit.server.inject('anthropic', { kind: 'status', status: 503 });
    const response = await client.complete({ system: 'You look.', messages: withFiles({ name: 'chart.png', media_type: 'image/png', data: PNG }) });
    expect(response.provider).toBe('openai');
    const anthropic = kit.server.requestsFor('anthropic');
    expect(anthropic).toHaveLength(2);
    expect(anthropic.every((r) => r.status === 503 && r.attachments[0]?.wire === 'image')).toBe(true);
    expect(kit.server.requestsFor('openai').map((r) => r.attachments)).toEqual([[{ wire: 'image_url', mediaType: 'image/png', data: PNG.toString('base64') }]]);
    expect(hooks.attempts.map((a) => [a.provider, a.outcome, a.httpStatus])).toEqual([
      ['anthropic', 'error', 503],
      ['anthropic', 'error', 503],
      ['openai', 'success', undefined],
    ]);
  });

  it('skips a model without image input: never called, logged and counted', async () => {
    const { client, metrics, logger } = setup('openai:gpt-3.5-turbo,google:gemini-3.8-flash');
    const response = await client.complete({ system: 'You look.', messages: withFiles({ name: 'chart.png', media_type: 'image/png', data: PNG }) });
    expect(response.provider).toBe('google');
    expect(kit.server.requestsFor('openai')).toHaveLength(0);
    expect(kit.server.requestsFor('google')[0]?.attachments.map((a) => a.wire)).toEqual(['inlineData']);
    expect(await skippedCount(metrics, { provider: 'openai', model: 'gpt-3.5-turbo', modality: 'image' })).toBe(1);
    expect(logger.entries).toContainEqual(expect.objectContaining({ message: 'model skipped: it cannot read the attachments', fields: expect.objectContaining({ model: 'gpt-3.5-turbo', modality: 'image' }) }));
  });

  it('a text-only request skips nothing', async () => {
    const { client, metrics } = setup('openai:gpt-3.5-turbo,google:gemini-3.8-flash');
    const response = await client.complete({ system: 'You help.', messages: [{ role: 'user', content: 'Hello' }] });
    expect(response.provider).toBe('openai');
    expect(await skippedCount(metrics, {})).toBe(0);
  });

  it('when no model reads the modality, fails at once with a non-retryable error naming it', async () => {
    const { client, metrics } = setup('anthropic:claude-sonnet-5-5,openai:gpt-5.6-sol');
    const error = await client.complete({ system: 'You listen.', messages: withFiles({ name: 'memo.wav', media_type: 'audio/wav', data: WAV }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedModalityError);
    expect(error).toMatchObject({ name: 'ProviderError', retryable: false, errorClass: 'unsupported_modality', modality: 'audio' });
    expect((error as Error).message).toMatch(/^No configured model accepts audio input/);
    expect(kit.server.requests).toHaveLength(0);
    expect(await skippedCount(metrics, { modality: 'audio' })).toBe(2);
  });
});

it('a recorded call names each file instead of copying its bytes', async () => {
  const calls: RecordedCall[] = [];
  const config = configFrom(liveEnv(kit.server, { MESH_MODEL_CHAIN: 'anthropic:claude-sonnet-5-5' }));
  const client = createLlmClient({ config, redis: kit.redis, keyPrefix: kit.freshPrefix(), recorder: { record: async (_attempts, _context, call) => void (call && calls.push(call)) } });
  const response = await client.complete({ system: 'You look.', messages: withFiles({ name: 'chart.png', media_type: 'image/png', data: PNG }) });
  await response.recorded;
  expect(calls[0]?.messages).toEqual([
    { role: 'user', content: `Describe the attached files.\n\n[attachment "chart.png" (image/png, ${PNG.length} bytes)]` },
  ]);
});

it('the fake provider answers 400, as the real API does, to an image type the wire does not take or to broken base64', async () => {
  const client = new Anthropic({ apiKey: 'test-anthropic-key', baseURL: kit.server.baseUrls.anthropic, maxRetries: 0 });
  const send = (media_type: string, data: string) =>
    client.messages
      .create({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: media_type as 'image/png', data } }] }] })
      .catch((e: unknown) => e);
  expect(await send('image/bmp', PNG.toString('base64'))).toBeInstanceOf(Anthropic.BadRequestError);
  expect(await send('image/png', 'not base64!')).toBeInstanceOf(Anthropic.BadRequestError);
  expect(await send('image/png', PNG.toString('base64'))).not.toBeInstanceOf(Error);
});

describe('the model table knows input modalities', () => {
  it('the default chain: Claude images and PDFs, GPT-5 images and PDFs, Gemini all three', () => {
    expect(DEFAULT_MODEL_CHAIN.map((name) => [name, resolveModel(name).inputModalities])).toEqual([
      ['anthropic:claude-sonnet-5-5', ['text', 'image', 'pdf']],
      ['openai:gpt-5.6-sol', ['text', 'image', 'pdf']],
      ['google:gemini-3.8-flash', ['text', 'image', 'pdf', 'audio']],
    ]);
  });

  it('text-only and audio families, local ids and the simulated model', () => {
    expect(resolveModel('gpt-3.5-turbo').inputModalities).toEqual(['text']);
    expect(resolveModel('openai:o3-mini').inputModalities).toEqual(['text']);
    expect(resolveModel('gpt-4o').inputModalities).toEqual(['text', 'image', 'pdf']);
    expect(resolveModel('gpt-4o-audio-preview').inputModalities).toEqual(['text', 'audio']);
    expect(resolveModel('llama3.1:8b').inputModalities).toEqual(['text']);
    expect(resolveModel('gemma-2-9b-it').inputModalities).toEqual(['text']);
    expect(resolveModel('gemma-3-27b-it').inputModalities).toEqual(['text', 'image']);
    expect(buildModelChain({ mode: 'simulated', keys: {}, modelChain: [] })[0]?.inputModalities).toEqual(['text', 'image', 'pdf', 'audio']);
  });
});

describe('the simulated provider', () => {
  it('says in its answer which attachments it was given', async () => {
    const config = configFrom({ MESH_LLM_PROVIDER: 'simulated', MESH_SIM_LATENCY_MS: '0' });
    const client = createLlmClient({ config, redis: kit.redis, keyPrefix: kit.freshPrefix() });
    const response = await client.complete({ system: 'You look.', messages: withFiles({ name: 'chart.png', media_type: 'image/png', data: PNG }, { name: 'report.pdf', media_type: 'application/pdf', data: PDF }) });
    expect(response.text).toContain(`Attachments received: chart.png (image/png, ${PNG.length} bytes), report.pdf (application/pdf, ${PDF.length} bytes).`);
    const plain = await client.complete({ system: 'You help.', messages: [{ role: 'user', content: 'Describe the attached files.' }] });
    expect(plain.text).not.toContain('Attachments received');
  });
});
