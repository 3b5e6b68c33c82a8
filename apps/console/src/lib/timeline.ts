import type { Subtask, Task } from '@mesh/core';

/** A Gantt chart of a task's subtasks: one row per agent type (or worker), bars from start to finish. */

export type TimelineGrouping = 'agent' | 'worker';

export interface TimelineBar {
  subtask: Subtask;
  startMs: number;
  endMs: number;
  /** Whether the bar ends at "now" because the subtask has not finished. */
  open: boolean;
}

export interface TimelineRow {
  label: string;
  bars: TimelineBar[];
}

export interface Timeline {
  /** Epoch ms of the chart's left edge. */
  originMs: number;
  spanMs: number;
  rows: TimelineRow[];
  ticks: number[];
}

type TaskView = Pick<Task, 'started_at' | 'created_at' | 'completed_at'> & { subtasks?: Subtask[] | undefined };

/** Round tick steps: 1, 2, 5 × 10^n milliseconds, about `count` of them across the span. */
export function tickStep(spanMs: number, count = 6): number {
  const raw = Math.max(1, spanMs / count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
  return step ?? 10 * power;
}

export function buildTimeline(task: TaskView, grouping: TimelineGrouping, nowMs: number): Timeline | null {
  const started = (task.subtasks ?? []).filter((s) => s.started_at !== null);
  if (started.length === 0) return null;
  const taskStart = Date.parse(task.started_at ?? task.created_at);
  const originMs = Math.min(taskStart, ...started.map((s) => Date.parse(s.started_at ?? '')));
  const bars: TimelineBar[] = started.map((s) => {
    const startMs = Date.parse(s.started_at ?? '');
    const finished = s.finished_at ? Date.parse(s.finished_at) : null;
    return { subtask: s, startMs, endMs: Math.max(startMs, finished ?? nowMs), open: finished === null };
  });
  const endMs = Math.max(...bars.map((b) => b.endMs), task.completed_at ? Date.parse(task.completed_at) : 0, originMs + 1);
  const spanMs = endMs - originMs;
  const groups = new Map<string, TimelineBar[]>();
  for (const bar of bars.sort((a, b) => a.startMs - b.startMs)) {
    const label = grouping === 'agent' ? bar.subtask.agent_type : (bar.subtask.worker_id ?? 'unknown worker');
    groups.set(label, [...(groups.get(label) ?? []), bar]);
  }
  const rows = [...groups.entries()].map(([label, rowBars]) => ({ label, bars: rowBars })).sort((a, b) => a.label.localeCompare(b.label));
  const step = tickStep(spanMs);
  const ticks: number[] = [];
  for (let t = 0; t <= spanMs; t += step) ticks.push(t);
  return { originMs, spanMs, rows, ticks };
}
