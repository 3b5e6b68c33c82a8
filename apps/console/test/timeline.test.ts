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
    expect(buildTimeline(t, 'worker', 0)?.rows.map((r) => [r.label, r.bars.map((b) => b.subtask.key)])).toEqual([
      ['w1', ['a', 'b']],
      ['w2', ['c']],
    ]);
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
