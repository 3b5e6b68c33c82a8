import { createHash } from 'node:crypto';
import type { JsonSchema } from './structured-output';

// The provider-neutral conversation a model call carries. Each provider adapter translates the
// whole conversation to its own wire format on every call, so a conversation started on one
// provider can be continued by the next model of the chain.

/** A tool the model may call. Names may contain dots (`analytics.getCampaignStats`): see wireToolName. */
export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments; must describe an object (`type: 'object'`), as every provider requires. */
  inputSchema: JsonSchema;
}

export interface ToolCall {
  /** Unique within the conversation; the tool result quotes it. Derived deterministically when the provider gives none (Gemini). */
  id: string;
  /** The tool's own name, decoded from the wire form. */
  name: string;
  arguments: Record<string, unknown>;
  /**
   * Set when the provider's arguments were not a JSON object (OpenAI sends them as a string the
   * model may have botched): the raw text, with `arguments` then `{}`. Answer such a call with an
   * error result (isError) instead of running the tool, so the model can correct itself.
   */
  malformedArguments?: string;
  /**
   * Gemini's opaque signature of the reasoning behind this call. Sent back with the call on later
   * turns: Gemini 3 rejects function calls in the history without one. Other providers ignore it.
   */
  thoughtSignature?: string;
}

/** A plain text turn (what every caller sent before tools existed). */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface TextPart {
  type: 'text';
  text: string;
}

/**
 * A file sent to the model with the turn (an image, a PDF, audio): each provider sends the
 * bytes in its own native form. `name` is the task's attachment name; wire formats that have a
 * name field (Anthropic document title, OpenAI file name) carry it.
 */
export interface AttachmentPart {
  type: 'attachment';
  name: string;
  media_type: string;
  data: Buffer;
}

export type MessagePart = TextPart | AttachmentPart;

/** A user turn with attachments: text and files in the order the model should read them. */
export interface PartsMessage {
  role: 'user';
  content: MessagePart[];
}

/** The model's turn that asked for tools: `content` is any text it said alongside ('' when none). */
export interface ToolCallsMessage {
  role: 'assistant';
  content: string;
  toolCalls: ToolCall[];
}

/** The result of one tool call, sent back to the model. */
export interface ToolResultMessage {
  role: 'tool';
  toolCallId: string;
  /** The tool's own name (Gemini matches results by name). */
  name: string;
  content: string;
  /** The tool failed (or was not run); `content` says why. */
  isError?: boolean;
}

/**
 * Keep offering the tools on every turn of a conversation that used them (Anthropic rejects tool
 * blocks without tool definitions); `toolChoice: 'none'` asks for the final answer.
 */
export type ConversationMessage = ChatMessage | PartsMessage | ToolCallsMessage | ToolResultMessage;

export type ToolChoice = 'auto' | 'none';

/** 'max_tokens': the answer was cut off at the token limit (tool calls in it may be incomplete). */
export type StopReason = 'end' | 'tool_calls' | 'max_tokens';

export function toolCallsOf(message: ConversationMessage): ToolCall[] {
  return 'toolCalls' in message ? message.toolCalls : [];
}

/** The text of a message; a parts message's text parts joined (its attachments have none). */
export function messageText(message: ConversationMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Every attachment of a conversation, in order. */
export function attachmentsOf(messages: readonly ConversationMessage[]): AttachmentPart[] {
  return messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.filter((p): p is AttachmentPart => p.type === 'attachment')));
}

/**
 * The conversation with each parts message flattened to text, each attachment named by a line
 * (name, type, size): what is recorded with a call (the calls view shows text turns) and hashed
 * for the simulated seed, never the bytes.
 */
export function withoutAttachmentBytes(messages: readonly ConversationMessage[]): ConversationMessage[] {
  return messages.map((m): ConversationMessage => {
    if (typeof m.content === 'string') return m;
    const text = m.content.map((p) => (p.type === 'text' ? p.text : `[attachment "${p.name}" (${p.media_type}, ${p.data.length} bytes)]`)).join('\n\n');
    return { role: 'user', content: text };
  });
}

/** All text of a conversation, tool arguments included: what token estimates are made from. */
export function conversationText(messages: readonly ConversationMessage[]): string {
  return messages.map((m) => messageText(m) + toolCallsOf(m).map((c) => `${c.name}${JSON.stringify(c.arguments)}`).join('')).join('');
}

const WIRE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const WIRE_NAME_MAX = 64;

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * The name a provider accepts (`^[a-zA-Z0-9_-]{1,64}$` for OpenAI, Anthropic and Gemini alike):
 * `.` becomes `__`, any other character outside the set `_`, and a name still too long keeps a
 * readable prefix plus a hash of the whole name. Answers are decoded with toolNameDecoder, which
 * knows the names that were sent, so the mapping only has to be unique among them (checked by
 * assertValidTools).
 */
export function wireToolName(name: string): string {
  if (WIRE_NAME.test(name)) return name;
  const encoded = name.replace(/\./g, '__').replace(/[^a-zA-Z0-9_-]/g, '_');
  if (encoded.length > 0 && encoded.length <= WIRE_NAME_MAX) return encoded;
  return `${encoded.slice(0, WIRE_NAME_MAX - 9)}_${shortHash(name, 8)}`;
}

/** Maps a wire name from an answer back to the caller's name; a name the model made up comes back as sent. */
export function toolNameDecoder(tools: readonly ToolDefinition[] = [], messages: readonly ConversationMessage[] = []): (wireName: string) => string {
  const byWire = new Map<string, string>();
  for (const message of messages) for (const call of toolCallsOf(message)) byWire.set(wireToolName(call.name), call.name);
  for (const tool of tools) byWire.set(wireToolName(tool.name), tool.name);
  return (wireName) => byWire.get(wireName) ?? wireName;
}

/** Throws when tools could not be told apart on the wire or a schema is not an object schema. */
export function assertValidTools(tools: readonly ToolDefinition[]): void {
  const byWire = new Map<string, string>();
  for (const tool of tools) {
    if (!tool.name) throw new Error('a tool needs a name');
    if (tool.inputSchema?.['type'] !== 'object') throw new Error(`tool ${tool.name}: inputSchema must be a JSON Schema with type "object"`);
    const wire = wireToolName(tool.name);
    const clash = byWire.get(wire);
    if (clash !== undefined) {
      throw new Error(clash === tool.name ? `tool ${tool.name} is offered twice` : `tools ${clash} and ${tool.name} have the same wire name ${wire}: rename one`);
    }
    byWire.set(wire, tool.name);
  }
}

/**
 * An id for a tool call the provider gave none: the same call at the same place of a
 * conversation always gets the same id (a retried or replayed turn matches its results), and
 * calls of different turns or positions differ.
 */
export function derivedToolCallId(messages: readonly ConversationMessage[], index: number, name: string, args: unknown): string {
  const turn = messages.filter((m) => m.role === 'assistant').length;
  return `call_${shortHash(JSON.stringify([turn, index, name, args]), 24)}`;
}

/** Arguments as the neutral form holds them: a JSON object, or `{}` plus the raw text when they are not one. */
export function toolArguments(raw: unknown): Pick<ToolCall, 'arguments' | 'malformedArguments'> {
  let value = raw;
  if (typeof raw === 'string') {
    // Models send "" for a tool without parameters.
    if (!raw.trim()) return { arguments: {} };
    try {
      value = JSON.parse(raw);
    } catch {
      return { arguments: {}, malformedArguments: raw };
    }
  }
  if (value === undefined || value === null) return { arguments: {} };
  if (typeof value === 'object' && !Array.isArray(value)) return { arguments: value as Record<string, unknown> };
  return { arguments: {}, malformedArguments: typeof raw === 'string' ? raw : JSON.stringify(raw) };
}
