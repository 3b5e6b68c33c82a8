import { formatCost, formatCount } from '../lib/format';
import type { UsageChartModel, UsageMetric } from '../lib/usage';

const CHART_WIDTH = 900;
const LABEL_WIDTH = 200;
const VALUE_WIDTH = 110;
const ROW_HEIGHT = 26;
const BAR_HEIGHT = 16;
const AXIS_HEIGHT = 22;
const MAX_LABEL_CHARS = 28;

/** Horizontal bars, one per usage row: tokens (input and output stacked) or cost, on a shared axis. */
/** `callsLabel`: what a row's `llm_calls` counts, in its tooltip (the agent page's model rows count subtasks). */
export function UsageChart({ chart, metric, callsLabel = 'model calls' }: { chart: UsageChartModel; metric: UsageMetric; callsLabel?: string }) {
  const plotWidth = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const x = (share: number) => LABEL_WIDTH + share * plotWidth;
  const height = AXIS_HEIGHT + chart.bars.length * ROW_HEIGHT + 4;
  const format = (value: number) => (metric === 'tokens' ? formatCount(value) : formatCost(value));
  return (
    <div className="usage-chart">
      <div className="legend small">
        {metric === 'tokens' ? (
          <>
            <span className="legend-swatch usage-input" /> input tokens <span className="legend-swatch usage-output" /> output tokens
          </>
        ) : (
          <>
            <span className="legend-swatch usage-cost" /> cost (USD)
          </>
        )}
      </div>
      <svg viewBox={`0 0 ${CHART_WIDTH} ${height}`} width="100%" role="img" aria-label={`Usage chart: ${metric} per group`} data-testid="usage-chart" data-metric={metric}>
        {chart.ticks.map((tick) => (
          <g key={tick}>
            <line x1={x(tick / chart.axisMax)} x2={x(tick / chart.axisMax)} y1={AXIS_HEIGHT - 4} y2={height} className="timeline-grid" />
            <text x={x(tick / chart.axisMax)} y={AXIS_HEIGHT - 8} className="timeline-tick" textAnchor="middle">
              {format(tick)}
            </text>
          </g>
        ))}
        {chart.bars.map((bar, i) => {
          const y = AXIS_HEIGHT + i * ROW_HEIGHT;
          let left = 0;
          return (
            <g key={bar.row.key} data-testid="usage-bar" data-key={bar.row.key} data-value={bar.value}>
              <text x={LABEL_WIDTH - 8} y={y + ROW_HEIGHT / 2 + 4} className="timeline-label" textAnchor="end">
                {bar.label.length > MAX_LABEL_CHARS ? `${bar.label.slice(0, MAX_LABEL_CHARS - 1)}…` : bar.label}
              </text>
              {bar.segments.map((segment) => {
                const start = left;
                left += segment.share;
                // A value above 0 stays visible however small.
                const width = segment.share > 0 ? Math.max(1, segment.share * plotWidth) : 0;
                return <rect key={segment.part} x={x(start)} y={y + (ROW_HEIGHT - BAR_HEIGHT) / 2} width={width} height={BAR_HEIGHT} className={`usage-${segment.part}`} />;
              })}
              <text x={x(left) + 6} y={y + ROW_HEIGHT / 2 + 4} className="timeline-tick">
                {format(bar.value)}
              </text>
              <title>
                {`${bar.label}\n${formatCount(bar.row.input_tokens)} input tokens, ${formatCount(bar.row.output_tokens)} output tokens\n${formatCost(bar.row.cost_usd)} in ${bar.row.llm_calls} ${callsLabel}`}
              </title>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
