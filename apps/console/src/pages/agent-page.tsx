import type { Agent } from '@mesh/core';
import { useState, type FormEvent } from 'react';
import { learningApi } from '../api/learning-api';
import type { LessonInput, LessonSet, StatRow, StatsReport } from '../api/learning-types';
import { meshApi } from '../api/mesh-api';
import { ErrorMessage } from '../components/error-message';
import { Link } from '../components/link';
import { UsageChart } from '../components/usage-chart';
import { agentTypeStats, modelUsageRows, STATS_WINDOW_LABELS, STATS_WINDOWS, successRate, type StatsWindow } from '../lib/agent-stats';
import { formatMeanRating, ratingStars } from '../lib/feedback';
import { formatCost, formatCount, formatDuration, formatTime } from '../lib/format';
import { lessonSetLabel, lessonsFromText, lessonsProblem, lessonsText, MAX_LESSONS } from '../lib/lessons';
import { paths } from '../lib/router';
import { formatRate } from '../lib/trends';
import { usageChart } from '../lib/usage';
import { useAsync } from '../lib/use-async';

/** How much of the agent's feedback the page lists. */
const FEEDBACK_LIMIT = 50;

/** One agent of a network: how it did over a window, the lessons it is given, and the feedback on its work. */
export function AgentPage({ networkId, agentId }: { networkId: string; agentId: string }) {
  const network = useAsync((signal) => meshApi.getNetwork(networkId, signal), [networkId]);
  const agents = useAsync((signal) => meshApi.listAgents(networkId, signal), [networkId]);
  const agent = agents.data?.agents.find((a) => a.id === agentId);
  if (agents.error) return <ErrorMessage error={agents.error} />;
  if (!agents.data) return <p className="muted">Loading…</p>;
  if (!agent) return <ErrorMessage error={new Error(`This network has no agent ${agentId}.`)} />;
  return (
    <>
      <section className="panel">
        <p className="crumbs">
          <Link href={paths.networks()}>Networks</Link> / <Link href={paths.network(networkId, 'agents')}>{network.data?.name ?? 'network'}</Link> / agent
        </p>
        <h2 data-testid="agent-name">{agent.name}</h2>
        {agent.description && <p className="muted">{agent.description}</p>}
        <dl className="facts">
          <dt>Type</dt>
          <dd>
            <code data-testid="agent-type">{agent.type}</code>
          </dd>
          <dt>Model</dt>
          <dd>{agent.model ?? <span className="muted">default chain</span>}</dd>
          <dt>Temperature</dt>
          <dd>{agent.parameters.temperature}</dd>
          <dt>Max tokens</dt>
          <dd>{agent.parameters.max_tokens}</dd>
        </dl>
      </section>
      <AgentStats networkId={networkId} agent={agent} />
      <AgentLessons networkId={networkId} agent={agent} />
      <AgentFeedback networkId={networkId} agent={agent} />
    </>
  );
}

function AgentStats({ networkId, agent }: { networkId: string; agent: Agent }) {
  const [statsWindow, setStatsWindow] = useState<StatsWindow>('7d');
  const stats = useAsync((signal) => meshApi.networkStats(networkId, { window: statsWindow }, signal), [networkId, statsWindow]);
  const report = stats.data;
  // The coordinator's row: its own model calls (plans, syntheses) and the ratings of the tasks' results.
  const row: StatRow | null = report ? agentTypeStats(report, agent.type) : null;
  return (
    <section className="panel" data-testid="agent-stats">
      <div className="panel-head">
        <h2>Stats</h2>
        <div className="inline">
          <label>
            Window
            <select name="window" value={statsWindow} onChange={(e) => setStatsWindow(e.target.value as StatsWindow)}>
              {STATS_WINDOWS.map((w) => (
                <option key={w} value={w}>
                  {STATS_WINDOW_LABELS[w]}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="secondary" onClick={stats.reload}>
            Refresh
          </button>
        </div>
      </div>
      <ErrorMessage error={stats.error} />
      {report && (
        <>
          <p className="muted small">
            {agent.type === 'coordinator' ? 'The coordinator (its plans and syntheses; ratings of whole tasks)' : `Subtasks of type ${agent.type}`} from {formatTime(report.from)}{' '}
            to {formatTime(report.to)}; the network ran {report.totals.tasks} task(s) in this window.
          </p>
          {row ? <StatFacts row={row} /> : <p className="muted" data-testid="agent-stats-empty">Nothing of this agent type in this window.</p>}
          <ModelStats report={report} agent={agent} />
        </>
      )}
    </section>
  );
}

function StatFacts({ row }: { row: StatRow }) {
  return (
    <dl className="facts" data-testid="agent-stat-facts">
      <dt>Subtasks</dt>
      <dd data-testid="stat-subtasks">{row.subtasks}</dd>
      <dt>Completed</dt>
      <dd>{row.completed}</dd>
      <dt>Failed</dt>
      <dd>{row.failed}</dd>
      <dt>Success rate</dt>
      <dd>{formatRate(successRate(row))}</dd>
      <dt>Mean rating</dt>
      <dd data-testid="stat-mean-rating">
        {formatMeanRating(row.mean_rating)}
        <span className="muted small"> ({row.ratings} rating{row.ratings === 1 ? '' : 's'})</span>
      </dd>
      <dt>Mean confidence</dt>
      <dd>{row.mean_confidence?.toFixed(2) ?? '–'}</dd>
      <dt>Duration p50</dt>
      <dd>{formatDuration(row.p50_duration_ms)}</dd>
      <dt>Duration p95</dt>
      <dd>{formatDuration(row.p95_duration_ms)}</dd>
      <dt>Tokens</dt>
      <dd>
        {formatCount(row.input_tokens)} in / {formatCount(row.output_tokens)} out
      </dd>
      <dt>Cost</dt>
      <dd>{formatCost(row.cost_usd)}</dd>
    </dl>
  );
}

/** The network's models over the window, the agent's own marked: tokens per model as bars, the rest in a table. */
function ModelStats({ report, agent }: { report: StatsReport; agent: Agent }) {
  if (report.models.length === 0) return <p className="muted small">No model answered in this network in this window.</p>;
  const own = (model: string) => agent.model !== null && (model === agent.model || model.endsWith(`:${agent.model}`));
  return (
    <>
      <h3>Models in this network</h3>
      <UsageChart chart={usageChart(modelUsageRows(report), 'model', 'tokens', new Map())} metric="tokens" callsLabel="subtasks" />
      <table className="table" data-testid="agent-model-stats">
        <thead>
          <tr>
            <th>Model</th>
            <th className="num">Subtasks</th>
            <th className="num">Success rate</th>
            <th className="num">Mean rating</th>
            <th className="num">p50</th>
            <th className="num">p95</th>
            <th className="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          {report.models.map((m) => (
            <tr key={m.model} data-testid="model-stat" data-model={m.model}>
              <td>
                {m.model}
                {own(m.model) && <span className="badge">this agent's model</span>}
              </td>
              <td className="num">{m.subtasks}</td>
              <td className="num">{formatRate(successRate(m))}</td>
              <td className="num">{formatMeanRating(m.mean_rating)}</td>
              <td className="num">{formatDuration(m.p50_duration_ms)}</td>
              <td className="num">{formatDuration(m.p95_duration_ms)}</td>
              <td className="num">{formatCost(m.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function AgentLessons({ networkId, agent }: { networkId: string; agent: Agent }) {
  const lessons = useAsync((signal) => learningApi.getLessons(networkId, agent.id, signal), [networkId, agent.id]);
  // What the editor shows; null until the person edits (then it is the person's text, kept across reloads).
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState('');
  const data = lessons.data;
  const current = data?.current ?? null;
  const save = async (next: LessonInput[]) => {
    setError(undefined);
    setSaved('');
    const problem = lessonsProblem(next);
    if (problem) {
      setError(new Error(problem));
      return;
    }
    setBusy(true);
    try {
      const answer = await learningApi.putLessons(networkId, agent.id, next);
      setDraft(null);
      // The reply is the lessons as they are now: shown at once, so the list never lags behind the notice.
      lessons.replace(answer);
      setSaved(answer.current ? `Saved as ${lessonSetLabel(answer.current)}.` : 'Cleared: the agent has no lessons now.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save(lessonsFromText(draft ?? lessonsText(current), current));
  };
  return (
    <section className="panel" data-testid="agent-lessons">
      <h2>Lessons</h2>
      <p className="muted small">
        What this agent is told from past feedback, in every prompt. New lessons are distilled from feedback
        {data ? ` after every ${data.lesson_every} new ratings` : ''}; a person can write them too.
      </p>
      <ErrorMessage error={lessons.error} />
      {data && (
        <>
          <p data-testid="lessons-current-version">
            {current ? `Current: ${lessonSetLabel(current)}, ${formatTime(current.created_at)}.` : 'No lessons yet.'}{' '}
            <span className="muted small" data-testid="lessons-pending">
              {data.pending_feedback} feedback not yet distilled.
            </span>
          </p>
          {current && current.lessons.length > 0 && <LessonList set={current} testId="lessons-current" />}
          <form className="form" onSubmit={submit}>
            <label>
              Lessons <span className="muted">(one a line, at most {MAX_LESSONS})</span>
              <textarea name="lessons" rows={Math.max(4, (draft ?? lessonsText(current)).split('\n').length + 1)} value={draft ?? lessonsText(current)} onChange={(e) => setDraft(e.target.value)} />
            </label>
            <ErrorMessage error={error} />
            {saved && (
              <p className="notice" role="status">
                {saved}
              </p>
            )}
            <div className="inline">
              <button type="submit" disabled={busy}>
                Save lessons
              </button>
              <button type="button" className="secondary" disabled={busy || draft === null} onClick={() => setDraft(null)}>
                Discard changes
              </button>
              <button type="button" className="danger" disabled={busy || !current || current.lessons.length === 0} onClick={() => void save([])}>
                Clear lessons
              </button>
            </div>
          </form>
          <h3>History</h3>
          <LessonHistory history={data.history} />
        </>
      )}
    </section>
  );
}

function LessonList({ set, testId }: { set: LessonSet; testId?: string }) {
  return (
    <ol className="lesson-list" data-testid={testId}>
      {set.lessons.map((l, i) => (
        <li key={i} data-testid="lesson">
          {l.text}
          {l.sources.length > 0 && <span className="muted small"> · from {l.sources.length} feedback</span>}
        </li>
      ))}
    </ol>
  );
}

function LessonHistory({ history }: { history: readonly LessonSet[] }) {
  if (history.length === 0) return <p className="muted small">No version yet.</p>;
  return (
    <table className="table" data-testid="lessons-history">
      <thead>
        <tr>
          <th>Version</th>
          <th>Source</th>
          <th>Created</th>
          <th>Lessons</th>
        </tr>
      </thead>
      <tbody>
        {history.map((set) => (
          <tr key={set.version} data-testid="lessons-version" data-version={set.version} data-source={set.source}>
            <td>{set.version}</td>
            <td>{set.source === 'person' ? 'a person' : 'distilled'}</td>
            <td className="small">{formatTime(set.created_at)}</td>
            <td>
              {set.lessons.length === 0 ? (
                <span className="muted">cleared</span>
              ) : (
                <details>
                  <summary>{set.lessons.length} lesson(s)</summary>
                  <LessonList set={set} />
                </details>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AgentFeedback({ networkId, agent }: { networkId: string; agent: Agent }) {
  const feedback = useAsync((signal) => learningApi.listNetworkFeedback(networkId, { agent_type: agent.type, limit: FEEDBACK_LIMIT }, signal), [networkId, agent.type]);
  const items = feedback.data?.feedback ?? [];
  return (
    <section className="panel" data-testid="agent-feedback">
      <div className="panel-head">
        <h2>Recent feedback</h2>
        <button type="button" className="secondary" onClick={feedback.reload}>
          Refresh
        </button>
      </div>
      <p className="muted small">{agent.type === 'coordinator' ? "Ratings of the tasks' results" : `Ratings of ${agent.type} subtasks`}, newest first.</p>
      <ErrorMessage error={feedback.error} />
      {feedback.data && items.length === 0 && <p className="muted">No feedback yet.</p>}
      {items.length > 0 && (
        <table className="table" data-testid="agent-feedback-table">
          <thead>
            <tr>
              <th>Rating</th>
              <th>Comment</th>
              <th>Correction</th>
              <th>Task</th>
              <th>In lessons</th>
              <th>Given</th>
            </tr>
          </thead>
          <tbody>
            {items.map((f) => (
              <tr key={f.feedback_id} data-testid="agent-feedback-row" data-rating={f.rating}>
                <td className="rating" title={`rated ${f.rating} of 5`}>
                  <span aria-hidden="true">{ratingStars(f.rating)}</span> {f.rating}/5
                </td>
                <td className="pre-wrap">{f.comment ?? <span className="muted">–</span>}</td>
                <td className="pre-wrap small">{f.correction ?? <span className="muted">–</span>}</td>
                <td>
                  <Link href={paths.task(f.network_id, f.task_id)}>{f.subtask_id ? 'subtask of the task' : 'the result'}</Link>
                </td>
                <td className="small">{f.lesson_version !== null ? `version ${f.lesson_version}` : 'not yet'}</td>
                <td className="small">{formatTime(f.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
