import type { Network } from '@mesh/core';
import { useState, type FormEvent } from 'react';
import { meshApi } from '../api/mesh-api';
import { AgentFields, emptyAgentDraft, toAgentConfig, type AgentDraft } from '../components/agent-fields';
import { ErrorMessage } from '../components/error-message';
import { Link } from '../components/link';
import { formatTime } from '../lib/format';
import { navigate, paths } from '../lib/router';
import { useAsync } from '../lib/use-async';

export function NetworksPage() {
  const networks = useAsync((signal) => meshApi.listNetworks({ limit: 200 }, signal), []);
  return (
    <>
      <section className="panel">
        <div className="panel-head">
          <h2>Networks</h2>
          <button type="button" className="secondary" onClick={networks.reload}>
            Refresh
          </button>
        </div>
        <ErrorMessage error={networks.error} />
        {networks.data && <NetworkTable networks={networks.data.networks} onDeleted={networks.reload} />}
        {networks.loading && !networks.data && <p className="muted">Loading…</p>}
      </section>
      <CreateNetworkForm />
    </>
  );
}

function NetworkTable({ networks, onDeleted }: { networks: Network[]; onDeleted(): void }) {
  if (networks.length === 0) return <p className="muted">No networks yet: create one below.</p>;
  return (
    <table className="table" data-testid="networks-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Agents</th>
          <th>Tasks</th>
          <th>Active</th>
          <th>Memory</th>
          <th>Created</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {networks.map((n) => (
          <tr key={n.id}>
            <td>
              <Link href={paths.network(n.id)}>{n.name}</Link>
              {n.description && <div className="muted small">{n.description}</div>}
            </td>
            <td>{n.counts.agents}</td>
            <td>{n.counts.tasks}</td>
            <td>{n.counts.active_tasks}</td>
            <td>{n.counts.memory_items}</td>
            <td className="small">{formatTime(n.created_at)}</td>
            <td>
              <DeleteButton label="Delete" onConfirm={() => meshApi.deleteNetwork(n.id)} onDone={onDeleted} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Two clicks to delete: the first turns the button into a confirmation. */
export function DeleteButton({ label, onConfirm, onDone }: { label: string; onConfirm(): Promise<unknown>; onDone(): void }) {
  const [armed, setArmed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async () => {
    if (!armed) {
      setArmed(true);
      return;
    }
    setBusy(true);
    try {
      await onConfirm();
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      setArmed(false);
    }
  };
  return (
    <>
      <button type="button" className={armed ? 'danger' : 'secondary'} disabled={busy} onClick={() => void run()} onBlur={() => setArmed(false)}>
        {armed ? 'Confirm delete' : label}
      </button>
      <ErrorMessage error={error} />
    </>
  );
}

function CreateNetworkForm() {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [maxIterations, setMaxIterations] = useState('10');
  const [timeoutSeconds, setTimeoutSeconds] = useState('300');
  const [custom, setCustom] = useState(false);
  const [agents, setAgents] = useState<AgentDraft[]>(() => [
    emptyAgentDraft({ name: 'Coordinator Agent', type: 'coordinator', temperature: '0.3', capabilities: 'task_planning, delegation, synthesis' }),
    emptyAgentDraft(),
  ]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const network = await meshApi.createNetwork({
        name: name.trim(),
        description: description.trim(),
        max_iterations: Number.parseInt(maxIterations, 10),
        timeout_seconds: Number.parseInt(timeoutSeconds, 10),
        ...(custom ? { agents: agents.map(toAgentConfig) } : {}),
      });
      navigate(paths.network(network.id));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section className="panel">
      <h2>Create a network</h2>
      <form onSubmit={(e) => void submit(e)} className="form" data-testid="create-network-form">
        <div className="form-row">
          <label className="wide">
            Name
            <input name="name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} placeholder="Email Campaign Assistant" />
          </label>
          <label>
            Max iterations
            <input name="max_iterations" type="number" min={1} max={50} value={maxIterations} onChange={(e) => setMaxIterations(e.target.value)} />
          </label>
          <label>
            Timeout (s)
            <input name="timeout_seconds" type="number" min={1} max={86400} value={timeoutSeconds} onChange={(e) => setTimeoutSeconds(e.target.value)} />
          </label>
        </div>
        <label>
          Description
          <textarea name="description" rows={2} maxLength={4000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <fieldset className="choice">
          <legend>Agents</legend>
          <label>
            <input type="radio" name="agents-mode" checked={!custom} onChange={() => setCustom(false)} /> The five default agents (coordinator, content, design,
            analytics, personalization)
          </label>
          <label>
            <input type="radio" name="agents-mode" checked={custom} onChange={() => setCustom(true)} /> Custom agents (exactly one of type{' '}
            <code>coordinator</code>)
          </label>
        </fieldset>
        {custom && (
          <div className="agent-list">
            {agents.map((draft, i) => (
              <div className="agent-card" key={i}>
                <AgentFields index={i} draft={draft} onChange={(next) => setAgents(agents.map((a, j) => (j === i ? next : a)))} />
                <button type="button" className="secondary" onClick={() => setAgents(agents.filter((_, j) => j !== i))} disabled={agents.length <= 1}>
                  Remove
                </button>
              </div>
            ))}
            <button type="button" className="secondary" onClick={() => setAgents([...agents, emptyAgentDraft()])}>
              Add an agent
            </button>
          </div>
        )}
        <ErrorMessage error={error} />
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create network'}
          </button>
        </div>
      </form>
    </section>
  );
}
