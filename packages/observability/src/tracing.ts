import { randomBytes } from 'node:crypto';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanKind,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TracingOptions {
  /** `service.name` of every span this process makes, e.g. `mesh-api`. */
  serviceName: string;
  serviceVersion?: string;
  /** An exporter that receives each span as it ends (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** OTLP/HTTP collector base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans are batched to `<url>/v1/traces`. */
  otlpEndpoint?: string;
  otlpHeaders?: Record<string, string>;
}

/** A process's tracer. Spans are always made (trace ids reach logs and tasks); they leave the process only through an exporter. */
export interface Tracing {
  tracer: Tracer;
  /** True when spans are exported somewhere (OTLP or a given exporter). */
  exporting: boolean;
  forceFlush(): Promise<void>;
  /** Flushes and stops exporting; call once, at the end of the process's drain. */
  shutdown(): Promise<void>;
}

let contextInstalled = false;

/**
 * Installs, once per process, what lets trace context follow async work and cross process
 * boundaries: AsyncLocalStorage as the context manager, W3C trace context and baggage as the
 * propagators.
 */
function installTraceContext(): void {
  if (contextInstalled) return;
  contextInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
}

/**
 * Builds a tracer provider of its own for this process (not registered globally, so tests can
 * hold one per simulated process). Export: OTLP when an endpoint is configured, else only the
 * given exporter, else none.
 */
export function initTracing(options: TracingOptions): Tracing {
  installTraceContext();
  const spanProcessors: SpanProcessor[] = [];
  if (options.exporter) spanProcessors.push(new SimpleSpanProcessor(options.exporter));
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url, headers: options.otlpHeaders ?? {} })));
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
    }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors,
  });
  let shutdown: Promise<void> | undefined;
  return {
    tracer: provider.getTracer('agent-mesh', options.serviceVersion),
    exporting: spanProcessors.length > 0,
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      shutdown ??= provider.shutdown().catch(() => {});
      return shutdown;
    },
  };
}

/** The W3C carrier (`traceparent`, `tracestate`, `baggage`) of a context, for job data; undefined when it holds no span. */
export function injectTraceContext(ctx: Context = context.active()): Record<string, string> | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier['traceparent'] ? carrier : undefined;
}

/**
 * A carrier that continues the trace `traceId` when the span that should be the parent is gone
 * (a job rebuilt from Postgres after Redis lost it): the new spans join the task's trace under a
 * fresh parent id. Undefined for a missing or malformed id.
 */
export function resumeTraceContext(traceId: string | null | undefined): Record<string, string> | undefined {
  if (!traceId || !/^[0-9a-f]{32}$/.test(traceId) || /^0+$/.test(traceId)) return undefined;
  return { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/** The context a carrier describes, on top of the root context (never the ambient one). */
export function extractTraceContext(carrier: Record<string, string> | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

/** `ctx` with these baggage entries added (ids only: baggage travels in clear text in job data). */
export function withBaggage(ctx: Context, entries: Record<string, string | undefined>): Context {
  let baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  for (const [key, value] of Object.entries(entries)) if (value !== undefined) baggage = baggage.setEntry(key, { value });
  return propagation.setBaggage(ctx, baggage);
}

export function baggageValue(ctx: Context, key: string): string | undefined {
  return propagation.getBaggage(ctx)?.getEntry(key)?.value;
}

/** Baggage keys the product sets when a task starts; every process reads them back for its logs and spans. */
export const BAGGAGE = { taskId: 'mesh.task_id', networkId: 'mesh.network_id' } as const;

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; default the active one. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span that ends when `fn` settles; a thrown error is recorded
 * on the span (status ERROR) and rethrown.
 */
export async function inSpan<T>(tracer: Tracer, name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { ...(options.kind !== undefined ? { kind: options.kind } : {}), ...(options.attributes ? { attributes: options.attributes } : {}) }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    markSpanFailed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

function markSpanFailed(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException({ name: err.name, message: err.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** For tests: an exporter that keeps finished spans in memory. */
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
