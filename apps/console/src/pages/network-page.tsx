import { MEMORY_TYPES, TASK_STATUSES } from '@mesh/client';
import type { Agent, MemoryItem, Network } from '@mesh/core';
import { useState, type FormEvent } from 'react';
import { attachmentsApi, type UploadFile } from '../api/attachments-api';
import { meshApi } from '../api/mesh-api';
import { AgentFields, emptyAgentDraft, toAgentConfig } from '../components/agent-fields';
import { AttachmentPicker } from '../components/attachment-picker';
import { ErrorMessage } from '../components/error-message';
import { Link } from '../components/link';
import { StatusBadge } from '../components/status-badge';
import { describeApprovalSettings } from '../lib/approvals';
import { agentWarnings, unservedTypes, workerFix } from '../lib/fleet-coverage';
import { formatCost, formatDuration, formatTime } from '../lib/format';
import { NETWORK_TABS, navigate, paths, type NetworkTab } from '../lib/router';
import { useAsync } from '../lib/use-async';
import { useInterval } from '../lib/use-interval';
import { ApprovalsTab, INBOX_REFRESH_MS } from './approvals-tab';
import { PlaygroundTab } from './playground-tab';
import { DeleteButton } from './networks-page';

/** Pending requests the tab label counts; more show as `200+`. */
const PENDING_COUNT_LIMIT = 200;

/** One `<option>` per value, labelled with the value itself. */
function Options({ values }: { values: readonly string[] }) {
  return values.map((value) => (
    <option key={value} value={value}>
      {value}
    </option>
  ));
}

export function NetworkPage({ networkId, tab }: { networkId: string; tab: NetworkTab }) {
  const network = useAsync((signal) => meshApi.getNetwork(networkId, signal), [networkId]);
  const pending = useAsync((signal) => meshApi.listApprovals(networkId, { status: 'pending', limit: PENDING_COUNT_LIMIT }, signal), [networkId, tab]);
  useInterval(pending.reload, INBOX_REFRESH_MS);
  if (network.error) return <ErrorMessage error={network.error} />;
  if (!network.data) return <p className="muted">Loading…</p>;
  const n = network.data;
  return (
    <>
      <section className="panel">
        <div className="panel-head">
          <div>
            <h2 data-testid="network-name">{n.name}</h2>
            {n.description && <p className="muted">{n.description}</p>}
          </div>
          <DeleteButton label="Delete network" onConfirm={() => meshApi.deleteNetwork(n.id)} onDone={() => navigate(paths.networks())} />
        </div>
        <dl className="facts">
          <dt>Id</dt>
          <dd>
            <code>{n.id}</code>
          </dd>
          <dt>Max iterations</dt>
          <dd>{n.max_iterations}</dd>
          <dt>Timeout</dt>
          <dd>{n.timeout_seconds} s</dd>
          <dt>Agents</dt>
          <dd>{n.counts.agents}</dd>
          <dt>Tasks</dt>
          <dd>
            {n.counts.tasks} ({n.counts.active_tasks} active)
          </dd>
          <dt>Memory items</dt>
          <dd>{n.counts.memory_items}</dd>
          <dt>Asks a person</dt>
          <dd data-testid="network-approvals">
            {describeApprovalSettings(n.approvals)}
            <span className="muted small"> (requests expire after {formatDuration(n.approval_timeout_seconds * 1000)})</span>
          </dd>
        </dl>
        <nav className="tabs">
          {NETWORK_TABS.map((t) => (
            <Link key={t} href={paths.network(n.id, t)} className={t === tab ? 'tab active' : 'tab'} data-testid={`tab-${t}`}>
              {t[0]?.toUpperCase()}
              {t.slice(1)}
              {t === 'approvals' && pending.data && ` (${pendingCount(pending.data.approvals.length)})`}
            </Link>
          ))}
        </nav>
      </section>
      {tab === 'tasks' && <TasksTab network={n} />}
      {tab === 'approvals' && <ApprovalsTab network={n} onRefresh={pending.reload} onSettingsSaved={network.reload} />}
      {tab === 'agents' && <AgentsTab network={n} onChanged={network.reload} />}
      {tab === 'memory' && <MemoryTab network={n} />}
      {tab === 'playground' && <PlaygroundTab network={n} />}
    </>
  );
}

function pendingCount(count: number): string {
  return count >= PENDING_COUNT_LIMIT ? `${PENDING_COUNT_LIMIT}+` : String(count);
}

function TasksTab({ network }: { network: Network }) {
  const [status, setStatus] = useState('');
  const tasks = useAsync(() => meshApi.listTasks(network.id, { status: status || undefined, limit: 50 }), [network.id, status]);
  return (
    <>
      <SubmitTaskForm network={network} />
      <section className="panel">
        <div className="panel-head">
          <h2>Tasks</h2>
          <div className="inline">
            <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="Filter by status">
              <option value="">all statuses</option>
              <Options values={TASK_STATUSES} />
            </select>
            <button type="button" className="secondary" onClick={tasks.reload}>
              Refresh
            </button>
          </div>
        </div>
        <ErrorMessage error={tasks.error} />
        {tasks.data && tasks.data.tasks.length === 0 && <p className="muted">No tasks.</p>}
        {tasks.data && tasks.data.tasks.length > 0 && (
          <table className="table" data-testid="tasks-table">
            <thead>
              <tr>
                <th>Task</th>
                <th>Status</th>
                <th>Priority</th>
                <th>Iterations</th>
                <th>Cost</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.tasks.map((t) => (
                <tr key={t.id} data-testid="task-row" data-task-id={t.id}>
                  <td>
                    <Link href={paths.task(network.id, t.id)}>{t.task.length > 90 ? `${t.task.slice(0, 90)}…` : t.task}</Link>
                  </td>
                  <td>
                    <StatusBadge status={t.status} />
                  </td>
                  <td>{t.priority}</td>
                  <td>
                    {t.iterations}/{t.max_iterations}
                  </td>
                  <td>{formatCost(t.usage.cost_usd)}</td>
                  <td className="small">{formatTime(t.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {tasks.data && tasks.data.total > tasks.data.tasks.length && (
          <p className="muted small">
            Showing the newest {tasks.data.tasks.length} of {tasks.data.total}.
          </p>
        )}
      </section>
    </>
  );
}

function parseContext(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`Context is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('Context must be a JSON object, e.g. {"product_name": "TechPro X1"}');
  return value as Record<string, unknown>;
}

function SubmitTaskForm({ network }: { network: Network }) {
  const [task, setTask] = useState('');
  const [context, setContext] = useState('');
  const [priority, setPriority] = useState('5');
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const parsedContext = parseContext(context);
      setBusy(true);
      const input = { task: task.trim(), context: parsedContext, priority: Number.parseInt(priority, 10) };
      // With files: multipart (the task's JSON plus one part per file); without, the plain JSON call.
      const created = files.length > 0 ? await attachmentsApi.submitTaskWithFiles(network.id, input, files) : await meshApi.submitTask(network.id, input);
      navigate(paths.task(network.id, created.id));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <section className="panel">
      <h2>Submit a task</h2>
      <form className="form" onSubmit={(e) => void submit(e)} data-testid="submit-task-form">
        <label>
          Task
          <textarea
            name="task"
            required
            rows={3}
            maxLength={20000}
            value={task}
            onChange={(e) => setTask(e.target.value)}
            placeholder="Create an email campaign for a new product launch targeting tech professionals"
          />
        </label>
        <div className="form-row">
          <label className="wide">
            Context <span className="muted">(JSON object, optional)</span>
            <textarea
              name="context"
              rows={4}
              className="mono"
              value={context}
              onChange={(e) => setContext(e.target.value)}
              placeholder={'{"product_name": "TechPro X1", "target_audience": "Software developers"}'}
            />
          </label>
          <label>
            Priority <span className="muted">(1 most urgent)</span>
            <select name="priority" value={priority} onChange={(e) => setPriority(e.target.value)}>
              <Options values={Array.from({ length: 10 }, (_, i) => String(i + 1))} />
            </select>
          </label>
        </div>
        <AttachmentPicker files={files} onChange={setFiles} disabled={busy} />
        <ErrorMessage error={error} />
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Submitting…' : 'Submit and run'}
          </button>
        </div>
      </form>
    </section>
  );
}

function AgentsTab({ network, onChanged }: { network: Network; onChanged(): void }) {
  const agents = useAsync(() => meshApi.listAgents(network.id), [network.id]);
  // Read with the agents: which of their types no live worker serves (heartbeats, read at each call).
  const health = useAsync((signal) => meshApi.health(signal), [network.id]);
  const [draft, setDraft] = useState(emptyAgentDraft());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [warnings, setWarnings] = useState<string[]>([]);
  const changed = () => {
    agents.reload();
    health.reload();
    onChanged();
  };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setWarnings([]);
    try {
      const created = await meshApi.addAgent(network.id, toAgentConfig(draft));
      setWarnings(agentWarnings(created));
      setDraft(emptyAgentDraft());
      changed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <section className="panel">
        <h2>Agents</h2>
        <ErrorMessage error={agents.error} />
        {health.error !== undefined && <p className="muted small">Cannot tell which agent types have a live worker: the health report did not answer.</p>}
        {agents.data && (
          <AgentTable agents={agents.data.agents} unserved={health.data ? unservedTypes(health.data) : undefined} networkId={network.id} onRemoved={changed} />
        )}
      </section>
      <section className="panel">
        <h2>Add an agent</h2>
        <form className="form" onSubmit={(e) => void add(e)}>
          <AgentFields index={0} draft={draft} onChange={setDraft} />
          <ErrorMessage error={error} />
          {warnings.length > 0 && (
            <div className="warning" role="status" data-testid="agent-warnings">
              Added, but:
              <ul>
                {warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </div>
          )}
          <div>
            <button type="submit" disabled={busy}>
              Add agent
            </button>
          </div>
        </form>
      </section>
    </>
  );
}

/** An agent type no live worker serves: its subtasks are not planned, and what would serve it. */
function NoWorkerBadge({ agentType }: { agentType: string }) {
  const fix = workerFix(agentType);
  return (
    <>
      <span className="badge badge-warn" data-testid="no-worker-badge" title={`No live worker serves this type: ${fix}`}>
        no worker
      </span>
      <div className="muted small" data-testid="no-worker-fix">
        {fix}
      </div>
    </>
  );
}

/** `unserved`: the types no live worker serves; undefined until the health report has said (`data-coverage` tells which). */
function AgentTable({ agents, unserved, networkId, onRemoved }: { agents: Agent[]; unserved: ReadonlySet<string> | undefined; networkId: string; onRemoved(): void }) {
  return (
    <table className="table" data-testid="agents-table" data-coverage={unserved ? 'known' : 'unknown'}>
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Model</th>
          <th>Temperature</th>
          <th>Max tokens</th>
          <th>Capabilities</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {agents.map((a) => (
          <tr key={a.id} data-testid="agent-row" data-agent-type={a.type}>
            <td>
              <Link href={paths.agent(networkId, a.id)} data-testid="agent-link">
                {a.name}
              </Link>
              {a.description && <div className="muted small">{a.description}</div>}
            </td>
            <td>
              <code>{a.type}</code>
              {unserved?.has(a.type) && <NoWorkerBadge agentType={a.type} />}
            </td>
            <td>{a.model ?? <span className="muted">default chain</span>}</td>
            <td>{a.parameters.temperature}</td>
            <td>{a.parameters.max_tokens}</td>
            <td className="small">{a.capabilities.join(', ')}</td>
            <td>{a.type !== 'coordinator' && <DeleteButton label="Remove" onConfirm={() => meshApi.removeAgent(networkId, a.id)} onDone={onRemoved} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MemoryTab({ network }: { network: Network }) {
  const [query, setQuery] = useState('');
  const [type, setType] = useState('');
  const [limit, setLimit] = useState('50');
  const [search, setSearch] = useState({ query: '', type: '', limit: 50 });
  // The answer carries the search it answers, so a table never shows one search's items under another's label.
  const memory = useAsync(
    async () => ({
      search,
      list: await meshApi.searchMemory(network.id, { query: search.query || undefined, memory_type: search.type || undefined, limit: search.limit }),
    }),
    [network.id, search],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch({ query: query.trim(), type, limit: Number.parseInt(limit, 10) || 50 });
  };
  return (
    <>
      <section className="panel">
        <h2>Shared memory</h2>
        <form className="form-row" onSubmit={submit} data-testid="memory-search-form">
          <label className="wide">
            Search
            <input name="query" value={query} maxLength={500} onChange={(e) => setQuery(e.target.value)} placeholder="relevance search, e.g. send time" />
          </label>
          <label>
            Type
            <select name="memory_type" value={type} onChange={(e) => setType(e.target.value)}>
              <option value="">any</option>
              <Options values={MEMORY_TYPES} />
            </select>
          </label>
          <label>
            Limit
            <input name="limit" type="number" min={1} max={200} value={limit} onChange={(e) => setLimit(e.target.value)} />
          </label>
          <div className="form-submit">
            <button type="submit">Search</button>
          </div>
        </form>
        <ErrorMessage error={memory.error} />
        {memory.loading && <p className="muted small">Searching…</p>}
        {memory.data && <MemoryTable items={memory.data.list.memory} total={memory.data.list.total} searched={memory.data.search.query !== ''} />}
      </section>
      <AddMemoryForm networkId={network.id} onAdded={memory.reload} />
    </>
  );
}

function MemoryTable({ items, total, searched }: { items: MemoryItem[]; total: number; searched: boolean }) {
  if (items.length === 0) return <p className="muted">No memory items{searched ? ' match' : ''}.</p>;
  return (
    <>
      <p className="muted small">
        {items.length} of {total} item(s){searched ? ', most relevant first' : ', newest first'}
      </p>
      <table className="table" data-testid="memory-table">
        <thead>
          <tr>
            <th>Type</th>
            <th>Content</th>
            <th>Confidence</th>
            <th>Importance</th>
            {searched && <th>Relevance</th>}
            <th>Source</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {items.map((m) => (
            <tr key={m.id}>
              <td>
                <span className={`badge memory-${m.memory_type}`}>{m.memory_type}</span>
              </td>
              <td className="pre-wrap">{m.content}</td>
              <td>{m.confidence.toFixed(2)}</td>
              <td>{m.importance.toFixed(2)}</td>
              {searched && <td>{m.relevance?.toFixed(3) ?? '–'}</td>}
              <td className="small">{m.source.kind}</td>
              <td className="small">{formatTime(m.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function AddMemoryForm({ networkId, onAdded }: { networkId: string; onAdded(): void }) {
  const [content, setContent] = useState('');
  const [type, setType] = useState('fact');
  const [confidence, setConfidence] = useState('1');
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setNotice('');
    try {
      const item = await meshApi.addMemory(networkId, { content: content.trim(), memory_type: type, confidence: Number.parseFloat(confidence) });
      setNotice(item.deduplicated ? 'The same content was already stored: it was reinforced.' : 'Stored.');
      setContent('');
      onAdded();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel">
      <h2>Add a memory item</h2>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <label>
          Content
          <textarea name="content" required rows={2} maxLength={10000} value={content} onChange={(e) => setContent(e.target.value)} />
        </label>
        <div className="form-row">
          <label>
            Type
            <select value={type} onChange={(e) => setType(e.target.value)}>
              <Options values={MEMORY_TYPES} />
            </select>
          </label>
          <label>
            Confidence
            <input type="number" min={0} max={1} step={0.05} value={confidence} onChange={(e) => setConfidence(e.target.value)} />
          </label>
          <div className="form-submit">
            <button type="submit">Add</button>
          </div>
        </div>
        <ErrorMessage error={error} />
        {notice && <p className="notice">{notice}</p>}
      </form>
    </section>
  );
}
