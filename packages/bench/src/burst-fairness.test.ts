import {
  burstThroughput,
  burstValidityProblems,
  compareLatencies,
  completionRateBetween,
  criticalSubtask,
  fifoWaitEstimateMs,
  longestJobWaitMs,
  overtaking,
  PATH_STAGES,
  pathStages,
  startedUnfinishedAt,
  SUBTASK_PARTS,
  subtaskParts,
  unfinishedAt,
  waveReadyAt,
  type JobRecord,
  type MeasuredTask,
  type TaskJobs,
} from './burst-fairness';

const T0 = 1_800_000_000_000;

function job(overrides: Partial<JobRecord> & { addedAt: number }): JobRecord {
  return { id: 'j', queue: 'coordinator', tenant: 'tenant-b', readyAt: overrides.addedAt, takenAt: null, finishedAt: null, priority: 10, ...overrides };
}

describe('tenant A’s backlog and throughput', () => {
  const spans = [
    { createdMs: T0, completedMs: T0 + 1_000 },
    { createdMs: T0 + 100, completedMs: T0 + 3_000 },
    { createdMs: T0 + 200, completedMs: T0 + 5_000 },
    { createdMs: T0 + 4_000, completedMs: null },
  ];

  it('counts rows created by a moment and not completed by it', () => {
    expect(unfinishedAt(spans, T0 - 1)).toBe(0);
    expect(unfinishedAt(spans, T0 + 200)).toBe(3);
    // Completed at exactly that moment: no longer unfinished.
    expect(unfinishedAt(spans, T0 + 1_000)).toBe(2);
    expect(unfinishedAt(spans, T0 + 4_500)).toBe(2);
    expect(unfinishedAt(spans, T0 + 9_000)).toBe(1);
  });

  it('tells the started ones among the unfinished', () => {
    const withStarts = [
      { createdMs: T0, startedMs: T0 + 50, completedMs: T0 + 1_000 },
      { createdMs: T0, startedMs: T0 + 500, completedMs: null },
      { createdMs: T0, startedMs: null, completedMs: null },
    ];
    expect(startedUnfinishedAt(withStarts, T0 + 100)).toBe(1);
    expect(startedUnfinishedAt(withStarts, T0 + 600)).toBe(2);
    expect(startedUnfinishedAt(withStarts, T0 + 1_000)).toBe(1);
    expect(unfinishedAt(withStarts, T0 + 1_000)).toBe(2);
  });

  it('runs the throughput from the first row to the last completion, over the completed tasks', () => {
    const t = burstThroughput(spans);
    expect(t.durationMs).toBe(5_000);
    expect(t.perSecond).toBeCloseTo(0.6);
    expect(burstThroughput([{ createdMs: T0, completedMs: null }]).perSecond).toBeNaN();
  });

  it('counts the completions inside a window for the drain rate', () => {
    expect(completionRateBetween(spans, T0 + 1_000, T0 + 5_000)).toBeCloseTo(0.5);
    expect(completionRateBetween(spans, T0, T0)).toBeNaN();
  });
});

describe('whether a run measured B under the burst', () => {
  it('needs half the burst unfinished at B’s first submit and some left at B’s last completion', () => {
    expect(burstValidityProblems(2000, 1000, 1)).toEqual([]);
    expect(burstValidityProblems(2000, 999, 1)[0]).toMatch(/999 of its 2000 .* at least 1000/);
    expect(burstValidityProblems(301, 150, 5)[0]).toMatch(/at least 151/);
    expect(burstValidityProblems(2000, 1500, 0)).toEqual([expect.stringMatching(/worked off before B's last task completed/)]);
  });
});

describe('the FIFO estimate and the comparison', () => {
  it('divides the backlog ahead by A’s completion rate', () => {
    expect(fifoWaitEstimateMs(1500, 30)).toBe(50_000);
    expect(fifoWaitEstimateMs(10, 0)).toBeNaN();
  });

  it('compares p50s on the client’s clock and on Postgres', () => {
    const task = (at: number, client: number, db: number): MeasuredTask => ({ sentAtMs: at, answeredAtMs: at + client, createdMs: at + 5, completedMs: at + 5 + db });
    const idle = [task(T0, 100, 90), task(T0 + 1_000, 120, 100), task(T0 + 2_000, 110, 95)];
    const burst = [task(T0 + 10_000, 250, 230), task(T0 + 10_250, 200, 180), task(T0 + 10_500, 330, 300)];
    const c = compareLatencies(idle, burst);
    expect(c.idleClientMs.p50).toBe(110);
    expect(c.burstClientMs.p50).toBe(250);
    expect(c.ratioClient).toBeCloseTo(250 / 110);
    expect(c.ratioDb).toBeCloseTo(230 / 95);
  });
});

/** A task of the standard shape: POST at T0, row +5, plan step taken +10 and its subtasks added +60, two subtasks, the wave taken +150, completed +200, answer +210. */
function standardTask(): { task: MeasuredTask; jobs: TaskJobs } {
  const sub1 = job({ id: 'subtask-s1', queue: 'agent-content', addedAt: T0 + 60, takenAt: T0 + 70, finishedAt: T0 + 130 });
  const sub2 = job({ id: 'subtask-s2', queue: 'agent-design', addedAt: T0 + 60, takenAt: T0 + 65, finishedAt: T0 + 140 });
  const wave = job({ id: 'wave-t-1-1', addedAt: T0 + 60, takenAt: T0 + 150, finishedAt: T0 + 205 });
  wave.readyAt = waveReadyAt(wave, [sub1, sub2]);
  return {
    task: { sentAtMs: T0, answeredAtMs: T0 + 210, createdMs: T0 + 5, completedMs: T0 + 200 },
    jobs: { step: job({ id: 'step-t-1', addedAt: T0 + 6, takenAt: T0 + 10, finishedAt: T0 + 62 }), subtasks: [sub1, sub2], wave },
  };
}

describe('where one of B’s tasks spent its time', () => {
  it('splits the client’s latency into consecutive stages along the critical subtask', () => {
    const { task, jobs } = standardTask();
    const stages = pathStages(task, jobs)!;
    expect(stages).toEqual({
      httpToRow: 5,
      rowToStepTaken: 5,
      stepRun: 50,
      // The critical subtask is the last to finish (s2), not the first taken.
      subtaskWait: 5,
      subtaskRun: 75,
      waveWait: 10,
      waveRunToCompleted: 50,
      completedToAnswer: 10,
    });
    expect(PATH_STAGES.reduce((sum, s) => sum + stages[s], 0)).toBe(task.answeredAtMs - task.sentAtMs);
    expect(criticalSubtask(jobs)!.id).toBe('subtask-s2');
  });

  it('has no stages when a job’s times are missing', () => {
    const { task, jobs } = standardTask();
    expect(pathStages(task, { ...jobs, step: null })).toBeNull();
    expect(pathStages(task, { ...jobs, subtasks: [{ ...jobs.subtasks[0]!, finishedAt: null }] })).toBeNull();
    expect(criticalSubtask({ ...jobs, subtasks: [] })).toBeNull();
  });

  it('finds the longest wait of any job, a wave counted from its last child’s end', () => {
    const { jobs } = standardTask();
    expect(jobs.wave!.readyAt).toBe(T0 + 140);
    expect(longestJobWaitMs(jobs)).toBe(10);
    const slowFirst = { ...jobs, subtasks: [{ ...jobs.subtasks[0]!, takenAt: T0 + 125 }, jobs.subtasks[1]!] };
    expect(longestJobWaitMs(slowFirst)).toBe(65);
  });

  it('splits the critical subtask’s run at its claim, its model call and its stored result', () => {
    const sub = job({ addedAt: T0, takenAt: T0 + 10, finishedAt: T0 + 100 });
    // Claimed +14, the call started +30 and ran 50 ms (its row written as it ended, +80), result stored +95.
    const parts = subtaskParts(sub, { claimedAt: T0 + 14, finishedAt: T0 + 95, callRecordedAt: T0 + 80, callLatencyMs: 50 })!;
    expect(parts).toEqual({ takenToClaimed: 4, claimedToCall: 16, call: 50, callToStored: 15, storedToJobEnd: 5 });
    expect(SUBTASK_PARTS.reduce((sum, p) => sum + parts[p], 0)).toBe(90);
    expect(subtaskParts({ ...sub, finishedAt: null }, { claimedAt: 0, finishedAt: 0, callRecordedAt: 0, callLatencyMs: 0 })).toBeNull();
  });
});

describe('overtaking in a queue', () => {
  const b = job({ tenant: 'tenant-b', addedAt: T0 + 100, takenAt: T0 + 150, priority: 41 });
  const a = (addedAt: number, takenAt: number | null, priority = 329, queue = 'coordinator') => job({ tenant: 'tenant-a', queue, addedAt, takenAt, priority });

  it('counts the other tenant’s jobs that were waiting and those the job went ahead of', () => {
    const others = [
      a(T0, T0 + 300), // waiting, left behind
      a(T0 + 50, T0 + 150), // waiting, taken in the same millisecond: fetched together, not ahead
      a(T0 + 60, T0 + 120), // waiting, taken ahead of it
      a(T0 + 10, T0 + 90), // taken before it was runnable: not counted
      a(T0 + 120, T0 + 130, 20), // came later with a better priority, taken ahead: not a violation
      a(T0, T0 + 400, 329, 'agent-content'), // another queue
      job({ tenant: 'tenant-b', addedAt: T0, takenAt: T0 + 140 }), // the same tenant
      a(T0, null), // never taken
    ];
    expect(overtaking(b, others)).toEqual({ waitingAhead: 3, overtaken: 2, takenWhileWaiting: 2, takenDespiteWorsePriority: 1, latestWorseAfterReadyMs: 20 });
  });

  it('uses when a job became runnable, not when it was added', () => {
    const wave = { ...b, readyAt: T0 + 140 };
    // Taken at +120, before the wave's children had ended.
    expect(overtaking(wave, [a(T0 + 60, T0 + 120)]).takenWhileWaiting).toBe(0);
    expect(overtaking({ ...b, takenAt: null }, [a(T0, T0 + 300)]).waitingAhead).toBe(0);
  });

  it('leaves a wave whose children have not all ended runnable from its add', () => {
    const wave = job({ addedAt: T0 + 60 });
    expect(waveReadyAt(wave, [job({ addedAt: T0, finishedAt: T0 + 90 }), job({ addedAt: T0 })])).toBe(T0 + 60);
    expect(waveReadyAt(wave, [])).toBe(T0 + 60);
  });
});
