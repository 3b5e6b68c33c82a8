import { abortableSleep } from '../abortable-sleep';
import { attachmentsOf, conversationText, derivedToolCallId, messageText, toolArguments, type ToolCall } from '../conversation';
import { sampleJsonSchema } from '../simulated/json-schema-sampler';
import { seededRandom } from '../simulated/seeded-random';
import { taskKeywords } from '../simulated/task-keywords';
import type { ModelProvider, ProviderAnswer, ProviderCall } from './model-provider';

/**
 * Domain answers for the simulated provider, keyed by schema name (the engine registers its own).
 * Tool turns reach it as messages too: tool results with role 'tool'.
 */
export type SimulatedResponder = (req: {
  system: string;
  messages: { role: string; content: string }[];
  /** The attachments the conversation carries: their names and types only (the simulation never reads the bytes). */
  attachments: SimulatedAttachment[];
  schemaName: string;
  jsonSchema: unknown;
  seed: number;
}) => unknown;

export interface SimulatedAttachment {
  name: string;
  media_type: string;
  size_bytes: number;
}

/** "Attachments received: a.png (image/png, 120 bytes)." or '' without any. */
export function attachmentsNote(attachments: readonly SimulatedAttachment[]): string {
  if (attachments.length === 0) return '';
  return `Attachments received: ${attachments.map((a) => `${a.name} (${a.media_type}, ${a.size_bytes} bytes)`).join(', ')}.`;
}

export interface SimulatedProviderOptions {
  latencyMs: number;
  responders?: Record<string, SimulatedResponder>;
}

const SENTENCES = [
  'The work breaks down into clear steps with an owner and a measurable outcome for each.',
  'The main risk is scope creep, so the first iteration stays deliberately small.',
  'Existing context and shared memory were taken into account before drafting this.',
  'A short review with the requester is the recommended next step.',
  'Success is measured by engagement, conversion and the quality of feedback received.',
];

/** Tool use stays small and readable: at most this many calls, one per offered tool. */
const MAX_SIMULATED_TOOL_CALLS = 3;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Offline and deterministic: the same request gets the same answer (seeded from a hash of the
 * request). Structured answers come from a registered responder or are generated from the JSON
 * schema, with strings that mention the task's words; plain text starts with "[simulated]".
 * Offered tools are called once each (up to three, arguments sampled from their schemas) until
 * the conversation holds a tool result; then it answers as without tools.
 */
export class SimulatedProvider implements ModelProvider {
  readonly name = 'simulated' as const;

  constructor(private readonly options: SimulatedProviderOptions) {}

  async call(call: ProviderCall): Promise<ProviderAnswer> {
    await abortableSleep(this.options.latencyMs, call.signal);
    const lastUserMessage = [...call.messages].reverse().find((m) => m.role === 'user');
    const lastUser = lastUserMessage ? messageText(lastUserMessage) : '';
    const attachments = attachmentsOf(call.messages).map((a) => ({ name: a.name, media_type: a.media_type, size_bytes: a.data.length }));
    const keywords = taskKeywords(lastUser);
    const rng = seededRandom(call.seed);
    const input = call.system + conversationText(call.messages);
    const tools = call.toolChoice === 'none' ? [] : (call.tools ?? []);
    if (tools.length > 0 && !call.messages.some((m) => m.role === 'tool')) {
      const toolCalls: ToolCall[] = tools.slice(0, MAX_SIMULATED_TOOL_CALLS).map((tool, index) => {
        const { arguments: args } = toolArguments(sampleJsonSchema(tool.inputSchema, { rng, keywords }));
        return { id: derivedToolCallId(call.messages, index, tool.name, args), name: tool.name, arguments: args };
      });
      const text = `[simulated] Calling ${toolCalls.map((c) => c.name).join(', ')}.`;
      return { text, toolCalls, usage: { inputTokens: estimateTokens(input), outputTokens: estimateTokens(text + JSON.stringify(toolCalls)) } };
    }
    let text: string;
    if (call.schema) {
      const responder = this.options.responders?.[call.schemaName ?? call.schema.name];
      const value = responder
        ? responder({
            system: call.system,
            messages: call.messages.map((m) => ({ role: m.role, content: messageText(m) })),
            attachments,
            schemaName: call.schemaName ?? call.schema.name,
            jsonSchema: call.schema.sourceJsonSchema,
            seed: call.seed,
          })
        : sampleJsonSchema(call.schema.sourceJsonSchema, { rng, keywords });
      text = typeof value === 'string' ? value : JSON.stringify(value);
    } else {
      const topic = keywords.slice(0, 6).join(', ') || 'the request';
      const first = Math.floor(rng() * SENTENCES.length);
      const note = attachmentsNote(attachments);
      text = `[simulated] This answer addresses ${topic}. ${SENTENCES[first]} ${SENTENCES[(first + 1) % SENTENCES.length]}${note ? ` ${note}` : ''}`;
    }
    return { text, usage: { inputTokens: estimateTokens(input), outputTokens: estimateTokens(text) } };
  }
}
