import type { Agent, LlmCall, LlmCallList as LlmCallListBody, Subtask, Task } from '@mesh/core';
import { useEffect, useState } from 'react';
import { isBudgetExhaustedMessage, isTerminalTaskStatus, SUBTASK_STATUSES, watchTask, type WatchMode } from '@mesh/client';
import { learningApi } from '../api/learning-api';
import type { Feedback } from '../api/learning-types';
import { meshApi } from '../api/mesh-api';
import { BudgetsLink, ErrorMessage, errorText } from '../components/error-message';
import { Link } from '../components/link';
import { EventLog } from '../components/event-log';
import { FeedbackForm, FeedbackList } from '../components/task-feedback';
import { LlmCallList } from '../components/llm-call-list';
import { MarkdownView } from '../components/markdown-view';
import { StatusBadge } from '../components/status-badge';
import { TaskAttachments } from '../components/task-attachments';
import { TaskApprovals } from '../components/task-approvals';
import { TaskGraph } from '../components/task-graph';
import { TimelineChart } from '../components/timeline-chart';
import { ToolCallList } from '../components/tool-call-list';
import { elapsedMs, formatCost, formatDuration, formatTime } from '../lib/format';
import { feedbackByTarget, RESULT_TARGET } from '../lib/feedback';
import { EVENT_LOG_LIMIT, toLogEntry, traceUrl, type EventLogEntry } from '../lib/event-log';
import { callLabel, isCoordinatorCall, parseCoordinatorOutput, shortCallLabel } from '../lib/llm-calls';
import { modelFallback } from '../lib/model-fallback';
import { summarizeToolCalls } from '../lib/tool-calls';
import { navigate, paths } from '../lib/router';
import { useAsync } from '../lib/use-async';

/** Follows the task live (SSE, or polling when the stream is not there) until it ends. */
function useLiveTask(
  networkId: string,
  taskId: string,
  generation: number,
): { task: Task | undefined; mode: WatchMode | 'ended' | 'connecting'; error: unknown; events: EventLogEntry[] } {
  const [task, setTask] = useState<Task>();
  const [events, setEvents] = useState<EventLogEntry[]>([]);
  const [mode, setMode] = useState<WatchMode | 'ended' | 'connecting'>('connecting');
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const controller = new AbortController();
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
        onEvent: (event) =>
          setEvents((log) => {
            const next = [...log, toLogEntry(event, (log[log.length - 1]?.seq ?? -1) + 1)];
            return next.length > EVENT_LOG_LIMIT ? next.slice(next.length - EVENT_LOG_LIMIT) : next;
          }),
      },
      { signal: controller.signal },
    ).then((final) => {
      if (!controller.signal.aborted && final && isTerminalTaskStatus(final.status)) setMode('ended');
    });
    return () => controller.abort();
    // A new generation (the task was made to run again) follows it again.
  }, [networkId, taskId, generation]);
  return { task, mode, error, events };
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
  // Bumped when a retry makes the ended task run again: the page follows it live again.
  const [generation, setGeneration] = useState(0);
  const { task, mode, error, events } = useLiveTask(networkId, taskId, generation);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [openCallId, setOpenCallId] = useState<string | null>(null);
  /** A coordinator call (plan, repair, synthesis) shown in the flow panel, chosen on the graph or the timeline. */
  const [stageCallId, setStageCallId] = useState<string | null>(null);
  const running = task !== undefined && !isTerminalTaskStatus(task.status);
  const now = useNow(running);
  // Read again whenever the task records more calls or changes status.
  const calls = useAsync((signal) => meshApi.getTaskCalls(networkId, taskId, signal), [networkId, taskId, task?.usage.llm_calls, task?.status]);
  // Feedback can be given once the task has ended: read then, and again after each one sent.
  const hasEnded = task !== undefined && isTerminalTaskStatus(task.status);
  const feedback = useAsync(
    (signal) => (hasEnded ? learningApi.listTaskFeedback(networkId, taskId, signal) : Promise.resolve({ feedback: [] as Feedback[] })),
    [networkId, taskId, hasEnded],
  );

  if (!task) {
    return error ? <ErrorMessage error={error} /> : <p className="muted">Loading…</p>;
  }
  const agents = network.data?.agents ?? [];
  const selected = task.subtasks?.find((s) => s.id === selectedId) ?? null;
  const feedbackOn = feedbackByTarget(feedback.data?.feedback ?? []);
  const ended = isTerminalTaskStatus(task.status);
  const coordinatorCalls = (calls.data?.calls ?? []).filter(isCoordinatorCall);
  const stageCall = coordinatorCalls.find((c) => c.call_id === stageCallId) ?? null;
  const selectSubtask = (id: string | null) => {
    setSelectedId(id);
    setStageCallId(null);
  };
  const selectCall = (callId: string | null) => {
    setStageCallId(callId);
    setSelectedId(null);
  };

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
            {ended && <RerunButton networkId={networkId} taskId={taskId} />}
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
          <dt>Trace</dt>
          <dd data-testid="task-trace">
            <TraceLink traceId={task.trace_id} />
          </dd>
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
        {task.playground && (
          <p className="notice small" data-testid="task-playground">
            A playground run: one agent on an ad-hoc input, without the coordinator; the result is that agent's answer.
          </p>
        )}
        {Object.keys(task.context).length > 0 && (
          <details>
            <summary>Context</summary>
            <pre className="json">{JSON.stringify(task.context, null, 2)}</pre>
          </details>
        )}
      </section>

      <TaskAttachments networkId={networkId} taskId={taskId} attachments={task.attachments} />

      <TaskApprovals networkId={networkId} task={task} nowMs={now} />

      <section className="panel">
        <div className="panel-head">
          <h2>Task flow</h2>
          <Legend />
        </div>
        <TaskGraph
          task={task}
          agents={agents}
          selectedId={selectedId}
          onSelect={selectSubtask}
          onSelectStage={(stage) => selectCall(stageCallFor(coordinatorCalls, stage)?.call_id ?? null)}
          nowMs={now}
        />
        <p className="muted small graph-hint">The page scrolls over the graph: zoom with Ctrl (⌘) + wheel or the + and − buttons, drag to pan.</p>
        {stageCall ? (
          <CoordinatorCallDetail call={stageCall} onClose={() => selectCall(null)} onShowCall={() => setOpenCallId(stageCall.call_id)} />
        ) : selected ? (
          <SubtaskDetail
            subtask={selected}
            agents={agents}
            nowMs={now}
            onClose={() => selectSubtask(null)}
            calls={(calls.data?.calls ?? []).filter((c) => c.subtask_id === selected.id)}
            recording={calls.data?.recording}
            openCallId={openCallId}
            onOpenCall={setOpenCallId}
            retry={retryableSubtask(task, selected) ? { networkId, taskId, onRetried: () => setGeneration((g) => g + 1) } : null}
            feedback={ended ? { networkId, taskId, given: feedbackOn.get(selected.id) ?? [], error: feedback.error, onSent: feedback.reload } : null}
          />
        ) : (
          <p className="muted small">Select a subtask, a coordinator or the result in the graph or the timeline to see what it did.</p>
        )}
      </section>

      <section className="panel">
        <h2>Timeline</h2>
        <TimelineChart
          task={task}
          nowMs={now}
          coordinatorCalls={coordinatorCalls.map((c) => ({ callId: c.call_id, label: callLabel(c), shortLabel: shortCallLabel(c), startedAt: c.started_at, endedAt: c.ended_at, outcome: c.outcome }))}
          onSelect={selectSubtask}
          onSelectCall={selectCall}
        />
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
        {ended && (
          <div className="feedback" data-testid="result-feedback">
            <h3>Feedback on the result</h3>
            <ErrorMessage error={feedback.error} />
            <FeedbackList feedback={feedbackOn.get(RESULT_TARGET) ?? []} empty="No feedback on the result yet." />
            <FeedbackForm networkId={networkId} taskId={taskId} subtaskId={null} subject="the result" onSent={feedback.reload} />
          </div>
        )}
      </section>

      <section className="panel" data-testid="calls-panel">
        <div className="panel-head">
          <h2>Model calls</h2>
          <CallSummary calls={calls.data} />
        </div>
        {calls.error !== undefined && !calls.data ? (
          <ErrorMessage error={calls.error} />
        ) : (
          <LlmCallList calls={calls.data?.calls ?? []} recording={calls.data?.recording} openCallId={openCallId} onOpen={setOpenCallId} />
        )}
      </section>

      <section className="panel">
        <h2>Subtasks</h2>
        <SubtaskTable subtasks={task.subtasks ?? []} agents={agents} onSelect={selectSubtask} feedbackOn={feedbackOn} />
      </section>

      <section className="panel" data-testid="events-panel">
        <h2>Event log</h2>
        {mode === 'polling' && <p className="notice small">The API's event stream is not available here: the page polls the task, and no events are listed.</p>}
        <EventLog entries={events} live={mode === 'stream'} />
      </section>
    </>
  );
}

/** The operator's trace viewer (MESH_TRACE_URL_TEMPLATE, handed to the page in a meta tag), or the bare trace id. */
function TraceLink({ traceId }: { traceId: string | null }) {
  if (!traceId) return <>–</>;
  const template = document.querySelector<HTMLMetaElement>('meta[name="mesh-trace-url-template"]')?.content ?? null;
  const href = traceUrl(template, traceId);
  if (!href) return <code title="Set MESH_TRACE_URL_TEMPLATE to link to your trace viewer">{traceId}</code>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" data-testid="trace-link">
      open trace <code>{traceId.slice(0, 12)}…</code>
    </a>
  );
}

/** Every status a node of the graph can show: each subtask status (the coordinator and result nodes show task statuses, all among them). */
function Legend() {
  return (
    <div className="legend small" data-testid="graph-legend">
      {SUBTASK_STATUSES.map((s) => (
        <StatusBadge key={s} status={s} />
      ))}
    </div>
  );
}

/** Whether a person may retry this subtask now: it failed, its task has completed or failed, and no later iteration was planned from its failure. */
function retryableSubtask(task: Task, subtask: Subtask): boolean {
  if (subtask.status !== 'failed' || (task.status !== 'completed' && task.status !== 'failed')) return false;
  const last = Math.max(0, ...(task.subtasks ?? []).map((s) => s.iteration));
  return subtask.iteration === last;
}

/** A new task with the same input; the page moves to it. */
function RerunButton({ networkId, taskId }: { networkId: string; taskId: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <>
      <button
        type="button"
        className="secondary"
        disabled={busy}
        title="Start a new task with the same input"
        onClick={() => {
          setBusy(true);
          meshApi.rerunTask(networkId, taskId).then(
            (created) => navigate(paths.task(networkId, created.id)),
            (err: unknown) => {
              setError(err);
              setBusy(false);
            },
          );
        }}
      >
        Re-run
      </button>
      <ErrorMessage error={error} />
    </>
  );
}

function RetryButton({ networkId, taskId, subtaskId, onRetried }: { networkId: string; taskId: string; subtaskId: string; onRetried(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <div className="inline retry">
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          meshApi.retrySubtask(networkId, taskId, subtaskId).then(
            () => {
              setBusy(false);
              onRetried();
            },
            (err: unknown) => {
              setError(err);
              setBusy(false);
            },
          );
        }}
      >
        Retry this subtask
      </button>
      <span className="muted small">Runs it again through the queue; the coordinator then plans again and the task's result is recomputed.</span>
      <ErrorMessage error={error} />
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

/** The call behind a stage of the graph: an iteration's plan (its repair, if one was needed), or the synthesis. */
function stageCallFor(calls: readonly LlmCall[], stage: { kind: 'coordinator'; iteration: number } | { kind: 'result' }): LlmCall | undefined {
  if (stage.kind === 'coordinator') return calls.filter((c) => c.purpose !== 'finalize' && c.iteration === stage.iteration).at(-1);
  return calls.find((c) => c.purpose === 'finalize') ?? calls.filter((c) => c.purpose !== 'finalize').at(-1);
}

/** What a coordinator call decided: its reasoning, the plan or the result, the memories it kept, the memory it was given. */
function CoordinatorCallDetail({ call, onClose, onShowCall }: { call: LlmCall; onClose(): void; onShowCall(): void }) {
  const decided = parseCoordinatorOutput(call.output?.text ?? null);
  const memory = call.prompt?.memory_items ?? null;
  return (
    <div className="coordinator-detail" data-testid="coordinator-detail">
      <div className="panel-head">
        <h3>{callLabel(call)}</h3>
        <div className="inline">
          <button type="button" className="secondary" onClick={onShowCall}>
            Show the whole call
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      <dl className="facts">
        <dt>Model</dt>
        <dd>
          {call.provider}:{call.model}
          {call.fell_back && <span className="badge badge-warn">fallback</span>}
        </dd>
        <dt>Outcome</dt>
        <dd>{call.outcome}</dd>
        <dt>Attempts</dt>
        <dd>{call.attempts.length}</dd>
        <dt>Tokens</dt>
        <dd>
          {call.input_tokens} in / {call.output_tokens} out
        </dd>
        <dt>Latency</dt>
        <dd>{formatDuration(call.latency_ms)}</dd>
      </dl>
      {!call.prompt && <p className="muted small">The prompt and answer of this call are not stored.</p>}
      {decided?.reasoning && (
        <>
          <h4>Reasoning</h4>
          <p className="pre-wrap" data-testid="coordinator-reasoning">
            {decided.reasoning}
          </p>
        </>
      )}
      {decided && decided.subtasks.length > 0 && (
        <>
          <h4>Plan</h4>
          <table className="table" data-testid="coordinator-plan">
            <thead>
              <tr>
                <th>Key</th>
                <th>Agent</th>
                <th>Depends on</th>
                <th>Attachments</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {decided.subtasks.map((s) => (
                <tr key={s.key}>
                  <td>
                    <code>{s.key}</code>
                  </td>
                  <td>{s.agent_type}</td>
                  <td className="small">{s.depends_on.join(', ') || '–'}</td>
                  <td className="small">{s.attachments.join(', ') || '–'}</td>
                  <td className="small">{s.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {decided?.result && (
        <>
          <h4>Result {decided.result.confidence !== null && <span className="muted small">confidence {decided.result.confidence.toFixed(2)}</span>}</h4>
          <MarkdownView source={decided.result.content} className="result" />
        </>
      )}
      {decided && decided.newMemories.length > 0 && (
        <>
          <h4>New memories</h4>
          <ul className="llm-call-memory">
            {decided.newMemories.map((m, i) => (
              <li key={i} className={`memory-${m.type}`}>
                <span className="badge">{m.type}</span> {m.content}
              </li>
            ))}
          </ul>
        </>
      )}
      {memory && (
        <>
          <h4>Memory used ({memory.length})</h4>
          {memory.length === 0 ? (
            <p className="muted small">No memory item was retrieved for this call.</p>
          ) : (
            <ul className="llm-call-memory" data-testid="coordinator-memory">
              {memory.map((m) => (
                <li key={m.id} className={`memory-${m.memory_type}`}>
                  <span className="badge">{m.memory_type}</span> {m.content}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

function CallSummary({ calls }: { calls: LlmCallListBody | undefined }) {
  if (!calls) return null;
  const fallbacks = calls.calls.filter((c) => c.fell_back).length;
  const failed = calls.calls.filter((c) => c.outcome !== 'success').length;
  return (
    <span className="small muted" data-testid="calls-summary">
      {calls.calls.length} calls · {calls.calls.reduce((n, c) => n + c.attempts.length, 0)} attempts
      {fallbacks > 0 && ` · ${fallbacks} answered by a fallback`}
      {failed > 0 && ` · ${failed} failed`}
      {!calls.recording.prompts && ' · prompts not recorded'}
    </span>
  );
}

function SubtaskDetail({
  subtask,
  agents,
  nowMs,
  onClose,
  calls,
  recording,
  openCallId,
  onOpenCall,
  retry,
  feedback,
}: {
  subtask: Subtask;
  agents: Agent[];
  nowMs: number;
  onClose(): void;
  calls: LlmCall[];
  recording: LlmCallListBody['recording'] | undefined;
  openCallId: string | null;
  onOpenCall(callId: string | null): void;
  /** Set when this subtask can be retried now. */
  retry: { networkId: string; taskId: string; onRetried(): void } | null;
  /** Set once the task has ended: the feedback given on this subtask, and a form for more. */
  feedback: { networkId: string; taskId: string; given: Feedback[]; error: unknown; onSent(): void } | null;
}) {
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
        <dt>Attachments</dt>
        <dd data-testid="subtask-attachments">{subtask.attachments.join(', ') || '–'}</dd>
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
      {retry && <RetryButton networkId={retry.networkId} taskId={retry.taskId} subtaskId={subtask.id} onRetried={retry.onRetried} />}
      <ToolCallList calls={subtask.tool_calls ?? []} nowMs={nowMs} />
      {subtask.result && <MarkdownView source={subtask.result} />}
      {subtask.reasoning && (
        <details>
          <summary>Reasoning</summary>
          <MarkdownView source={subtask.reasoning} />
        </details>
      )}
      {feedback && (
        <div className="feedback" data-testid="subtask-feedback">
          <h4>Feedback on this subtask</h4>
          <ErrorMessage error={feedback.error} />
          <FeedbackList feedback={feedback.given} empty="No feedback on this subtask yet." />
          <FeedbackForm key={subtask.id} networkId={feedback.networkId} taskId={feedback.taskId} subtaskId={subtask.id} subject={`subtask ${subtask.key}`} onSent={feedback.onSent} />
        </div>
      )}
      <h4>Model calls of this subtask</h4>
      <LlmCallList calls={calls} recording={recording} openCallId={openCallId} onOpen={onOpenCall} testId="subtask-llm-calls" />
    </div>
  );
}

function SubtaskTable({ subtasks, agents, onSelect, feedbackOn }: { subtasks: Subtask[]; agents: Agent[]; onSelect(id: string): void; feedbackOn: ReadonlyMap<string, Feedback[]> }) {
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
          <th>Attachments</th>
          <th>Model</th>
          <th>Attempts</th>
          <th>Worker</th>
          <th>Tools</th>
          <th>Duration</th>
          <th>Ratings</th>
        </tr>
      </thead>
      <tbody>
        {subtasks.map((s) => {
          const fallback = modelFallback(agentFor(s, agents)?.model, s.model);
          const ratings = (feedbackOn.get(s.id) ?? []).map((f) => f.rating);
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
              <td className="small" data-testid="subtask-attachment-names">
                {s.attachments.join(', ') || '–'}
              </td>
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
              <td className="small" data-testid="subtask-ratings">
                {ratings.join(', ') || '–'}
              </td>
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
