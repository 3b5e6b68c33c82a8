import type { ModelClient, ModelRequest, ModelResponse } from '@mesh/mesh';

/** What a script returns to make the model ask for tool calls this turn (see ScriptedModel.callTools). */
export interface ScriptedToolCalls {
  toolCalls: { name: string; arguments: Record<string, unknown> }[];
}

const TOOL_CALLS = Symbol('tool calls');

function isToolCalls(answer: unknown): answer is ScriptedToolCalls {
  return typeof answer === 'object' && answer !== null && TOOL_CALLS in answer;
}

export interface ScriptedCall {
  schemaName: string | undefined;
  purpose: string | undefined;
  model: string | null | undefined;
  temperature: number | undefined;
  maxTokens: number | undefined;
  system: string;
  user: string;
  taskId: string | undefined;
  subtaskId: string | undefined;
  aborted: boolean;
  /** The tools offered this turn, by name. */
  tools: string[];
  /** The whole conversation as sent (tool calls and results included). */
  messages: ModelRequest<unknown>['messages'];
}

/** What a script returns for a call: the answer object, or an Error to throw. */
export type ScriptFn = (request: ModelRequest<unknown>, call: ScriptedCall) => unknown | Promise<unknown>;

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  const err = new Error(reason instanceof Error ? reason.message : 'aborted');
  err.name = 'AbortError';
  return err;
}

/** Resolves after `ms`, or rejects when the signal fires: a model that takes its time. */
export function waitOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(abortError(signal));
      },
      { once: true },
    );
  });
}

/**
 * A model for engine tests: a script decides every answer; each call is recorded; answers are
 * validated against the request's schema exactly as the real client does.
 */
export class ScriptedModel implements ModelClient {
  readonly calls: ScriptedCall[] = [];
  private toolCallIds = 0;

  constructor(private readonly script: ScriptFn) {}

  /** A script's answer that asks for these tool calls instead of answering. */
  static callTools(...toolCalls: ScriptedToolCalls['toolCalls']): ScriptedToolCalls {
    return Object.assign({ toolCalls }, { [TOOL_CALLS]: true });
  }

  async complete<T = unknown>(request: ModelRequest<T>): Promise<ModelResponse<T>> {
    const call: ScriptedCall = {
      schemaName: request.schema?.name,
      purpose: request.purpose,
      model: request.model,
      temperature: request.temperature,
      maxTokens: request.maxTokens,
      system: request.system,
      // Parts messages (attachments) count with their text parts.
      user: request.messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : '')).join(''))).join('\n'),
      taskId: request.context?.taskId,
      subtaskId: request.context?.subtaskId,
      aborted: false,
      tools: (request.tools ?? []).map((t) => t.name),
      messages: structuredClone(request.messages),
    };
    this.calls.push(call);
    request.signal?.addEventListener('abort', () => (call.aborted = true), { once: true });
    if (request.signal?.aborted) throw abortError(request.signal);
    const answer = await this.script(request as ModelRequest<unknown>, call);
    if (request.signal?.aborted) throw abortError(request.signal);
    if (answer instanceof Error) throw answer;
    if (isToolCalls(answer)) {
      const toolCalls = answer.toolCalls.map((c) => ({ id: `call_${++this.toolCallIds}`, name: c.name, arguments: c.arguments }));
      return { text: '', toolCalls, stopReason: 'tool_calls', usage: { inputTokens: 1, outputTokens: 1 }, costUsd: 0, provider: 'scripted', model: 'scripted-1', simulated: false, attempts: [] };
    }
    const object = request.schema ? request.schema.zod.parse(answer) : undefined;
    const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
    return {
      text,
      ...(object !== undefined ? { object } : {}),
      usage: { inputTokens: Math.ceil((request.system.length + call.user.length) / 4), outputTokens: Math.ceil(text.length / 4) },
      costUsd: 0,
      provider: 'scripted',
      model: 'scripted-1',
      simulated: false,
      attempts: [],
    };
  }

  callsFor(schemaName: string): ScriptedCall[] {
    return this.calls.filter((c) => c.schemaName === schemaName);
  }
}
