import type { LlmCall, LlmCallList as LlmCallListBody, LlmCallMessage } from '@mesh/core';
import { Fragment } from 'react';
import { formatCost, formatDuration, formatTime } from '../lib/format';
import { callLabel, splitMemoryBlocks } from '../lib/llm-calls';
import { StatusBadge } from './status-badge';

/**
 * A task's model calls (or one subtask's), one row each; a row opens what the call sent and got
 * back. Prompts hold user text and model output: shown as text only (React escapes it).
 */
export function LlmCallList({
  calls,
  recording,
  openCallId,
  onOpen,
  testId = 'llm-calls',
}: {
  calls: readonly LlmCall[];
  recording: LlmCallListBody['recording'] | undefined;
  openCallId: string | null;
  onOpen(callId: string | null): void;
  testId?: string;
}) {
  if (calls.length === 0) return <p className="muted small">No model call yet.</p>;
  return (
    <table className="table llm-calls" data-testid={testId}>
      <thead>
        <tr>
          <th>#</th>
          <th>Call</th>
          <th>Model</th>
          <th>Outcome</th>
          <th className="num">Attempts</th>
          <th className="num">Tokens in / out</th>
          <th className="num">Cost</th>
          <th className="num">Latency</th>
        </tr>
      </thead>
      <tbody>
        {calls.map((call, index) => {
          const open = call.call_id === openCallId;
          return (
            <Fragment key={call.call_id}>
              <tr
                className={`clickable ${open ? 'selected' : ''}`}
                data-testid="llm-call"
                data-purpose={call.purpose ?? ''}
                data-call-id={call.call_id}
                onClick={() => onOpen(open ? null : call.call_id)}
              >
                <td>{index + 1}</td>
                <td>{callLabel(call)}</td>
                <td className="small">
                  {call.provider}:{call.model}
                  {call.fell_back && <span className="badge badge-warn">fallback</span>}
                </td>
                <td>
                  <StatusBadge status={call.outcome === 'success' ? 'completed' : 'failed'} />
                  {call.outcome !== 'success' && <span className="small"> {call.outcome}</span>}
                </td>
                <td className="num">{call.attempts.length}</td>
                <td className="num">
                  {call.input_tokens} / {call.output_tokens}
                </td>
                <td className="num">{formatCost(call.cost_usd)}</td>
                <td className="num">{formatDuration(call.latency_ms)}</td>
              </tr>
              {open && (
                <tr className="llm-call-open">
                  <td colSpan={8}>
                    <LlmCallDetail call={call} recording={recording} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

function LlmCallDetail({ call, recording }: { call: LlmCall; recording: LlmCallListBody['recording'] | undefined }) {
  return (
    <div className="llm-call-detail" data-testid="llm-call-detail">
      <p className="small muted">
        {formatTime(call.started_at)} · {callLabel(call)} · call {call.call_id}
      </p>
      <h4>Attempts</h4>
      <table className="table" data-testid="llm-call-attempts">
        <thead>
          <tr>
            <th>Model</th>
            <th>Chain</th>
            <th>Attempt</th>
            <th>Outcome</th>
            <th className="num">Tokens</th>
            <th className="num">Cost</th>
            <th className="num">Latency</th>
          </tr>
        </thead>
        <tbody>
          {call.attempts.map((a, i) => (
            <tr key={i} data-testid="llm-call-attempt" data-outcome={a.outcome}>
              <td className="small">
                {a.provider}:{a.model}
              </td>
              <td>{a.chain_position === 0 ? 'first' : `fallback ${a.chain_position}`}</td>
              <td>
                {a.attempt}
                {a.kind === 'repair' && <span className="badge">repair</span>}
              </td>
              <td>
                {a.outcome}
                {a.error_class && <span className="badge badge-failed">{a.error_class}</span>}
                {a.error_message && <div className="small muted">{a.error_message}</div>}
              </td>
              <td className="num">
                {a.input_tokens} / {a.output_tokens}
              </td>
              <td className="num">{formatCost(a.cost_usd)}</td>
              <td className="num">{formatDuration(a.latency_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {call.prompt ? (
        <>
          <h4>System prompt</h4>
          <pre className="prompt" data-testid="llm-call-system">
            {call.prompt.system}
          </pre>
          <h4>
            Messages as sent <span className="muted small">({call.prompt.messages.length})</span>
          </h4>
          {call.prompt.messages.map((m, i) => (
            <PromptMessage key={i} message={m} />
          ))}
          <h4>
            Retrieved memory <span className="muted small">({call.prompt.memory_items.length} items, marked in the prompt)</span>
          </h4>
          {call.prompt.memory_items.length === 0 ? (
            <p className="muted small">No memory item was retrieved into this prompt.</p>
          ) : (
            <ul className="llm-call-memory" data-testid="llm-call-memory">
              {call.prompt.memory_items.map((item) => (
                <li key={item.id} className={`memory-${item.memory_type}`}>
                  <span className="badge">{item.memory_type}</span> {item.content}
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <p className="notice small" data-testid="llm-call-no-prompt">
          {recording && !recording.prompts
            ? 'This deployment does not store prompts and answers (MESH_LLM_RECORD_PROMPTS=false): only usage is recorded.'
            : `The prompt and answer of this call are not stored (not recorded, or older than the ${recording?.retention_days ?? '–'}-day retention).`}
        </p>
      )}
      {call.rejected_outputs.map((r, i) => (
        <Fragment key={i}>
          <h4>
            Refused answer <span className="muted small">(invalid output, attempt {r.attempt}{r.chain_position > 0 ? `, fallback ${r.chain_position}` : ''})</span>
          </h4>
          <pre className="prompt prompt-refused">{r.text}</pre>
        </Fragment>
      ))}
      {call.output && (
        <>
          <h4>Raw output</h4>
          <pre className="prompt" data-testid="llm-call-output">
            {call.output.text}
          </pre>
          {call.output.tool_calls.length > 0 && (
            <pre className="prompt" data-testid="llm-call-output-tools">
              {call.output.tool_calls.map((c) => `${c.name}(${JSON.stringify(c.arguments)})`).join('\n')}
            </pre>
          )}
        </>
      )}
    </div>
  );
}

function PromptMessage({ message }: { message: LlmCallMessage }) {
  const who = message.role === 'tool' ? `tool result${message.name ? ` · ${message.name}` : ''}${message.is_error ? ' (error)' : ''}` : message.role;
  return (
    <div className="prompt-message" data-testid="llm-call-message" data-role={message.role}>
      <div className="small muted">{who}</div>
      <pre className="prompt">
        {splitMemoryBlocks(message.content).map((part, i) =>
          part.memory ? (
            <mark key={i} className="prompt-memory" data-testid="prompt-memory" title="Retrieved memory">
              {part.text}
            </mark>
          ) : (
            <Fragment key={i}>{part.text}</Fragment>
          ),
        )}
      </pre>
      {message.tool_calls && message.tool_calls.length > 0 && (
        <pre className="prompt">{message.tool_calls.map((c) => `→ ${c.name}(${JSON.stringify(c.arguments)})`).join('\n')}</pre>
      )}
    </div>
  );
}
