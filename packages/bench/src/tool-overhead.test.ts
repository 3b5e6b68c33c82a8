import { overheadPerCall, serviceTimeOf, toolSubtaskTimes, type ServiceRequest, type ToolSubtaskTrace } from './tool-overhead';

const L = 50;
const T0 = 1_800_000_000_000;

function trace(taskId: string, started: number, durationMs: number, calls: number, tools: ToolSubtaskTrace['tools'] = []): ToolSubtaskTrace {
  return { taskId, created: started - 60, completed: started + durationMs + 60, started, finished: started + durationMs, calls: Array.from({ length: calls }, () => ({ latency: L + 1 })), tools };
}

const call = (tool: string, started: number, finished: number, durationMs: number) => ({ tool, status: 'completed', round: 0, started, finished, durationMs });
const request = (operation: string, at: number, handled: number): ServiceRequest => ({ operation, status: 200, received_at_ms: at, handled_ms: handled });

describe('the tools scenario arithmetic', () => {
  it('matches a recorded call to the one request of its operation that arrived while it ran', () => {
    const c = call('analytics.getCampaignMetrics', T0, T0 + 25, 23);
    expect(serviceTimeOf(c, [request('getCampaignMetrics', T0 - 500, 20), request('getCampaignMetrics', T0 + 2.4, 20.6), request('createReport', T0 + 3, 21)])).toBe(20.6);
    expect(serviceTimeOf(c, [request('getCampaignMetrics', T0 + 40, 20)])).toBeNull();
    expect(serviceTimeOf(c, [request('getCampaignMetrics', T0 + 1, 20), request('getCampaignMetrics', T0 + 2, 20)])).toBeNull();
  });

  it('takes out L per model call and the longest call inside the service, and nothing else', () => {
    // Without tools: 70 ms = 50 (model) + 20 of the subtask's own overhead.
    const none = toolSubtaskTimes([trace('a', T0, 70, 1)], 0, L, []);
    expect(none.net).toEqual([20]);
    // One call: 2 × 50 (model) + 20.5 (service) + 20 (baseline) + 6 (what the call adds).
    const started = T0 + 1_000;
    const one = toolSubtaskTimes([trace('b', started, 146.5, 2, [call('analytics.getCampaignMetrics', started + 55, started + 80, 23)])], 1, L, [request('getCampaignMetrics', started + 57, 20.5)]);
    expect(one.problems).toEqual([]);
    expect(one.net).toEqual([26]);
    expect(overheadPerCall(one, 1, 20)).toEqual([6]);
    expect(one.httpBeyondService).toEqual([2.5]);
    expect(one.recordBefore).toEqual([2]);
    expect(one.modelLayer).toEqual([2]);
    // Three concurrent calls: only the longest service time is taken out.
    const s3 = T0 + 2_000;
    const three = toolSubtaskTimes(
      [
        trace('c', s3, 150, 2, [
          call('analytics.getCampaignMetrics', s3 + 55, s3 + 80, 22),
          call('analytics.getAudienceBenchmarks', s3 + 55, s3 + 81, 23),
          call('analytics.createReport', s3 + 56, s3 + 82, 23),
        ]),
      ],
      3,
      L,
      [request('getCampaignMetrics', s3 + 57, 20.1), request('getAudienceBenchmarks', s3 + 57.5, 21), request('createReport', s3 + 58, 20.4)],
    );
    expect(three.net).toEqual([29]);
    expect(overheadPerCall(three, 3, 20)).toEqual([3]);
  });

  it('refuses subtasks that did not make the calls the arm is about', () => {
    const missing = toolSubtaskTimes([trace('d', T0, 70, 1)], 1, L, []);
    expect(missing.net).toEqual([]);
    expect(missing.problems[0]).toMatch(/task d: 0 tool call\(s\).*expected 1 completed in one round and 2/);
    const failed = toolSubtaskTimes([trace('e', T0, 150, 2, [{ ...call('analytics.createReport', T0, T0 + 30, 25), status: 'failed' }])], 1, L, []);
    expect(failed.problems).toHaveLength(1);
    const unmatched = toolSubtaskTimes([trace('f', T0, 150, 2, [call('analytics.createReport', T0, T0 + 30, 25)])], 1, L, []);
    expect(unmatched.problems[0]).toMatch(/matches no single request/);
  });
});
