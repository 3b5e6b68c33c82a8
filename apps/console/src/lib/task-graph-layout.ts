import { isTerminalSubtaskStatus, isTerminalTaskStatus } from '@mesh/client';
import type { Subtask, Task } from '@mesh/core';

/**
 * The task as a graph: one coordinator node per iteration, its subtasks to the right of it in
 * columns by dependency depth, and a result node at the end. Edges: the coordinator plans the
 * subtasks that depend on nothing, `depends_on` links subtasks, and the subtasks nothing depends
 * on feed the next iteration's coordinator (or the result).
 */

export type GraphNodeKind = 'coordinator' | 'subtask' | 'result';
export type GraphEdgeKind = 'plan' | 'depends' | 'feeds';

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  iteration: number;
  column: number;
  row: number;
  x: number;
  y: number;
  /** For coordinator and result nodes: derived from the task. */
  status: string;
  subtask?: Subtask;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: GraphEdgeKind;
}

export interface TaskGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const GRAPH_SPACING = { columnWidth: 250, rowHeight: 120 } as const;

type TaskView = Pick<Task, 'status' | 'iterations'> & { subtasks?: Subtask[] | undefined };

export const coordinatorNodeId = (iteration: number): string => `coordinator-${iteration}`;
export const RESULT_NODE_ID = 'result';

/** Depth of each subtask in its iteration's DAG: 0 for those that depend on nothing there. */
function dependencyDepths(subtasks: Subtask[]): Map<string, number> {
  const byKey = new Map(subtasks.map((s) => [s.key, s]));
  const depths = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (s: Subtask): number => {
    const known = depths.get(s.key);
    if (known !== undefined) return known;
    if (visiting.has(s.key)) return 0; // a cycle (never stored: plans are validated) cannot hang the page
    visiting.add(s.key);
    let depth = 0;
    for (const dep of s.depends_on) {
      const parent = byKey.get(dep);
      if (parent) depth = Math.max(depth, depthOf(parent) + 1);
    }
    visiting.delete(s.key);
    depths.set(s.key, depth);
    return depth;
  };
  for (const s of subtasks) depthOf(s);
  return depths;
}

/**
 * Where a task that waits for a person (awaiting_approval) waits, from its last iteration's
 * subtasks: a subtask's tool call or question (a subtask is parked), the coordinator's plan (its
 * subtasks are planned but none has run), or the result (every subtask is done, or none was planned).
 */
export type WaitingAt = 'subtask' | 'plan' | 'result';

export function waitingAt(task: Pick<TaskView, 'status'>, lastIterationSubtasks: readonly Subtask[]): WaitingAt | null {
  if (task.status !== 'awaiting_approval') return null;
  if (lastIterationSubtasks.some((s) => s.status === 'awaiting_approval')) return 'subtask';
  if (lastIterationSubtasks.every((s) => isTerminalSubtaskStatus(s.status))) return 'result';
  return lastIterationSubtasks.every((s) => s.started_at === null) ? 'plan' : 'subtask';
}

function coordinatorStatus(task: TaskView, iteration: number, lastIteration: number, hasSubtasks: boolean, waiting: WaitingAt | null): string {
  if (iteration < lastIteration) return 'completed';
  // A plan stored before the task timed out or was cancelled was finished: the node says so.
  if (isTerminalTaskStatus(task.status)) return task.status === 'completed' || hasSubtasks ? 'completed' : task.status;
  if (waiting) return waiting === 'plan' ? 'awaiting_approval' : 'completed';
  if (hasSubtasks) return 'completed';
  return task.status === 'in_progress' ? 'in_progress' : task.status;
}

function resultStatus(task: TaskView, waiting: WaitingAt | null): string {
  if (!waiting) return task.status;
  return waiting === 'result' ? 'awaiting_approval' : 'in_progress';
}

export function layoutTaskGraph(task: TaskView): TaskGraph {
  const subtasks = task.subtasks ?? [];
  const lastIteration = Math.max(1, task.iterations, ...subtasks.map((s) => s.iteration));
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const place = (node: Omit<GraphNode, 'x' | 'y'>, rowsInColumn: number): void => {
    nodes.push({
      ...node,
      x: node.column * GRAPH_SPACING.columnWidth,
      y: (node.row - (rowsInColumn - 1) / 2) * GRAPH_SPACING.rowHeight,
    });
  };

  const waiting = waitingAt(task, subtasks.filter((s) => s.iteration === lastIteration));
  let column = 0;
  let previousSinks: string[] = [];
  for (let iteration = 1; iteration <= lastIteration; iteration++) {
    const inIteration = subtasks
      .filter((s) => s.iteration === iteration)
      .sort((a, b) => a.agent_type.localeCompare(b.agent_type) || a.key.localeCompare(b.key));
    const coordinatorId = coordinatorNodeId(iteration);
    place(
      { id: coordinatorId, kind: 'coordinator', iteration, column, row: 0, status: coordinatorStatus(task, iteration, lastIteration, inIteration.length > 0, waiting) },
      1,
    );
    for (const source of previousSinks) edges.push({ id: `${source}->${coordinatorId}`, source, target: coordinatorId, kind: 'feeds' });

    const depths = dependencyDepths(inIteration);
    const byDepth = new Map<number, Subtask[]>();
    for (const s of inIteration) {
      const depth = depths.get(s.key) ?? 0;
      byDepth.set(depth, [...(byDepth.get(depth) ?? []), s]);
    }
    const idByKey = new Map(inIteration.map((s) => [s.key, s.id]));
    const dependedOn = new Set(inIteration.flatMap((s) => s.depends_on.filter((key) => idByKey.has(key))));
    for (const [depth, group] of byDepth) {
      group.forEach((s, row) => {
        place({ id: s.id, kind: 'subtask', iteration, column: column + 1 + depth, row, status: s.status, subtask: s }, group.length);
      });
    }
    for (const s of inIteration) {
      const parents = s.depends_on.map((key) => idByKey.get(key)).filter((id): id is string => id !== undefined);
      if (parents.length === 0) edges.push({ id: `${coordinatorId}->${s.id}`, source: coordinatorId, target: s.id, kind: 'plan' });
      for (const parent of parents) edges.push({ id: `${parent}->${s.id}`, source: parent, target: s.id, kind: 'depends' });
    }
    const maxDepth = inIteration.length > 0 ? Math.max(...byDepth.keys()) : -1;
    previousSinks = inIteration.length > 0 ? inIteration.filter((s) => !dependedOn.has(s.key)).map((s) => s.id) : [coordinatorId];
    column += maxDepth + 2;
  }

  place({ id: RESULT_NODE_ID, kind: 'result', iteration: lastIteration, column, row: 0, status: resultStatus(task, waiting) }, 1);
  for (const source of previousSinks) edges.push({ id: `${source}->${RESULT_NODE_ID}`, source, target: RESULT_NODE_ID, kind: 'feeds' });
  return { nodes, edges };
}
