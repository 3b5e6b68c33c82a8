import type { TrendDay } from '@mesh/core';
import { metricValue, type TrendMetric } from '../lib/trends';

const WIDTH = 900;
const HEIGHT = 150;
const AXIS = 18;
const LEFT = 8;

/** One column per UTC day of a range for one metric (empty days show no bar); the value above it. */
export function DayChart({ days, metric, format }: { days: readonly TrendDay[]; metric: TrendMetric; format(value: number): string }) {
  const values = days.map((d) => metricValue(d, metric));
  const max = Math.max(metric === 'failure_rate' ? 1 : 0, ...values.map((v) => v ?? 0)) || 1;
  const slot = (WIDTH - LEFT) / Math.max(1, days.length);
  const plot = HEIGHT - AXIS - 16;
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label={`${metric} per day`} data-testid="day-chart" data-metric={metric}>
      {days.map((day, i) => {
        const value = values[i] ?? null;
        const h = value === null ? 0 : Math.max(value > 0 ? 1 : 0, (value / max) * plot);
        const x = LEFT + i * slot;
        return (
          <g key={day.day} data-testid="day-bar" data-day={day.day} data-value={value ?? ''}>
            {h > 0 && <rect x={x + slot * 0.15} y={HEIGHT - AXIS - h} width={slot * 0.7} height={h} className={`trend-${metric}`} />}
            {value !== null && (
              <text x={x + slot / 2} y={HEIGHT - AXIS - h - 4} textAnchor="middle" className="timeline-tick">
                {format(value)}
              </text>
            )}
            <text x={x + slot / 2} y={HEIGHT - 4} textAnchor="middle" className="timeline-tick">
              {day.day.slice(5)}
            </text>
            <title>{`${day.day}: ${value === null ? 'nothing ended' : format(value)}`}</title>
          </g>
        );
      })}
    </svg>
  );
}
