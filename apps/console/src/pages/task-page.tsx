import type { Agent, Subtask, Task } from '@mesh/core';
import { useEffect, useState } from 'react';
import { isBudgetExhaustedMessage, isTerminalTaskStatus, watchTask, type WatchMode } from '@mesh/client';
import { meshApi } from '../api/mesh-api';
import { BudgetsLink, ErrorMessage, errorText } from '../components/error-message';
import { Link } from '../components/link';
import { MarkdownView } from '../components/markdown-view';
import { StatusBadge } from '../components/status-badge';
import { TaskApprovals } from '../components/task-approvals';
import { TaskGraph } from '../components/task-graph';
import { TimelineChart } from '../components/timeline-chart';
import { ToolCallList } from '../components/tool-call-list';
import { elapsedMs, formatCost, formatDuration, formatTime } from '../lib/format';
import { modelFallback } from '../lib/model-fallback';
import { summarizeToolCalls } from '../lib/tool-calls';
import { paths } from '../lib/router';
import { useAsync } from '../lib/use-async';

/** Follows the task live (SSE, or polling when the stream is not there) until it ends. */
function useLiveTask(networkId: string, taskId: string): { task: Task | undefined; mode: WatchMode | 'ended' | 'connecting'; error: unknown } {
  const [task, setTask] = useState<Task>();
  const [mode, setMode] = useState<WatchMode | 'ended' | 'connecting'>('connecting');
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const controller = new AbortController();
    setTask(undefined);
    setMode('connecting');
    setError(undefined);
    void watchTask(
      meshApi,
      networkId,
      taskId,
      {
        onTask: (next) => {
          setTask(next);
          setError(undefined);
        },
        onMode: setMode,
        onError: setError,
      },
      { signal: controller.signal },
    ).then((final) => {
      if (!controller.signal.aborted && final && isTerminalTaskStatus(final.status)) setMode('ended');
    });
    return () => controller.abort();
  }, [networkId, taskId]);
  return { task, mode, error };
}

/** "Now", ticking while the task runs (running subtasks' durations grow). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

export function TaskPage({ networkId, taskId }: { networkId: string; taskId: string }) {
  const network = useAsync((signal) => meshApi.getNetwork(networkId, signal), [networkId]);
  const { task, mode, error } = useLiveTask(networkId, taskId);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const running = task !== undefined && !isTerminalTaskStatus(task.status);
  const now = useNow(running);

  if (!task) {
    return error ? <ErrorMessage error={error} /> : <p className="muted">Loading…</p>;
  }
  const agents = network.data?.agents ?? [];
  const selected = task.subtasks?.find((s) => s.id === selectedId) ?? null;
  const ended = isTerminalTaskStatus(task.status);

  return (
    <>
      <section className="panel">
        <p className="crumbs">
          <Link href={paths.networks()}>Networks</Link> / <Link href={paths.network(networkId)}>{network.data?.name ?? 'network'}</Link> / task
        </p>
        <div className="panel-head">
          <h2 className="task-title">{task.task}</h2>
          <div className="inline">
            <StatusBadge status={task.status} testId="task-status" />
            <span className={`live live-${mode}`} data-testid="watch-mode" title="How this page follows the task">
              {mode === 'stream' ? 'live (stream)' : mode === 'polling' ? 'live (polling)' : mode === 'ended' ? 'ended' : 'connecting…'}
            </span>
            {!ended && <CancelButton networkId={networkId} taskId={taskId} />}
          </div>
        </div>
        {error !== undefined && <p className="warning">Connection problem, still trying: {errorText(error)}</p>}
        <dl className="facts">
          <dt>Iterations</dt>
          <dd data-testid="task-iterations">
            {task.iterations} of {task.max_iterations}
          </dd>
          <dt>Priority</dt>
          <dd>{task.priority}</dd>
          <dt>Subtasks</dt>
          <dd>{task.subtasks?.length ?? 0}</dd>
          <dt>Tokens</dt>
          <dd>
            {task.usage.input_tokens} in / {task.usage.output_tokens} out ({task.usage.llm_calls} calls)
          </dd>
          <dt>Cost</dt>
          <dd>{formatCost(task.usage.cost_usd)}</dd>
          <dt>Started</dt>
          <dd>{formatTime(task.started_at)}</dd>
          <dt>Duration</dt>
          <dd>{formatDuration(elapsedMs(task.started_at, task.completed_at ?? (ended ? null : new Date(now).toISOString())))}</dd>
          {task.deadline_at && (
            <>
              <dt>Deadline</dt>
              <dd>{formatTime(task.deadline_at)}</dd>
            </>
          )}
          {(task.waited_ms > 0 || task.awaiting_since) && (
            <>
              <dt>Waited for people</dt>
              <dd data-testid="task-waited">{formatDuration(task.waited_ms + (elapsedMs(task.awaiting_since, new Date(now).toISOString()) ?? 0))}</dd>
            </>
          )}
        </dl>
        {task.status === 'awaiting_approval' && (
          <p className="notice" data-testid="task-awaiting">
            Waiting for a person since {formatTime(task.awaiting_since)}: see Approvals below. Time spent waiting does not count against the task's timeout.
          </p>
        )}
        {task.simulated && <p className="notice small">Answered by the simulated provider: no real model was called.</p>}
        {Object.keys(task.context).length > 0 && (
          <details>
            <summary>Context</summary>
            <pre className="json">{JSON.stringify(task.context, null, 2)}</pre>
          </details>
        )}
      </section>

      <TaskApprovals networkId={networkId} task={task} nowMs={now} />

      <section className="panel">
        <div className="panel-head">
          <h2>Task flow</h2>
          <Legend />
        </div>
        <TaskGraph task={task} agents={agents} selectedId={selectedId} onSelect={setSelectedId} nowMs={now} />
        {selected ? (
          <SubtaskDetail subtask={selected} agents={agents} nowMs={now} onClose={() => setSelectedId(null)} />
        ) : (
          <p className="muted small">Select a subtask in the graph or the timeline to see its result.</p>
        )}
      </section>

      <section className="panel">
        <h2>Timeline</h2>
        <TimelineChart task={task} nowMs={now} onSelect={setSelectedId} />
      </section>

      <section className="panel" data-testid="task-result">
        <h2>Result</h2>
        {task.error && (
          <div className="error" role="alert" data-testid="task-error">
            {task.error}
            {isBudgetExhaustedMessage(task.error) && <BudgetsLink />}
          </div>
        )}
        {task.result ? (
          <>
            <p className="muted small">confidence {task.result.confidence.toFixed(2)}</p>
            <MarkdownView source={task.result.content} className="result" />
            {task.result.explanation && <p className="muted small">{task.result.explanation}</p>}
          </>
        ) : (
          !task.error && <p className="muted">{ended ? 'No result.' : 'The result appears here when the task ends.'}</p>
        )}
      </section>

      <section className="panel">
        <h2>Subtasks</h2>
        <SubtaskTable subtasks={task.subtasks ?? []} agents={agents} onSelect={setSelectedId} />
      </section>
    </>
  );
}

function Legend() {
  return (
    <div className="legend small">
      {['pending', 'queued', 'in_progress', 'awaiting_approval', 'completed', 'failed', 'skipped'].map((s) => (
        <StatusBadge key={s} status={s} />
      ))}
    </div>
  );
}

function CancelButton({ networkId, taskId }: { networkId: string; taskId: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          meshApi.cancelTask(networkId, taskId).then(
            () => setBusy(false),
            (err: unknown) => {
              setError(err);
              setBusy(false);
            },
          );
        }}
      >
        Cancel task
      </button>
      <ErrorMessage error={error} />
    </>
  );
}

function agentFor(subtask: Subtask, agents: Agent[]): Agent | undefined {
  return agents.find((a) => a.id === subtask.agent_id) ?? agents.find((a) => a.type === subtask.agent_type);
}

function SubtaskDetail({ subtask, agents, nowMs, onClose }: { subtask: Subtask; agents: Agent[]; nowMs: number; onClose(): void }) {
  const agent = agentFor(subtask, agents);
  const fallback = modelFallback(agent?.model, subtask.model);
  return (
    <div className="subtask-detail" data-testid="subtask-detail">
      <div className="panel-head">
        <h3>
          {agent?.name ?? subtask.agent_type} · <code>{subtask.key}</code> (iteration {subtask.iteration})
        </h3>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="pre-wrap">{subtask.description}</p>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={subtask.status} />
        </dd>
        <dt>Model</dt>
        <dd>
          {subtask.model ?? '–'}
          {fallback && <span className="badge badge-warn">fallback from {fallback.configured}</span>}
        </dd>
        <dt>Depends on</dt>
        <dd>{subtask.depends_on.length > 0 ? subtask.depends_on.join(', ') : '–'}</dd>
        <dt>Attempts</dt>
        <dd>{subtask.attempts}</dd>
        <dt>Worker</dt>
        <dd>{subtask.worker_id ?? '–'}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(subtask.duration_ms)}</dd>
        <dt>Confidence</dt>
        <dd>{subtask.confidence?.toFixed(2) ?? '–'}</dd>
      </dl>
      {subtask.error && <div className="error">{subtask.error}</div>}
      <ToolCallList calls={subtask.tool_calls ?? []} nowMs={nowMs} />
      {subtask.result && <MarkdownView source={subtask.result} />}
      {subtask.reasoning && (
        <details>
          <summary>Reasoning</summary>
          <MarkdownView source={subtask.reasoning} />
        </details>
      )}
    </div>
  );
}

function SubtaskTable({ subtasks, agents, onSelect }: { subtasks: Subtask[]; agents: Agent[]; onSelect(id: string): void }) {
  if (subtasks.length === 0) return <p className="muted">No subtasks yet.</p>;
  return (
    <table className="table" data-testid="subtasks-table">
      <thead>
        <tr>
          <th>It.</th>
          <th>Agent</th>
          <th>Key</th>
          <th>Status</th>
          <th>Depends on</th>
          <th>Model</th>
          <th>Attempts</th>
          <th>Worker</th>
          <th>Tools</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {subtasks.map((s) => {
          const fallback = modelFallback(agentFor(s, agents)?.model, s.model);
          return (
            <tr key={s.id} onClick={() => onSelect(s.id)} className="clickable">
              <td>{s.iteration}</td>
              <td>{s.agent_type}</td>
              <td>
                <code>{s.key}</code>
              </td>
              <td>
                <StatusBadge status={s.status} />
              </td>
              <td className="small">{s.depends_on.join(', ') || '–'}</td>
              <td className="small">
                {s.model ?? '–'}
                {fallback && <span className="badge badge-warn">fallback</span>}
              </td>
              <td>{s.attempts}</td>
              <td className="small">{s.worker_id ?? '–'}</td>
              <td className="small">
                <ToolCallCount calls={s.tool_calls} />
              </td>
              <td>{formatDuration(s.duration_ms)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ToolCallCount({ calls }: { calls: Subtask['tool_calls'] | undefined }) {
  const summary = summarizeToolCalls(calls);
  if (!summary) return <>–</>;
  return (
    <>
      {calls?.length}
      {summary.failed > 0 && <span className="badge badge-failed">{summary.failed} failed</span>}
    </>
  );
}
