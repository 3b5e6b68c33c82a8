import type { ToolCallView } from '@mesh/core';
import { formatDuration } from '../lib/format';
import { formatToolArguments, toolCallMs } from '../lib/tool-calls';
import { StatusBadge } from './status-badge';

/** What the result cell says while a call has no result yet. */
const PENDING_RESULT_LABELS: Partial<Record<ToolCallView['status'], string>> = {
  running: 'running…',
  awaiting_approval: 'waiting for a person…',
  approved: 'approved, about to run…',
};

/**
 * A subtask's tool calls in the order the model made them. Arguments come from the model and
 * results from outside services: both are untrusted, so they are shown as text only (React
 * escapes them), never as Markdown or HTML.
 */
export function ToolCallList({ calls, nowMs }: { calls: readonly ToolCallView[]; nowMs: number }) {
  if (calls.length === 0) return null;
  return (
    <div className="tool-calls" data-testid="tool-calls">
      <h4>Tool calls</h4>
      <table className="table">
        <thead>
          <tr>
            <th>#</th>
            <th>Tool</th>
            <th>Status</th>
            <th>Duration</th>
            <th>Arguments</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call, index) => (
            <tr key={call.id} data-testid="tool-call" data-tool={call.tool} data-status={call.status}>
              <td>{index + 1}</td>
              <td>
                <code>{call.tool}</code>
              </td>
              <td>
                <StatusBadge status={call.status} />
              </td>
              <td data-testid="tool-call-duration">{formatDuration(toolCallMs(call, nowMs))}</td>
              <td>
                <pre className="json tool-call-arguments">{formatToolArguments(call.arguments)}</pre>
              </td>
              <td>
                {call.error && (
                  <div className="error" data-testid="tool-call-error">
                    {call.error}
                  </div>
                )}
                {call.result !== null && call.result !== call.error && (
                  <pre className="tool-call-result" data-testid="tool-call-result">
                    {call.result}
                  </pre>
                )}
                {call.result === null && !call.error && <span className="muted">{PENDING_RESULT_LABELS[call.status] ?? '–'}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
