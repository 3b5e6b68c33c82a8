import { SpanKind } from '@opentelemetry/api';
import { ModelOutputError, toolCallNeedsApproval, type ToolCallApprovalPolicy, type ToolCallStatus } from '@mesh/core';
import type { ConversationMessage, MessagePart, ToolCall, ToolDefinition, ToolResultMessage } from '@mesh/llm';
import { inSpan } from '@mesh/observability';
import { runToolCall, toolCallIdempotencyKey, type CatalogTool, type ToolCallJournal, type ToolCallRecord, type ToolDispatcher } from '@mesh/tools';
import { announceApprovalRequested } from '@mesh/tasks';
import type { EngineDeps } from '../engine-deps';
import { AwaitingPerson } from '../errors';
import type { ModelRequest, ModelResponse } from '../model-client';
import type { ToolScope } from './engine-tools';

/** One subtask's model call, with the tools its agent may use. */
export interface ToolLoopInput<T> {
  /** The call as it would be made without tools; the loop owns messages, tools and tool choice. */
  request: Omit<ModelRequest<T>, 'messages' | 'tools' | 'toolChoice'> & { signal: AbortSignal };
  /** The subtask prompt: the conversation's first message (with the subtask's files as parts, when it has any). */
  user: string | MessagePart[];
  tools: readonly CatalogTool[];
  scope: ToolScope & { subtaskId: string };
  /** The subtask's first claim: its journal is empty, so there is nothing to replay (and no query to ask). */
  firstAttempt: boolean;
  /** Which calls wait for a person, and what a request names (absent: none do). */
  people?: PeopleInTheLoop;
}

/** What the loop needs to ask people about a subtask's calls. */
export interface PeopleInTheLoop {
  policy: ToolCallApprovalPolicy;
  subtask: { key: string; agent_type: string };
  task: { network_id: string; callback_url: string | null };
}

/** A call that waits for a person: the loop stops after its round, and the subtask parks. */
interface Parked {
  parked: string;
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
  people: PeopleInTheLoop | undefined;
  /** Rows of calls without side effects still being written: the subtask waits for them before it reports. */
  writes: Promise<void>[];
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
  const messages: ConversationMessage[] = [typeof input.user === 'string' ? { role: 'user', content: input.user } : { role: 'user', content: input.user }];
  if (!tools || input.tools.length === 0) return deps.model.complete<T>({ ...input.request, messages });

  const ctx: LoopContext = {
    deps,
    journal: tools.journalFor(input.scope),
    dispatcher: tools.dispatcherFor(input.scope),
    byName: new Map(input.tools.map((tool) => [tool.name, tool])),
    scope: input.scope,
    signal: input.request.signal,
    resultMaxChars: tools.resultMaxChars,
    people: input.people,
    writes: [],
  };
  const definitions: ToolDefinition[] = input.tools.map((tool) => ({ name: tool.name, description: tool.description, inputSchema: tool.input_schema }));
  const earlier: Promise<void>[] = [];
  const replayed = input.firstAttempt ? { round: 0, position: 0, parked: [] } : await replayRecordedRounds(ctx, messages);
  if (replayed.parked.length > 0) throw new AwaitingPerson(replayed.parked, Promise.resolve());
  let { round, position } = replayed;

  for (;;) {
    // Past the last round the model may still see the tools (providers refuse tool results
    // without them) but must answer.
    const mustAnswer = round >= tools.maxRounds;
    const response = await deps.model.complete<T>({
      ...input.request,
      messages,
      tools: definitions,
      toolChoice: mustAnswer ? 'none' : 'auto',
      annotations: { ...input.request.annotations, turn: round },
    });
    const calls = response.toolCalls ?? [];
    if (calls.length === 0) {
      // Every turn's usage is stored before the subtask reports its result.
      return { ...response, recorded: Promise.all([...earlier, ...ctx.writes, response.recorded]).then(() => undefined) };
    }
    earlier.push(Promise.resolve(response.recorded));
    if (mustAnswer) throw new ModelOutputError(`The model kept calling tools after ${tools.maxRounds} rounds (MESH_TOOL_MAX_ROUNDS)`);
    messages.push({ role: 'assistant', content: response.text, toolCalls: calls });
    // Positions are given in the order the model asked, before any call runs: a retry finds each call where it was.
    const numbered = calls.map((call) => ({ call, position: isRunnable(ctx, call) ? position++ : null }));
    // Positions past every recorded one: the journal holds nothing there, so nothing is looked up.
    const results = await Promise.all(numbered.map(({ call, position: at }) => (at === null ? refusedCall(ctx, call) : runCall(ctx, call, at, round, null, response.text))));
    const parked = results.filter(isParkedCall);
    // The round's other calls have ended and are recorded: the subtask waits, holding nothing.
    if (parked.length > 0) throw new AwaitingPerson(parked.map((p) => p.parked), Promise.all([...earlier, ...ctx.writes]).then(() => undefined));
    messages.push(...(results as ToolResultMessage[]));
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

function isParkedCall(result: ToolResultMessage | Parked): result is Parked {
  return 'parked' in result;
}

/**
 * Runs (or replays) one recorded call and answers the model with its result — unless it must wait
 * for a person: a new call that needs approval (or an ask_human question) is recorded as waiting,
 * with its request, in one transaction; one still waiting stays so.
 */
async function runCall(
  ctx: LoopContext,
  call: Pick<ToolCall, 'id' | 'name' | 'arguments'>,
  position: number,
  round: number,
  recorded: ToolCallRecord | null,
  reason = '',
): Promise<ToolResultMessage | Parked> {
  const { deps, scope } = ctx;
  const tool = ctx.byName.get(call.name)!;
  if (recorded?.status === 'awaiting_approval') return { parked: recorded.id };
  if (!recorded && needsPerson(ctx, tool)) {
    const invalid = ctx.dispatcher.invalidArguments(tool, call.arguments);
    // Nobody is asked about a call that could not run: the model corrects it first.
    if (invalid) return { role: 'tool', toolCallId: call.id, name: call.name, content: `Error: ${invalid}`, isError: true };
    return askPerson(ctx, { call, tool, position, round, reason });
  }
  const span = {
    kind: SpanKind.CLIENT,
    attributes: { 'mesh.tool.name': tool.name, 'mesh.tool.position': position, 'mesh.tool.side_effects': tool.side_effects, 'mesh.task_id': scope.taskId, 'mesh.subtask_id': scope.subtaskId },
  };
  const run = async () => {
    // Sent once the call's request has left.
    publishCall(deps, scope, { id: null, tool: tool.name, status: 'running' }, { afterThisTurn: true });
    const outcome = await runToolCall(
      { journal: ctx.journal, dispatcher: ctx.dispatcher, logger: deps.logger, maxModelChars: ctx.resultMaxChars },
      { subtaskId: scope.subtaskId, position, round, callId: call.id, tool, arguments: call.arguments, signal: ctx.signal, recorded },
    );
    const { record } = outcome;
    if (outcome.stored) ctx.writes.push(outcome.stored);
    deps.metrics?.toolCall(tool.name, outcome.replayed ? 'replayed' : record.status, record.durationMs ?? 0);
    publishCall(deps, scope, { id: record.id, tool: tool.name, status: record.status, replayed: outcome.replayed, durationMs: record.durationMs, error: record.error });
    return { role: 'tool' as const, toolCallId: call.id, name: call.name, content: outcome.content, isError: !outcome.result.ok };
  };
  return deps.tracer ? inSpan(deps.tracer, `tool ${tool.name}`, span, run) : run();
}

function needsPerson(ctx: LoopContext, tool: CatalogTool): boolean {
  if (!ctx.people) return false;
  return tool.binding.kind === 'ask_human' || toolCallNeedsApproval(tool, ctx.people.policy);
}

/** Records the call as waiting and asks a person about it (or, for ask_human, asks the question). */
async function askPerson(
  ctx: LoopContext,
  request: { call: Pick<ToolCall, 'id' | 'name' | 'arguments'>; tool: CatalogTool; position: number; round: number; reason: string },
): Promise<Parked> {
  const { deps, scope } = ctx;
  const people = ctx.people!;
  const { call, tool, position } = request;
  const question = tool.binding.kind === 'ask_human';
  const { approval, created, toolCallId } = await deps.store.approvals.requestToolCall({
    tenantId: scope.tenantId,
    taskId: scope.taskId,
    key: `tool:${scope.subtaskId}:${position}`,
    kind: question ? 'question' : 'tool_call',
    subject: (id) =>
      question
        ? { subtask_key: people.subtask.key, agent_type: people.subtask.agent_type, question: String(call.arguments.question ?? ''), tool_call_id: id }
        : {
            subtask_key: people.subtask.key,
            agent_type: people.subtask.agent_type,
            tool: tool.name,
            description: tool.description,
            side_effects: tool.side_effects,
            input_schema: tool.input_schema,
            arguments: call.arguments,
            reason: request.reason,
            tool_call_id: id,
          },
    call: {
      subtaskId: scope.subtaskId,
      position,
      round: request.round,
      callId: call.id,
      tool: tool.name,
      arguments: call.arguments,
      idempotencyKey: toolCallIdempotencyKey(scope.subtaskId, position),
      sideEffects: tool.side_effects,
      startedAt: new Date(),
    },
  });
  publishCall(deps, scope, { id: toolCallId, tool: tool.name, status: 'awaiting_approval' });
  if (created) await announceApprovalRequested(deps, approval, people.task);
  return { parked: approval.id };
}

/**
 * Puts the journal's calls back into the conversation, round by round, as the model asked for
 * them: finished ones with their recorded results, ones that were in flight run again (with their
 * idempotency keys), approved ones run now. Returns the round and position the loop goes on from,
 * and the calls that still wait for a person (then the subtask parks again).
 */
async function replayRecordedRounds(ctx: LoopContext, messages: ConversationMessage[]): Promise<{ round: number; position: number; parked: string[] }> {
  const records = await ctx.journal.list(ctx.scope.subtaskId);
  if (records.length === 0) return { round: 0, position: 0, parked: [] };
  const parked: string[] = [];
  const rounds = new Map<number, ToolCallRecord[]>();
  for (const record of records) rounds.set(record.round, [...(rounds.get(record.round) ?? []), record]);
  for (const [round, recorded] of [...rounds].sort(([a], [b]) => a - b)) {
    messages.push({ role: 'assistant', content: '', toolCalls: recorded.map((r) => ({ id: r.callId, name: r.tool, arguments: r.arguments })) });
    for (const result of await Promise.all(recorded.map((r) => replayCall(ctx, r, round)))) {
      if (isParkedCall(result)) parked.push(result.parked);
      else messages.push(result);
    }
  }
  return { round: Math.max(...records.map((r) => r.round)) + 1, position: Math.max(...records.map((r) => r.position)) + 1, parked };
}

async function replayCall(ctx: LoopContext, record: ToolCallRecord, round: number): Promise<ToolResultMessage | Parked> {
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
  options: { afterThisTurn?: boolean } = {},
): void {
  deps.events.publishQuietly(
    {
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
    },
    options,
  );
}
