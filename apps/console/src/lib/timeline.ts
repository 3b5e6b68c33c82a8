import type { Subtask, Task } from '@mesh/core';

/**
 * A Gantt chart of a task: the coordinator's model calls (planning, plan repairs, the synthesis) on
 * a row of their own, then one row per agent type (or worker) with the subtasks' bars from start to
 * finish. Bars that overlap in time within a row are stacked in lanes, so concurrent subtasks of
 * one agent type or one worker are all visible.
 */

export type TimelineGrouping = 'agent' | 'worker';

/** A coordinator model call as the timeline draws it. */
export interface CoordinatorCallSpan {
  callId: string;
  label: string;
  /** What fits on the bar: `plan 1`, `repair 1`, `synthesis`. */
  shortLabel: string;
  startedAt: string;
  endedAt: string;
  /** success, or how the call ended. */
  outcome: string;
}

interface BarBase {
  startMs: number;
  endMs: number;
  /** Whether the bar ends at "now" because the work has not finished. */
  open: boolean;
  /** 0-based lane within its row: bars that overlap in time get different lanes. */
  lane: number;
}

export type TimelineBar = (BarBase & { kind: 'subtask'; subtask: Subtask }) | (BarBase & { kind: 'coordinator'; call: CoordinatorCallSpan });

export interface TimelineRow {
  label: string;
  bars: TimelineBar[];
  /** Lanes the row needs (1 when nothing in it overlaps). */
  lanes: number;
}

export interface Timeline {
  /** Epoch ms of the chart's left edge. */
  originMs: number;
  spanMs: number;
  rows: TimelineRow[];
  ticks: number[];
}

type TaskView = Pick<Task, 'started_at' | 'created_at' | 'completed_at'> & { subtasks?: Subtask[] | undefined };

export const COORDINATOR_ROW = 'coordinator';

/** Round tick steps: 1, 2, 5 × 10^n milliseconds, about `count` of them across the span. */
export function tickStep(spanMs: number, count = 6): number {
  const raw = Math.max(1, spanMs / count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
  return step ?? 10 * power;
}

/** Gives each bar (sorted by start) the first lane whose last bar has ended; returns the lanes used. */
export function assignLanes(bars: TimelineBar[]): number {
  const laneEnds: number[] = [];
  for (const bar of bars) {
    const free = laneEnds.findIndex((end) => end <= bar.startMs);
    bar.lane = free >= 0 ? free : laneEnds.length;
    laneEnds[bar.lane] = bar.endMs;
  }
  return Math.max(1, laneEnds.length);
}

export function buildTimeline(task: TaskView, grouping: TimelineGrouping, nowMs: number, coordinatorCalls: readonly CoordinatorCallSpan[] = []): Timeline | null {
  const started = (task.subtasks ?? []).filter((s) => s.started_at !== null);
  if (started.length === 0 && coordinatorCalls.length === 0) return null;
  const subtaskBars: TimelineBar[] = started.map((s) => {
    const startMs = Date.parse(s.started_at ?? '');
    const finished = s.finished_at ? Date.parse(s.finished_at) : null;
    return { kind: 'subtask', subtask: s, startMs, endMs: Math.max(startMs, finished ?? nowMs), open: finished === null, lane: 0 };
  });
  const callBars: TimelineBar[] = coordinatorCalls.map((call) => {
    const startMs = Date.parse(call.startedAt);
    return { kind: 'coordinator', call, startMs, endMs: Math.max(startMs, Date.parse(call.endedAt)), open: false, lane: 0 };
  });
  const bars = [...callBars, ...subtaskBars];
  const taskStart = Date.parse(task.started_at ?? task.created_at);
  const originMs = Math.min(taskStart, ...bars.map((b) => b.startMs));
  const endMs = Math.max(...bars.map((b) => b.endMs), task.completed_at ? Date.parse(task.completed_at) : 0, originMs + 1);
  const spanMs = endMs - originMs;
  const groups = new Map<string, TimelineBar[]>();
  for (const bar of subtaskBars.sort((a, b) => a.startMs - b.startMs)) {
    if (bar.kind !== 'subtask') continue;
    const label = grouping === 'agent' ? bar.subtask.agent_type : (bar.subtask.worker_id ?? 'unknown worker');
    groups.set(label, [...(groups.get(label) ?? []), bar]);
  }
  const rows: TimelineRow[] = [...groups.entries()].map(([label, rowBars]) => ({ label, bars: rowBars, lanes: assignLanes(rowBars) })).sort((a, b) => a.label.localeCompare(b.label));
  if (callBars.length > 0) {
    const sorted = callBars.sort((a, b) => a.startMs - b.startMs);
    rows.unshift({ label: COORDINATOR_ROW, bars: sorted, lanes: assignLanes(sorted) });
  }
  const step = tickStep(spanMs);
  const ticks: number[] = [];
  for (let t = 0; t <= spanMs; t += step) ticks.push(t);
  return { originMs, spanMs, rows, ticks };
}
