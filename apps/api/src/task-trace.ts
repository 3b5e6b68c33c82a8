import { createHash } from 'node:crypto';
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { BAGGAGE, injectTraceContext, withBaggage } from '@mesh/observability';
import type { Task } from '@mesh/core';
import type { ApiDeps } from './api-deps';

const TRACE_ID = /^[0-9a-f]{32}$/;

/** The trace id the task will carry: the active request span's. */
export function currentTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/**
 * Runs the start of a task inside its own trace and returns the W3C carrier for its first jobs,
 * with the task and network ids as baggage (every process puts them on its logs and spans).
 * Submitted with `"process": true`, the request's span is the task's trace. Started later by
 * `/process`, a `task.start` span continues the trace stored on the task and links the request,
 * so the whole run still shows under the task's `trace_id`.
 */
export async function withTaskTrace<T>(
  deps: Pick<ApiDeps, 'tracing'>,
  task: Pick<Task, 'id' | 'network_id' | 'trace_id'>,
  start: (carrier: Record<string, string> | undefined) => Promise<T>,
): Promise<T> {
  const ids = { [BAGGAGE.taskId]: task.id, [BAGGAGE.networkId]: task.network_id };
  const request = trace.getActiveSpan()?.spanContext();
  if (!task.trace_id || !TRACE_ID.test(task.trace_id) || request?.traceId === task.trace_id) {
    return start(injectTraceContext(withBaggage(context.active(), ids)));
  }
  // A parent span id derived from the task, so every later start of it hangs off the same node.
  const spanId = createHash('sha256').update(task.id).digest('hex').slice(0, 16);
  const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: task.trace_id, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  const span = deps.tracing.tracer.startSpan(
    'task.start',
    { kind: SpanKind.INTERNAL, attributes: { 'mesh.task_id': task.id, 'mesh.network_id': task.network_id }, ...(request ? { links: [{ context: request }] } : {}) },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => start(injectTraceContext(withBaggage(context.active(), ids))));
  } finally {
    span.end();
  }
}
