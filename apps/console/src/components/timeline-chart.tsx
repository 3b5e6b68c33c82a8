import type { Task } from '@mesh/core';
import { useMemo, useState } from 'react';
import { formatDuration } from '../lib/format';
import { buildTimeline, type TimelineGrouping } from '../lib/timeline';

const LABEL_WIDTH = 170;
const ROW_HEIGHT = 30;
const BAR_HEIGHT = 18;
const AXIS_HEIGHT = 24;
const CHART_WIDTH = 900;

/** A Gantt chart of the task's subtasks, one row per agent type or per worker process. */
export function TimelineChart({ task, nowMs, onSelect }: { task: Task; nowMs: number; onSelect(subtaskId: string): void }) {
  const [grouping, setGrouping] = useState<TimelineGrouping>('agent');
  const timeline = useMemo(() => buildTimeline(task, grouping, nowMs), [task, grouping, nowMs]);
  if (!timeline) return <p className="muted">No subtask has started yet.</p>;
  const plotWidth = CHART_WIDTH - LABEL_WIDTH - 10;
  const x = (ms: number) => LABEL_WIDTH + (ms / timeline.spanMs) * plotWidth;
  const height = AXIS_HEIGHT + timeline.rows.length * ROW_HEIGHT + 6;

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
      <svg viewBox={`0 0 ${CHART_WIDTH} ${height}`} width="100%" role="img" aria-label="Subtask timeline">
        {timeline.ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={AXIS_HEIGHT - 4} y2={height} className="timeline-grid" />
            <text x={x(t)} y={AXIS_HEIGHT - 8} className="timeline-tick" textAnchor="middle">
              {formatDuration(t)}
            </text>
          </g>
        ))}
        {timeline.rows.map((row, r) => {
          const y = AXIS_HEIGHT + r * ROW_HEIGHT;
          return (
            <g key={row.label} data-testid="timeline-row">
              <text x={LABEL_WIDTH - 8} y={y + ROW_HEIGHT / 2 + 4} className="timeline-label" textAnchor="end">
                {row.label.length > 24 ? `${row.label.slice(0, 23)}…` : row.label}
                <title>{row.label}</title>
              </text>
              {row.bars.map((bar) => {
                const left = x(bar.startMs - timeline.originMs);
                const width = Math.max(2, x(bar.endMs - timeline.originMs) - left);
                return (
                  <g key={bar.subtask.id} className="timeline-bar" onClick={() => onSelect(bar.subtask.id)}>
                    <rect
                      x={left}
                      y={y + (ROW_HEIGHT - BAR_HEIGHT) / 2}
                      width={width}
                      height={BAR_HEIGHT}
                      rx={3}
                      className={`bar-${bar.subtask.status} ${bar.open ? 'bar-open' : ''}`}
                    />
                    {width > 60 && (
                      <text x={left + 5} y={y + ROW_HEIGHT / 2 + 4} className="timeline-bar-text">
                        {grouping === 'agent' ? bar.subtask.key : bar.subtask.agent_type}
                      </text>
                    )}
                    <title>
                      {`${bar.subtask.agent_type} · ${bar.subtask.key} (iteration ${bar.subtask.iteration})\n${bar.subtask.status}, ${formatDuration(bar.endMs - bar.startMs)}\n${bar.subtask.model ?? ''} ${bar.subtask.worker_id ?? ''}`}
                    </title>
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
