import type { Task } from '@mesh/core';
import { useMemo, useState } from 'react';
import { formatDuration } from '../lib/format';
import { buildTimeline, type CoordinatorCallSpan, type TimelineBar, type TimelineGrouping } from '../lib/timeline';

const LABEL_WIDTH = 170;
const LANE_HEIGHT = 26;
const ROW_PADDING = 4;
const BAR_HEIGHT = 18;
const AXIS_HEIGHT = 24;
const CHART_WIDTH = 900;

export interface TimelineChartProps {
  task: Task;
  nowMs: number;
  /** The coordinator's model calls (planning, repairs, the synthesis), drawn on a row of their own. */
  coordinatorCalls: readonly CoordinatorCallSpan[];
  onSelect(subtaskId: string): void;
  onSelectCall(callId: string): void;
}

const barId = (bar: TimelineBar) => (bar.kind === 'subtask' ? bar.subtask.id : bar.call.callId);

function barClass(bar: TimelineBar): string {
  if (bar.kind === 'coordinator') return bar.call.outcome === 'success' ? 'bar-coordinator' : 'bar-failed';
  return `bar-${bar.subtask.status} ${bar.open ? 'bar-open' : ''}`;
}

function barText(bar: TimelineBar, grouping: TimelineGrouping): string {
  if (bar.kind === 'coordinator') return bar.call.shortLabel;
  return grouping === 'agent' ? bar.subtask.key : bar.subtask.agent_type;
}

function barTitle(bar: TimelineBar): string {
  const took = formatDuration(bar.endMs - bar.startMs);
  if (bar.kind === 'coordinator') return `${bar.call.label}\n${bar.call.outcome}, ${took}`;
  const s = bar.subtask;
  return `${s.agent_type} · ${s.key} (iteration ${s.iteration})\n${s.status}, ${took}\n${s.model ?? ''} ${s.worker_id ?? ''}`;
}

/**
 * A Gantt chart of the task: the coordinator's calls, then one row per agent type or per worker
 * process; subtasks that ran at the same time in one row are stacked in lanes.
 */
export function TimelineChart({ task, nowMs, coordinatorCalls, onSelect, onSelectCall }: TimelineChartProps) {
  const [grouping, setGrouping] = useState<TimelineGrouping>('agent');
  const timeline = useMemo(() => buildTimeline(task, grouping, nowMs, coordinatorCalls), [task, grouping, nowMs, coordinatorCalls]);
  if (!timeline) return <p className="muted">Nothing has started yet.</p>;
  const plotWidth = CHART_WIDTH - LABEL_WIDTH - 10;
  const x = (ms: number) => LABEL_WIDTH + (ms / timeline.spanMs) * plotWidth;
  const rowTops: number[] = [];
  let top = AXIS_HEIGHT;
  for (const row of timeline.rows) {
    rowTops.push(top);
    top += row.lanes * LANE_HEIGHT + ROW_PADDING;
  }
  const height = top + 6;

  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline-controls">
        <label>
          <input type="radio" name="timeline-grouping" checked={grouping === 'agent'} onChange={() => setGrouping('agent')} /> per agent
        </label>
        <label>
          <input type="radio" name="timeline-grouping" checked={grouping === 'worker'} onChange={() => setGrouping('worker')} /> per worker
        </label>
        <span className="muted">span {formatDuration(timeline.spanMs)}</span>
      </div>
      <svg viewBox={`0 0 ${CHART_WIDTH} ${height}`} width="100%" role="img" aria-label="Task timeline">
        {timeline.ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={AXIS_HEIGHT - 4} y2={height} className="timeline-grid" />
            <text x={x(t)} y={AXIS_HEIGHT - 8} className="timeline-tick" textAnchor="middle">
              {formatDuration(t)}
            </text>
          </g>
        ))}
        {timeline.rows.map((row, r) => {
          const y = rowTops[r] ?? AXIS_HEIGHT;
          const rowHeight = row.lanes * LANE_HEIGHT;
          return (
            <g key={row.label} data-testid={row.bars[0]?.kind === 'coordinator' ? 'timeline-coordinator-row' : 'timeline-row'} data-label={row.label} data-lanes={row.lanes}>
              {r > 0 && <line x1={0} x2={CHART_WIDTH} y1={y - ROW_PADDING / 2} y2={y - ROW_PADDING / 2} className="timeline-row-rule" />}
              <text x={LABEL_WIDTH - 8} y={y + rowHeight / 2 + 4} className="timeline-label" textAnchor="end">
                {row.label.length > 24 ? `${row.label.slice(0, 23)}…` : row.label}
                <title>{row.label}</title>
              </text>
              {row.bars.map((bar) => {
                const left = x(bar.startMs - timeline.originMs);
                const width = Math.max(2, x(bar.endMs - timeline.originMs) - left);
                const laneTop = y + bar.lane * LANE_HEIGHT + (LANE_HEIGHT - BAR_HEIGHT) / 2;
                return (
                  <g
                    key={barId(bar)}
                    className="timeline-bar"
                    data-testid={bar.kind === 'coordinator' ? 'timeline-call-bar' : 'timeline-bar'}
                    data-lane={bar.lane}
                    data-id={barId(bar)}
                    onClick={() => (bar.kind === 'subtask' ? onSelect(bar.subtask.id) : onSelectCall(bar.call.callId))}
                  >
                    <rect x={left} y={laneTop} width={width} height={BAR_HEIGHT} rx={3} className={barClass(bar)} />
                    {width > 10 + 6.5 * barText(bar, grouping).length && (
                      <text x={left + 5} y={laneTop + BAR_HEIGHT / 2 + 4} className="timeline-bar-text">
                        {barText(bar, grouping)}
                      </text>
                    )}
                    <title>{barTitle(bar)}</title>
                  </g>
                );
              })}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
