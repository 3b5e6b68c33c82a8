import { SpanKind, type Tracer } from '@opentelemetry/api';
import { BAGGAGE, baggageValue, extractTraceContext, injectTraceContext, inSpan, type Logger } from '@mesh/observability';

export interface JobInfo {
  queue: string;
  name: string;
  id: string | undefined;
  attemptsMade: number;
  /** The parsed payload: ids and the W3C carrier of whoever enqueued it. */
  data: { tenantId?: string; taskId?: string; trace?: Record<string, string> | undefined };
  agentType?: string;
}

export interface JobScope {
  /** The carrier of this job's span: jobs enqueued while handling it become its children. */
  trace: Record<string, string> | undefined;
  /** The process logger with the job's task, network and agent type (its lines also get the trace id). */
  logger: Logger;
}

/**
 * Runs a job handler inside a consumer span that continues the trace the job carries (the HTTP
 * request that started the task, through every coordinator and subtask job), so one trace
 * follows a task across processes. The task and network ids travel as W3C baggage with it.
 */
export function runInJobSpan<T>(tracer: Tracer, logger: Logger, job: JobInfo, handle: (scope: JobScope) => Promise<T>): Promise<T> {
  const parent = extractTraceContext(job.data.trace);
  const networkId = baggageValue(parent, BAGGAGE.networkId);
  const attributes = {
    'messaging.system': 'bullmq',
    'messaging.operation.type': 'process',
    'messaging.destination.name': job.queue,
    ...(job.id ? { 'messaging.message.id': job.id } : {}),
    'mesh.job.name': job.name,
    'mesh.job.attempt': job.attemptsMade + 1,
    ...(job.data.taskId ? { 'mesh.task_id': job.data.taskId } : {}),
    ...(networkId ? { 'mesh.network_id': networkId } : {}),
    ...(job.agentType ? { 'mesh.agent_type': job.agentType } : {}),
  };
  return inSpan(tracer, `${job.queue} ${job.name}`, { kind: SpanKind.CONSUMER, attributes, parent }, () =>
    handle({
      trace: injectTraceContext(),
      logger: logger.child({
        ...(job.data.taskId ? { task_id: job.data.taskId } : {}),
        ...(networkId ? { network_id: networkId } : {}),
        ...(job.agentType ? { agent_type: job.agentType } : {}),
        job: job.name,
        job_id: job.id,
      }),
    }),
  );
}
