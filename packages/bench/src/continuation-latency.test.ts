import { API_STAGES, continuationTimes, estimatedCallStart, STAGES, type DecisionTrace } from './continuation-latency';

const T0 = 1_800_000_000_000;

/** A decision at `at` whose continuation went: 200 at +5, resume taken +7, resumed +9, subtask job +12, taken +14, claimed +15, call +21. */
function trace(taskId: string, at: number, overrides: Partial<DecisionTrace> = {}): DecisionTrace {
  return {
    taskId,
    sentAt: at,
    answeredAt: at + 5,
    decidedAt: at + 2.5,
    resumedAt: at + 9,
    resumeJob: { enqueuedAt: at + 4, pickedUpAt: at + 7, finishedAt: at + 13 },
    subtaskJob: { enqueuedAt: at + 12, pickedUpAt: at + 14, finishedAt: at + 80 },
    claimedAt: at + 15.2,
    // Started at +21 (the hook), ran 51 ms, its row written 1.5 ms after it ended.
    subtaskCalls: [{ recordedAt: at + 73.5, latencyMs: 51 }],
    ...overrides,
  };
}

describe('the approvals scenario arithmetic', () => {
  it('measures from the 200 to the one call the worker started in the decision’s window', () => {
    const a = trace('a', T0);
    const b = trace('b', T0 + 1_000);
    // Calls of earlier (warm-up) decisions come before the first window and are not counted.
    const times = continuationTimes([b, a], [T0 - 500, T0 + 21, T0 + 1_021]);
    expect(times.problems).toEqual([]);
    expect(times.toCallStart).toEqual([16, 16]);
    // The llm_calls row is written after the call ends: the estimate is later than the real start.
    expect(estimatedCallStart(a.subtaskCalls[0]!)).toBe(T0 + 22.5);
    expect(times.toCallStartEstimated).toEqual([17.5, 17.5]);
    expect(times.estimateMinusDirect).toEqual([1.5, 1.5]);
  });

  it('splits the latency into stages that add up to it, and reports the API’s side beside them', () => {
    const times = continuationTimes([trace('a', T0)], [T0 + 21]);
    expect(times.stages.answeredToResumePickup).toEqual([2]);
    expect(times.stages.resumeReads).toEqual([2]);
    expect(times.stages.resumeToDispatch).toEqual([3]);
    expect(times.stages.subtaskPickup).toEqual([2]);
    expect(times.stages.claim[0]).toBeCloseTo(1.2);
    expect(times.stages.claimToCall[0]).toBeCloseTo(5.8);
    const sum = STAGES.reduce((total, s) => total + times.stages[s][0]!, 0);
    expect(sum).toBeCloseTo(times.toCallStart[0]!);
    expect(API_STAGES.map((s) => times.stages[s][0])).toEqual([5, 1.5, 1]);
    expect(times.perDecision).toEqual([{ taskId: 'a', toCallStart: 16, stages: expect.objectContaining({ resumeToDispatch: 3, decisionHttp: 5 }) }]);
  });

  it('keeps a continuation that was under way before the client read its 200 (a negative stage)', () => {
    const early = trace('a', T0, { answeredAt: T0 + 8 });
    const times = continuationTimes([early], [T0 + 21]);
    expect(times.stages.answeredToResumePickup).toEqual([-1]);
    expect(times.toCallStart).toEqual([13]);
  });

  it('refuses a decision without exactly one call of its own, and leaves out stages it cannot know', () => {
    const twoStarts = continuationTimes([trace('a', T0)], [T0 + 21, T0 + 30]);
    expect(twoStarts.toCallStart).toEqual([]);
    expect(twoStarts.problems[0]).toMatch(/task a: the worker's provider started 2 call\(s\)/);
    const none = continuationTimes([trace('a', T0), trace('b', T0 + 1_000)], [T0 + 1_021]);
    expect(none.toCallStart).toEqual([16]);
    expect(none.problems).toEqual([expect.stringMatching(/task a: .* started 0 call\(s\)/)]);
    const noRow = continuationTimes([trace('a', T0, { subtaskCalls: [] })], [T0 + 21]);
    expect(noRow.problems[0]).toMatch(/task a: 0 subtask model call\(s\) recorded; expected 1/);
    const trimmed = continuationTimes([trace('a', T0, { resumeJob: null })], [T0 + 21]);
    expect(trimmed.problems).toEqual([]);
    expect(trimmed.toCallStart).toEqual([16]);
    expect(trimmed.gaps).toHaveLength(1);
    expect(trimmed.stages.resumeReads).toEqual([]);
    expect(trimmed.stages.decisionHttp).toEqual([5]);
  });
});
