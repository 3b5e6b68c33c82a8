import { coordinatorNodeId, GRAPH_SPACING, layoutTaskGraph, RESULT_NODE_ID } from '../src/lib/task-graph-layout';
import { subtask, task } from './fixtures';

describe('layoutTaskGraph', () => {
  it('shows a queued task as its first coordinator step and the pending result', () => {
    const graph = layoutTaskGraph(task({ status: 'queued', iterations: 0, subtasks: [] }));
    expect(graph.nodes.map((n) => [n.id, n.status, n.column])).toEqual([
      [coordinatorNodeId(1), 'queued', 0],
      [RESULT_NODE_ID, 'queued', 1],
    ]);
    expect(graph.edges.map((e) => [e.source, e.target])).toEqual([[coordinatorNodeId(1), RESULT_NODE_ID]]);
  });

  it('places subtasks in columns by dependency depth, with plan, depends and feeds edges', () => {
    const research = subtask({ key: 'research', agent_type: 'analytics' });
    const copy = subtask({ key: 'copy', agent_type: 'content', depends_on: ['research'] });
    const layout = subtask({ key: 'layout', agent_type: 'design' });
    const review = subtask({ key: 'review', agent_type: 'content', depends_on: ['copy', 'layout'], status: 'in_progress' });
    const next = subtask({ key: 'polish', agent_type: 'content', iteration: 2, status: 'queued' });
    const graph = layoutTaskGraph(task({ iterations: 2, subtasks: [review, copy, layout, research, next] }));
    const column = (id: string) => graph.nodes.find((n) => n.id === id)?.column;

    expect(column(coordinatorNodeId(1))).toBe(0);
    expect([column(research.id), column(layout.id)]).toEqual([1, 1]);
    expect(column(copy.id)).toBe(2);
    expect(column(review.id)).toBe(3);
    expect(column(coordinatorNodeId(2))).toBe(4);
    expect(column(next.id)).toBe(5);
    expect(column(RESULT_NODE_ID)).toBe(6);

    const edges = graph.edges.map((e) => `${e.kind}:${e.source}->${e.target}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        `plan:${coordinatorNodeId(1)}->${research.id}`,
        `plan:${coordinatorNodeId(1)}->${layout.id}`,
        `depends:${research.id}->${copy.id}`,
        `depends:${copy.id}->${review.id}`,
        `depends:${layout.id}->${review.id}`,
        `feeds:${review.id}->${coordinatorNodeId(2)}`,
        `plan:${coordinatorNodeId(2)}->${next.id}`,
        `feeds:${next.id}->${RESULT_NODE_ID}`,
      ]),
    );
    expect(edges).toHaveLength(8);
    // Iteration 1's planner is done (it planned subtasks); iteration 2's too.
    expect(graph.nodes.find((n) => n.id === coordinatorNodeId(1))?.status).toBe('completed');
    expect(graph.nodes.find((n) => n.id === review.id)?.status).toBe('in_progress');
  });

  it('stacks a column around the centre line', () => {
    const graph = layoutTaskGraph(task({ subtasks: ['a', 'b', 'c'].map((key) => subtask({ key })) }));
    const ys = graph.nodes.filter((n) => n.kind === 'subtask').map((n) => n.y);
    expect(ys).toEqual([-GRAPH_SPACING.rowHeight, 0, GRAPH_SPACING.rowHeight]);
  });

  it('shows the final planning step of a completed task, and a failed last step as failed', () => {
    const done = layoutTaskGraph(task({ status: 'completed', iterations: 2, subtasks: [subtask({ key: 'a' })] }));
    expect(done.nodes.map((n) => `${n.id}:${n.status}`)).toEqual([
      `${coordinatorNodeId(1)}:completed`,
      `${done.nodes[1]?.id}:completed`,
      `${coordinatorNodeId(2)}:completed`,
      `${RESULT_NODE_ID}:completed`,
    ]);
    const failed = layoutTaskGraph(task({ status: 'failed', iterations: 1, subtasks: [] }));
    expect(failed.nodes.find((n) => n.id === coordinatorNodeId(1))?.status).toBe('failed');
  });

  it('shows a timed-out task honestly: the plan it made and the subtask that finished completed, the cut-short one timed out', () => {
    const timedOut = layoutTaskGraph(
      task({
        status: 'timed_out',
        iterations: 1,
        subtasks: [subtask({ key: 'copy', agent_type: 'content', status: 'completed' }), subtask({ key: 'art', agent_type: 'design', status: 'timed_out' })],
      }),
    );
    expect(timedOut.nodes.map((n) => `${n.subtask?.key ?? n.id}:${n.status}`)).toEqual([`${coordinatorNodeId(1)}:completed`, 'copy:completed', 'art:timed_out', `${RESULT_NODE_ID}:timed_out`]);
    // Stopped before its plan was stored: the coordinator's step itself was cut short.
    const cancelled = layoutTaskGraph(task({ status: 'cancelled', iterations: 1, subtasks: [] }));
    expect(cancelled.nodes.find((n) => n.id === coordinatorNodeId(1))?.status).toBe('cancelled');
  });

  it('shows where a task waits for a person: its plan, a parked subtask, or its result', () => {
    const statusOf = (graph: ReturnType<typeof layoutTaskGraph>) => graph.nodes.map((n) => `${n.kind}:${n.status}`);
    // The plan: its subtasks are queued but none has started.
    const plan = layoutTaskGraph(task({ status: 'awaiting_approval', subtasks: [subtask({ key: 'a', status: 'queued' }), subtask({ key: 'b', status: 'queued' })] }));
    expect(statusOf(plan)).toEqual(['coordinator:awaiting_approval', 'subtask:queued', 'subtask:queued', 'result:in_progress']);
    // A subtask's tool call or question.
    const parked = layoutTaskGraph(
      task({ status: 'awaiting_approval', subtasks: [subtask({ key: 'a', status: 'awaiting_approval', started_at: '2026-01-01T10:00:01.000Z' }), subtask({ key: 'b' })] }),
    );
    expect(statusOf(parked)).toEqual(['coordinator:completed', 'subtask:awaiting_approval', 'subtask:completed', 'result:in_progress']);
    // The result: drafted by the last iteration's coordinator once every subtask is done.
    const result = layoutTaskGraph(task({ status: 'awaiting_approval', iterations: 2, subtasks: [subtask({ key: 'a' })] }));
    expect(statusOf(result)).toEqual(['coordinator:completed', 'subtask:completed', 'coordinator:completed', 'result:awaiting_approval']);
  });

  it('ignores dependencies on unknown keys and does not hang on a cycle', () => {
    const a = subtask({ key: 'a', depends_on: ['b', 'ghost'] });
    const b = subtask({ key: 'b', depends_on: ['a'] });
    const graph = layoutTaskGraph(task({ subtasks: [a, b] }));
    expect(graph.nodes.filter((n) => n.kind === 'subtask')).toHaveLength(2);
    expect(graph.edges.some((e) => e.target === 'ghost' || e.source === 'ghost')).toBe(false);
  });
});
