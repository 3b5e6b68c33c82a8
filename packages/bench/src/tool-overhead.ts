/**
 * The arithmetic of the tools scenario, kept apart from the processes so it can be checked
 * (tool-overhead.test.ts): what is taken out of a subtask's time, and how a recorded call is
 * matched to the request the service saw.
 */

/** One subtask (the task's only one) as Postgres recorded it; times in epoch ms. */
export interface ToolSubtaskTrace {
  taskId: string;
  created: number;
  completed: number;
  started: number;
  finished: number;
  /** Its model calls (`llm_calls` of purpose subtask), in order. */
  calls: { latency: number }[];
  /** Its tool calls (`tool_calls`), by position. */
  tools: { tool: string; status: string; round: number; started: number; finished: number; durationMs: number }[];
}

/** One request as the example service logged it (`GET /_requests`). */
export interface ServiceRequest {
  operation: string | null;
  status: number;
  /** When the request's headers arrived, epoch ms (fractional). */
  received_at_ms: number;
  /** Arrival → response written: the service's own time. */
  handled_ms: number;
}

/**
 * The service's time for the request a recorded call made: the one request of the same
 * operation that arrived while the call ran, or null when there is not exactly one.
 * Postgres has the worker's timestamps in whole milliseconds (the same machine's clock), hence
 * the millisecond of slack on each side.
 */
export function serviceTimeOf(call: ToolSubtaskTrace['tools'][number], requests: readonly ServiceRequest[]): number | null {
  const operation = call.tool.slice(call.tool.indexOf('.') + 1);
  const match = requests.filter((r) => r.operation === operation && r.received_at_ms >= call.started - 1 && r.received_at_ms <= call.finished + 1);
  return match.length === 1 ? match[0]!.handled_ms : null;
}

export interface ToolSubtaskTimes {
  /** (finished − started) − model calls × L − the longest call's time inside the service, per subtask. */
  net: number[];
  /** The recorded call duration minus the service's own time, per call. */
  httpBeyondService: number[];
  /** Call recorded → dispatched (the `running` row written before the request leaves), per call. */
  recordBefore: number[];
  /** Recorded model latencies − model calls × L, per subtask. */
  modelLayer: number[];
  /** The service's own time, per call. */
  serviceMs: number[];
  /** Task created → completed, per task. */
  endToEnd: number[];
  /** Subtasks left out, and why (they make the run invalid). */
  problems: string[];
}

/**
 * The times of subtasks that each made one round of `k` tool calls (two model calls) or, for
 * k = 0, none (one model call). Concurrent calls: the round cannot be shorter than its longest
 * call inside the service, so that is what is taken out; the rest of the round is overhead.
 */
export function toolSubtaskTimes(traces: readonly ToolSubtaskTrace[], k: number, latencyMs: number, requests: readonly ServiceRequest[]): ToolSubtaskTimes {
  const m: ToolSubtaskTimes = { net: [], httpBeyondService: [], recordBefore: [], modelLayer: [], serviceMs: [], endToEnd: [], problems: [] };
  const modelCalls = k === 0 ? 1 : 2;
  for (const t of traces) {
    if (t.tools.length !== k || t.calls.length !== modelCalls || t.tools.some((c) => c.status !== 'completed' || c.round !== 0)) {
      m.problems.push(
        `task ${t.taskId}: ${t.tools.length} tool call(s) (${t.tools.map((c) => c.status).join(', ') || 'none'}) and ${t.calls.length} model call(s); expected ${k} completed in one round and ${modelCalls}`,
      );
      continue;
    }
    const own = t.tools.map((c) => serviceTimeOf(c, requests));
    if (own.some((v) => v === null)) {
      m.problems.push(`task ${t.taskId}: a tool call matches no single request in the service's log`);
      continue;
    }
    const ownMs = own as number[];
    m.net.push(t.finished - t.started - modelCalls * latencyMs - (ownMs.length > 0 ? Math.max(...ownMs) : 0));
    m.modelLayer.push(t.calls.reduce((a, c) => a + c.latency, 0) - modelCalls * latencyMs);
    m.endToEnd.push(t.completed - t.created);
    t.tools.forEach((c, i) => {
      m.serviceMs.push(ownMs[i]!);
      m.httpBeyondService.push(c.durationMs - ownMs[i]!);
      m.recordBefore.push(c.finished - c.started - c.durationMs);
    });
  }
  return m;
}

/** Overhead per call of subtasks with k calls: (net − the median net of subtasks without tools) / k. */
export function overheadPerCall(withTools: ToolSubtaskTimes, k: number, baselineNetMs: number): number[] {
  return withTools.net.map((net) => (net - baselineNetMs) / k);
}
