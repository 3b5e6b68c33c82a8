import { randomUUID } from 'node:crypto';
import { afterThisTurn, describeError, type ToolResult } from '@mesh/core';
import type { Logger } from '@mesh/observability';
import { ToolCallConflictError } from './errors';
import type { NewToolCallRecord, ToolCallJournal, ToolCallRecord } from './tool-call-journal';
import type { ToolDispatcher } from './tool-dispatcher';
import { errorResult, type CatalogTool } from './tool-executor';
import { toolCallIdempotencyKey } from './tool-call-idempotency-key';
import { frameToolOutput } from './tool-output';

/** JSON with object keys sorted: two argument objects are the same call when these match (a JSONB round trip reorders keys). */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}

export interface RunToolCallDeps {
  journal: ToolCallJournal;
  dispatcher: ToolDispatcher;
  logger?: Logger;
  now?: () => Date;
  /** Characters of a result the model sees (see frameToolOutput). */
  maxModelChars?: number;
}

export interface ToolCallRequest {
  subtaskId: string;
  position: number;
  /** See NewToolCallRecord. */
  round: number;
  callId: string;
  tool: CatalogTool;
  arguments: Record<string, unknown>;
  /** The subtask's stop signal: when it fires the call stays `running`, to be resumed by the retry. */
  signal?: AbortSignal;
  /**
   * What the caller already knows the journal holds at this position: the record, or null when it
   * holds none (a position past every recorded one). Undefined: looked up here.
   */
  recorded?: ToolCallRecord | null;
  timeoutMs?: number;
}

export interface ToolCallOutcome {
  record: ToolCallRecord;
  result: ToolResult;
  /** The result framed as data for the model. */
  content: string;
  /** True when the result came from the journal and nothing ran. */
  replayed: boolean;
  /**
   * A call without side effects is recorded once it has ended, without waiting: this settles when
   * its row is written (the subtask waits for it before it reports its result).
   */
  stored?: Promise<void>;
}

/**
 * Runs a tool call so that its effect happens once, however often the subtask is retried:
 * - already `completed` or `failed` in the journal: its recorded result is returned, nothing runs;
 * - recorded `running` (the worker died during the call): it runs again with the same
 *   idempotency key, flagged as resumed (a side-effecting service de-duplicates on the key;
 *   send_email checks its own ledger);
 * - recorded `approved` (a person said yes, perhaps with edited arguments, which the caller
 *   passes): it starts now; `rejected` is replayed like a failure;
 * - not recorded: recorded `running` first, then run, then recorded with its outcome — unless the
 *   tool has no side effects: then it runs at once and is recorded once, when it has ended (a
 *   retry that finds no row runs it again, which changes nothing in the world).
 * A recorded call at the same position with another tool or other arguments is a conflict.
 */
export async function runToolCall(deps: RunToolCallDeps, call: ToolCallRequest): Promise<ToolCallOutcome> {
  const now = deps.now ?? (() => new Date());
  const frame = (result: ToolResult) => frameToolOutput(call.tool.name, result, deps.maxModelChars !== undefined ? { maxChars: deps.maxModelChars } : {});
  const log = deps.logger?.child({ subtaskId: call.subtaskId, tool: call.tool.name, position: call.position });
  let record = call.recorded !== undefined ? call.recorded : await deps.journal.find(call.subtaskId, call.position);
  if (record && (record.tool !== call.tool.name || canonicalJson(record.arguments) !== canonicalJson(call.arguments))) {
    throw new ToolCallConflictError(`tool call ${call.position} of subtask ${call.subtaskId} was recorded as another call (${record.tool})`, {
      recorded_tool: record.tool,
      requested_tool: call.tool.name,
    });
  }
  if (record?.status === 'awaiting_approval') {
    throw new ToolCallConflictError(`tool call ${call.position} of subtask ${call.subtaskId} is still waiting for a person`, { requested_tool: call.tool.name });
  }
  if (record?.status === 'approved') {
    // Started here, or by a duplicate delivery that got there first (then it is running: resumed).
    const started = await deps.journal.start(record.id);
    const current = started ?? (await deps.journal.find(call.subtaskId, call.position));
    if (current?.status !== 'running') throw new ToolCallConflictError(`tool call ${call.position} of subtask ${call.subtaskId} is ${current?.status ?? 'gone'}, not approved`, { requested_tool: call.tool.name });
    return execute(deps, call, current, started === null, frame, log);
  }
  if (record && record.status !== 'running') {
    log?.debug('tool call replayed', { status: record.status });
    const result = record.result ?? errorResult(record.error ?? 'the call was recorded without a result');
    return { record, result, content: frame(result), replayed: true };
  }
  if (!record && !call.tool.side_effects) return executeReadOnly(deps, call, frame, log);
  const resumed = record !== null;
  record ??= await deps.journal.begin(newRecord(call, now()));
  if (resumed) log?.warn('tool call resumed after an interrupted attempt', { sideEffects: record.sideEffects });
  return execute(deps, call, record, resumed, frame, log);
}

/** The record of a call as it starts: where it is in its subtask, what it asks, its idempotency key. */
function newRecord(call: ToolCallRequest, startedAt: Date): NewToolCallRecord {
  return {
    subtaskId: call.subtaskId,
    position: call.position,
    round: call.round,
    callId: call.callId,
    tool: call.tool.name,
    arguments: call.arguments,
    idempotencyKey: toolCallIdempotencyKey(call.subtaskId, call.position),
    sideEffects: call.tool.side_effects,
    startedAt,
  };
}

/** Runs a call without side effects, then records it (one write, not waited for here). */
async function executeReadOnly(deps: RunToolCallDeps, call: ToolCallRequest, frame: (result: ToolResult) => string, log: Logger | undefined): Promise<ToolCallOutcome> {
  const now = deps.now ?? (() => new Date());
  const started = newRecord(call, now());
  const result = await dispatch(deps, call, started.idempotencyKey, false);
  const finishedAt = now();
  const startedAt = started.startedAt;
  const record: ToolCallRecord = {
    ...started,
    id: randomUUID(),
    status: result.ok ? 'completed' : 'failed',
    result,
    error: result.ok ? null : (result.error ?? 'the call failed'),
    finishedAt,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
  };
  // Written once the loop has moved on: the next model turn starts before the row is serialised.
  const stored = afterThisTurn()
    .then(() => deps.journal.record(record))
    .catch((err: unknown) => log?.warn('could not record a tool call without side effects', { error: describeError(err) }));
  log?.info('tool call finished', { status: record.status, durationMs: record.durationMs });
  return { record, result, content: frame(result), replayed: false, stored };
}

/** The dispatcher's answer to the call; a call stopped from outside throws instead (its record, if any, stays as it was). */
async function dispatch(deps: RunToolCallDeps, call: ToolCallRequest, idempotencyKey: string, resumed: boolean): Promise<ToolResult> {
  const result = await deps.dispatcher.execute({
    tool: call.tool,
    arguments: call.arguments,
    idempotencyKey,
    resumed,
    ...(call.signal ? { signal: call.signal } : {}),
    ...(call.timeoutMs !== undefined ? { timeoutMs: call.timeoutMs } : {}),
  });
  if (call.signal?.aborted) {
    // Stopped from outside, not the tool's outcome: a running record stays running, so a retry repeats the call with its key.
    throw call.signal.reason instanceof Error ? call.signal.reason : new Error(`tool call stopped: ${describeError(call.signal.reason)}`);
  }
  return result;
}

/** Runs a call recorded as running and records how it ended. */
async function execute(
  deps: RunToolCallDeps,
  call: ToolCallRequest,
  record: ToolCallRecord,
  resumed: boolean,
  frame: (result: ToolResult) => string,
  log: Logger | undefined,
): Promise<ToolCallOutcome> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const result = await dispatch(deps, call, record.idempotencyKey, resumed);
  const durationMs = now().getTime() - startedAt.getTime();
  const finished = await deps.journal.finish(record.id, { status: result.ok ? 'completed' : 'failed', result, error: result.ok ? null : (result.error ?? 'the call failed'), finishedAt: now(), durationMs });
  log?.info('tool call finished', { status: finished.status, durationMs, resumed });
  return { record: finished, result, content: frame(result), replayed: false };
}
