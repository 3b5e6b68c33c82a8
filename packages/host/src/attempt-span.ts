import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';

/** The fields of an attempt record (from @mesh/llm's onAttempt hook) that an attempt span shows. */
export interface AttemptSpanRecord {
  provider: string;
  model: string;
  chainPosition: number;
  attempt: number;
  kind: string;
  startedAt: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  outcome: string;
  errorClass?: string;
  httpStatus?: number;
  rateLimitWaitMs?: number;
}

/**
 * One span per provider attempt (retries, repairs, fallbacks), timed from the record and parented
 * to the active call span: the HTTP requests a model call really made.
 */
export function recordAttemptSpan(tracer: Tracer, a: AttemptSpanRecord): void {
  const startMs = Date.parse(a.startedAt);
  const span = tracer.startSpan(`llm attempt ${a.provider}:${a.model}`, {
    kind: SpanKind.CLIENT,
    startTime: startMs,
    attributes: {
      'gen_ai.provider.name': a.provider,
      'gen_ai.request.model': a.model,
      'gen_ai.usage.input_tokens': a.inputTokens,
      'gen_ai.usage.output_tokens': a.outputTokens,
      'mesh.llm.chain_position': a.chainPosition,
      'mesh.llm.attempt': a.attempt,
      'mesh.llm.attempt_kind': a.kind,
      'mesh.llm.outcome': a.outcome,
      ...(a.errorClass ? { 'error.type': a.errorClass } : {}),
      ...(a.httpStatus !== undefined ? { 'http.response.status_code': a.httpStatus } : {}),
      ...(a.rateLimitWaitMs ? { 'mesh.llm.rate_limit_wait_ms': a.rateLimitWaitMs } : {}),
    },
  });
  if (a.outcome !== 'success') span.setStatus({ code: SpanStatusCode.ERROR, message: a.errorClass ?? a.outcome });
  span.end(startMs + a.latencyMs);
}
