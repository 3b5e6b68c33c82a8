import type { Network } from '@mesh/core';
import { useState, type FormEvent } from 'react';
import { meshApi } from '../api/mesh-api';
import { ErrorMessage } from '../components/error-message';
import { navigate, paths } from '../lib/router';

/**
 * The agent playground: one specialist of the network on an ad-hoc input, run through the real
 * worker pool as a task of one subtask (no coordinator); the page moves to that task to watch it live.
 */
export function PlaygroundTab({ network }: { network: Network }) {
  const specialists = (network.agents ?? []).filter((a) => a.type !== 'coordinator');
  const [agentId, setAgentId] = useState(specialists[0]?.id ?? '');
  const [input, setInput] = useState('');
  const [context, setContext] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const run = (event: FormEvent) => {
    event.preventDefault();
    let parsed: Record<string, unknown> | undefined;
    if (context.trim()) {
      try {
        const value: unknown = JSON.parse(context);
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
        parsed = value as Record<string, unknown>;
      } catch {
        setError(new Error('Context must be a JSON object, e.g. {"tone": "bold"}'));
        return;
      }
    }
    setBusy(true);
    setError(undefined);
    meshApi.runInPlayground(network.id, agentId, { input, ...(parsed ? { context: parsed } : {}) }).then(
      (task) => navigate(paths.task(network.id, task.id)),
      (err: unknown) => {
        setError(err);
        setBusy(false);
      },
    );
  };

  if (specialists.length === 0) return <section className="panel"><p className="muted">This network has no specialist to try.</p></section>;
  return (
    <section className="panel" data-testid="playground">
      <h2>Playground</h2>
      <p className="muted small">
        Runs one agent on your input through the worker pool, without the coordinator: the task's result is that agent's answer. Its prompt, memory, model calls and events show on the task page as for any run.
      </p>
      <form className="form" onSubmit={run}>
        <label>
          Agent
          <select name="agent" value={agentId} onChange={(e) => setAgentId(e.target.value)}>
            {specialists.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.type})
              </option>
            ))}
          </select>
        </label>
        <label>
          Input
          <textarea name="input" rows={4} value={input} required onChange={(e) => setInput(e.target.value)} />
        </label>
        <label>
          Context (JSON object, optional)
          <textarea name="context" rows={2} value={context} onChange={(e) => setContext(e.target.value)} />
        </label>
        <button type="submit" disabled={busy || !agentId || input.trim() === ''}>
          Run the agent
        </button>
        <ErrorMessage error={error} />
      </form>
    </section>
  );
}
