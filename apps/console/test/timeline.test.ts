import { buildTimeline, tickStep } from '../src/lib/timeline';
import { subtask, task } from './fixtures';

const at = (ms: number) => new Date(Date.parse('2026-01-01T10:00:00.000Z') + ms).toISOString();

describe('buildTimeline', () => {
  it('is empty until a subtask starts', () => {
    expect(buildTimeline(task({ subtasks: [subtask({ key: 'a', status: 'queued' })] }), 'agent', Date.now())).toBeNull();
  });

  it('puts bars in rows per agent or per worker, relative to the task start', () => {
    const t = task({
      status: 'completed',
      completed_at: at(2000),
      subtasks: [
        subtask({ key: 'a', agent_type: 'content', worker_id: 'w1', started_at: at(100), finished_at: at(600) }),
        subtask({ key: 'b', agent_type: 'design', worker_id: 'w1', started_at: at(150), finished_at: at(900) }),
        subtask({ key: 'c', agent_type: 'content', worker_id: 'w2', iteration: 2, started_at: at(1200), finished_at: at(1500) }),
      ],
    });
    const byAgent = buildTimeline(t, 'agent', 0);
    expect(byAgent?.spanMs).toBe(2000);
    expect(byAgent?.rows.map((r) => [r.label, r.bars.map((b) => [b.startMs - (byAgent?.originMs ?? 0), b.endMs - (byAgent?.originMs ?? 0)])])).toEqual([
      [
        'content',
        [
          [100, 600],
          [1200, 1500],
        ],
      ],
      ['design', [[150, 900]]],
    ]);
    expect(buildTimeline(t, 'worker', 0)?.rows.map((r) => [r.label, r.bars.map((b) => (b.kind === 'subtask' ? b.subtask.key : b.call.label))])).toEqual([
      ['w1', ['a', 'b']],
      ['w2', ['c']],
    ]);
  });

  it('stacks subtasks that overlap in time within a row in lanes, and reuses a lane once it is free', () => {
    const t = task({
      status: 'completed',
      completed_at: at(3000),
      subtasks: [
        subtask({ key: 'a', agent_type: 'content', worker_id: 'w1', started_at: at(100), finished_at: at(1000) }),
        subtask({ key: 'b', agent_type: 'content', worker_id: 'w1', started_at: at(200), finished_at: at(900) }),
        subtask({ key: 'c', agent_type: 'content', worker_id: 'w2', started_at: at(300), finished_at: at(1200) }),
        subtask({ key: 'd', agent_type: 'content', worker_id: 'w2', started_at: at(1100), finished_at: at(1500) }),
        subtask({ key: 'e', agent_type: 'design', worker_id: 'w1', started_at: at(1600), finished_at: at(1700) }),
      ],
    });
    const byAgent = buildTimeline(t, 'agent', 0)!;
    const content = byAgent.rows.find((r) => r.label === 'content')!;
    expect(content.lanes).toBe(3);
    expect(content.bars.map((b) => [b.kind === 'subtask' ? b.subtask.key : '', b.lane])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 0],
    ]);
    expect(byAgent.rows.find((r) => r.label === 'design')!.lanes).toBe(1);
    // Per worker: w1 ran a and b at once, then e; w2 ran c, then d after it (overlapping: two lanes).
    const byWorker = buildTimeline(t, 'worker', 0)!;
    expect(byWorker.rows.map((r) => [r.label, r.lanes])).toEqual([
      ['w1', 2],
      ['w2', 2],
    ]);
  });

  it("draws the coordinator's calls on a row of their own, first, and starts the chart at the first plan", () => {
    const t = task({
      status: 'completed',
      started_at: at(0),
      completed_at: at(2000),
      subtasks: [subtask({ key: 'a', agent_type: 'content', started_at: at(500), finished_at: at(1200) })],
    });
    const calls = [
      { callId: 'c1', label: 'Coordinator plan (iteration 1)', shortLabel: 'plan 1', startedAt: at(50), endedAt: at(450), outcome: 'success' },
      { callId: 'c2', label: 'Coordinator plan (iteration 2)', shortLabel: 'plan 2', startedAt: at(1300), endedAt: at(1900), outcome: 'success' },
    ];
    const timeline = buildTimeline(t, 'agent', 0, calls)!;
    expect(timeline.rows.map((r) => r.label)).toEqual(['coordinator', 'content']);
    expect(timeline.rows[0]!.lanes).toBe(1);
    expect(timeline.rows[0]!.bars.map((b) => (b.kind === 'coordinator' ? [b.call.callId, b.startMs - timeline.originMs, b.endMs - timeline.originMs] : null))).toEqual([
      ['c1', 50, 450],
      ['c2', 1300, 1900],
    ]);
    // Before any subtask starts, the plan alone is drawn.
    expect(buildTimeline(task({ started_at: at(0), subtasks: [] }), 'agent', Date.parse(at(600)), calls.slice(0, 1))?.rows.map((r) => r.label)).toEqual(['coordinator']);
  });

  it('runs an unfinished bar up to now', () => {
    const now = Date.parse(at(5000));
    const timeline = buildTimeline(task({ subtasks: [subtask({ key: 'a', status: 'in_progress', started_at: at(1000) })] }), 'agent', now);
    const bar = timeline?.rows[0]?.bars[0];
    expect(bar?.open).toBe(true);
    expect(bar?.endMs).toBe(now);
  });

  it('picks round tick steps', () => {
    expect(tickStep(2000)).toBe(500);
    expect(tickStep(60_000)).toBe(10_000);
    expect(tickStep(7)).toBe(2);
  });
});
