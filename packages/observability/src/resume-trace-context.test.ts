import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { extractTraceContext, resumeTraceContext } from './tracing';

// The processes register the W3C propagator when tracing starts; so does this test.
beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
afterAll(() => propagation.disable());

describe('resumeTraceContext', () => {
  it('continues a stored trace id under a fresh parent span id', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const a = resumeTraceContext(traceId);
    const b = resumeTraceContext(traceId);
    expect(a?.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(a?.traceparent).not.toBe(b?.traceparent);
    expect(trace.getSpanContext(extractTraceContext(a))?.traceId).toBe(traceId);
  });

  it('gives nothing for a missing or malformed id', () => {
    for (const id of [null, undefined, '', '0'.repeat(32), 'XYZ', '4bf92f3577b34da6a3ce929d0e0e473', '4BF92F3577B34DA6A3CE929D0E0E4736']) {
      expect(resumeTraceContext(id)).toBeUndefined();
    }
  });
});
