import { SpanKind } from '@opentelemetry/api';
import { ModelOutputError, type ToolCallStatus } from '@mesh/core';
import type { ConversationMessage, ToolCall, ToolDefinition, ToolResultMessage } from '@mesh/llm';
import { inSpan } from '@mesh/observability';
import { runToolCall, type CatalogTool, type ToolCallJournal, type ToolCallRecord, type ToolDispatcher } from '@mesh/tools';
import type { EngineDeps } from '../engine-deps';
import type { ModelRequest, ModelResponse } from '../model-client';
import type { ToolScope } from './engine-tools';

/** One subtask's model call, with the tools its agent may use. */
export interface ToolLoopInput<T> {
  /** The call as it would be made without tools; the loop owns messages, tools and tool choice. */
  request: Omit<ModelRequest<T>, 'messages' | 'tools' | 'toolChoice'> & { signal: AbortSignal };
  /** The subtask prompt: the conversation's first message. */
  user: string;
  tools: readonly CatalogTool[];
  scope: ToolScope & { subtaskId: string };
  /** The subtask's first claim: its journal is empty, so there is nothing to replay (and no query to ask). */
  firstAttempt: boolean;
}

/** What one loop has in hand while it runs: where calls are recorded, how they run, what they may name. */
interface LoopContext {
  deps: EngineDeps;
  journal: ToolCallJournal;
  dispatcher: ToolDispatcher;
  byName: Map<string, CatalogTool>;
  scope: ToolLoopInput<unknown>['scope'];
  signal: AbortSignal;
  resultMaxChars: number;
}

/**
 * The subtask's conversation with its model, tools included: the model answers, or asks for tool
 * calls; the calls of one turn run concurrently, each recorded before it runs and when it ends
 * (see runToolCall), and their results go back as data; then the model is asked again. At most
 * MESH_TOOL_MAX_ROUNDS rounds, then it must answer. A retried subtask first replays what its
 * journal holds: finished calls give their recorded results, a call that was in flight is
 * repeated with its idempotency key, so no effect happens twice.
 *
 * The conversation is provider-neutral: each model of the fallback chain gets it in its own wire
 * format, so a fallback in the middle of a loop continues the same conversation.
 */
export async function runToolLoop<T>(deps: EngineDeps, input: ToolLoopInput<T>): Promise<ModelResponse<T>> {
  const tools = deps.tools;
  const messages: ConversationMessage[] = [{ role: 'user', content: input.user }];
  if (!tools || input.tools.length === 0) return deps.model.complete<T>({ ...input.request, messages });

  const ctx: LoopContext = {
    deps,
    journal: tools.journalFor(input.scope),
    dispatcher: tools.dispatcherFor(input.scope),
    byName: new Map(input.tools.map((tool) => [tool.name, tool])),
    scope: input.scope,
    signal: input.request.signal,
    resultMaxChars: tools.resultMaxChars,
  };
  const definitions: ToolDefinition[] = input.tools.map((tool) => ({ name: tool.name, description: tool.description, inputSchema: tool.input_schema }));
  const earlier: Promise<void>[] = [];
  let { round, position } = input.firstAttempt ? { round: 0, position: 0 } : await replayRecordedRounds(ctx, messages);

  for (;;) {
    // Past the last round the model may still see the tools (providers refuse tool results
    // without them) but must answer.
    const mustAnswer = round >= tools.maxRounds;
    const response = await deps.model.complete<T>({ ...input.request, messages, tools: definitions, toolChoice: mustAnswer ? 'none' : 'auto' });
    const calls = response.toolCalls ?? [];
    if (calls.length === 0) {
      // Every turn's usage is stored before the subtask reports its result.
      return { ...response, recorded: Promise.all([...earlier, response.recorded]).then(() => undefined) };
    }
    earlier.push(Promise.resolve(response.recorded));
    if (mustAnswer) throw new ModelOutputError(`The model kept calling tools after ${tools.maxRounds} rounds (MESH_TOOL_MAX_ROUNDS)`);
    messages.push({ role: 'assistant', content: response.text, toolCalls: calls });
    // Positions are given in the order the model asked, before any call runs: a retry finds each call where it was.
    const numbered = calls.map((call) => ({ call, position: isRunnable(ctx, call) ? position++ : null }));
    // Positions past every recorded one: the journal holds nothing there, so nothing is looked up.
    const results = await Promise.all(numbered.map(({ call, position: at }) => (at === null ? refusedCall(ctx, call) : runCall(ctx, call, at, round, null))));
    messages.push(...results);
    round += 1;
  }
}

/** A call the loop can run: a tool the agent may use, with arguments that are a JSON object. */
function isRunnable(ctx: LoopContext, call: ToolCall): boolean {
  return ctx.byName.has(call.name) && call.malformedArguments === undefined;
}

/** The model's own mistake, answered without running anything (nothing to record: no effect can follow). */
function refusedCall(ctx: LoopContext, call: ToolCall): ToolResultMessage {
  const why =
    call.malformedArguments !== undefined
      ? 'the arguments were not a JSON object; call the tool again with valid JSON arguments'
      : `there is no tool named ${call.name}; the tools you may call are: ${[...ctx.byName.keys()].join(', ')}`;
  return { role: 'tool', toolCallId: call.id, name: call.name, content: `Error: ${why}`, isError: true };
}

/** Runs (or replays) one recorded call and answers the model with its result. */
async function runCall(
  ctx: LoopContext,
  call: Pick<ToolCall, 'id' | 'name' | 'arguments'>,
  position: number,
  round: number,
  recorded: ToolCallRecord | null,
): Promise<ToolResultMessage> {
  const { deps, scope } = ctx;
  const tool = ctx.byName.get(call.name)!;
  const span = {
    kind: SpanKind.CLIENT,
    attributes: { 'mesh.tool.name': tool.name, 'mesh.tool.position': position, 'mesh.tool.side_effects': tool.side_effects, 'mesh.task_id': scope.taskId, 'mesh.subtask_id': scope.subtaskId },
  };
  const run = async () => {
    publishCall(deps, scope, { id: null, tool: tool.name, status: 'running' });
    const outcome = await runToolCall(
      { journal: ctx.journal, dispatcher: ctx.dispatcher, logger: deps.logger, maxModelChars: ctx.resultMaxChars },
      { subtaskId: scope.subtaskId, position, round, callId: call.id, tool, arguments: call.arguments, signal: ctx.signal, recorded },
    );
    const { record } = outcome;
    deps.metrics?.toolCall(tool.name, outcome.replayed ? 'replayed' : record.status, record.durationMs ?? 0);
    publishCall(deps, scope, { id: record.id, tool: tool.name, status: record.status, replayed: outcome.replayed, durationMs: record.durationMs, error: record.error });
    return { role: 'tool' as const, toolCallId: call.id, name: call.name, content: outcome.content, isError: !outcome.result.ok };
  };
  return deps.tracer ? inSpan(deps.tracer, `tool ${tool.name}`, span, run) : run();
}

/**
 * Puts the journal's calls back into the conversation, round by round, as the model asked for
 * them: finished ones with their recorded results, ones that were in flight run again (with their
 * idempotency keys). Returns the round and position the loop goes on from.
 */
async function replayRecordedRounds(ctx: LoopContext, messages: ConversationMessage[]): Promise<{ round: number; position: number }> {
  const records = await ctx.journal.list(ctx.scope.subtaskId);
  if (records.length === 0) return { round: 0, position: 0 };
  const rounds = new Map<number, ToolCallRecord[]>();
  for (const record of records) rounds.set(record.round, [...(rounds.get(record.round) ?? []), record]);
  for (const [round, recorded] of [...rounds].sort(([a], [b]) => a - b)) {
    messages.push({ role: 'assistant', content: '', toolCalls: recorded.map((r) => ({ id: r.callId, name: r.tool, arguments: r.arguments })) });
    messages.push(...(await Promise.all(recorded.map((r) => replayCall(ctx, r, round)))));
  }
  return { round: Math.max(...records.map((r) => r.round)) + 1, position: Math.max(...records.map((r) => r.position)) + 1 };
}

async function replayCall(ctx: LoopContext, record: ToolCallRecord, round: number): Promise<ToolResultMessage> {
  const call = { id: record.callId, name: record.tool, arguments: record.arguments };
  if (ctx.byName.has(record.tool)) return runCall(ctx, call, record.position, round, record);
  // The tool was unregistered (or taken from the agent) since the call was recorded.
  const error = `the tool ${record.tool} is no longer available to this agent`;
  if (record.status === 'running') {
    await ctx.journal.finish(record.id, { status: 'failed', result: { ok: false, content: error, error }, error, finishedAt: new Date(), durationMs: 0 });
  }
  return { role: 'tool', toolCallId: record.callId, name: record.tool, content: `Error: ${error}`, isError: true };
}

function publishCall(
  deps: EngineDeps,
  scope: ToolLoopInput<unknown>['scope'],
  call: { id: string | null; tool: string; status: ToolCallStatus; replayed?: boolean; durationMs?: number | null; error?: string | null },
): void {
  deps.events.publishQuietly({
    type: 'tool.call',
    task_id: scope.taskId,
    subtask_id: scope.subtaskId,
    tool_call_id: call.id ?? '',
    tool: call.tool,
    status: call.status,
    ...(call.replayed !== undefined ? { replayed: call.replayed } : {}),
    ...(call.durationMs !== undefined ? { duration_ms: call.durationMs } : {}),
    ...(call.error !== undefined ? { error: call.error } : {}),
    at: new Date().toISOString(),
  });
}
