import { APPROVAL_KINDS, APPROVAL_STATUSES } from '@mesh/client';
import type { Approval, ApprovalSettings, Network } from '@mesh/core';
import { useRef, useState, type FormEvent } from 'react';
import { meshApi } from '../api/mesh-api';
import { ErrorMessage } from '../components/error-message';
import { Link } from '../components/link';
import { StatusBadge } from '../components/status-badge';
import { APPROVAL_KIND_LABELS, describeApprovalSettings, isOverdue, summarizeApproval } from '../lib/approvals';
import { formatTime } from '../lib/format';
import { paths } from '../lib/router';
import { useAsync } from '../lib/use-async';
import { useInterval } from '../lib/use-interval';

/** How often the inbox reads the network's requests again. */
export const INBOX_REFRESH_MS = 5_000;
const INBOX_LIMIT = 100;
/** Tasks whose titles one read fetches (the newest); a request of an older task shows its id. */
const TITLE_LOOKUP_LIMIT = 200;

const STATUS_FILTERS = ['pending', 'all', ...APPROVAL_STATUSES.filter((s) => s !== 'pending')] as const;

/** The network's requests for a person (pending ones by default, newest first), and where the network asks. */
export function ApprovalsTab({ network, onRefresh, onSettingsSaved }: { network: Network; onRefresh(): void; onSettingsSaved(): void }) {
  const [status, setStatus] = useState<string>('pending');
  const [kind, setKind] = useState('');
  // Task texts do not change: each is fetched once, when a request of a task not seen yet appears.
  const titles = useRef(new Map<string, string>());
  const approvals = useAsync(
    async (signal) => {
      const list = await meshApi.listApprovals(network.id, { status: status === 'all' ? undefined : status, kind: kind || undefined, limit: INBOX_LIMIT }, signal);
      if (list.approvals.some((a) => !titles.current.has(a.task_id))) {
        const tasks = await meshApi.listTasks(network.id, { limit: TITLE_LOOKUP_LIMIT }, signal);
        for (const t of tasks.tasks) titles.current.set(t.id, t.task);
      }
      return list.approvals;
    },
    [network.id, status, kind],
  );
  // The network page refreshes its count of pending requests on the same beat.
  useInterval(approvals.reload, INBOX_REFRESH_MS);

  return (
    <>
      <section className="panel">
        <div className="panel-head">
          <h2>Approvals</h2>
          <div className="inline">
            <select name="approval-status" value={status} onChange={(e) => setStatus(e.target.value)} aria-label="Filter by status">
              {STATUS_FILTERS.map((s) => (
                <option key={s} value={s}>
                  {s === 'all' ? 'all statuses' : s}
                </option>
              ))}
            </select>
            <select name="approval-kind" value={kind} onChange={(e) => setKind(e.target.value)} aria-label="Filter by kind">
              <option value="">all kinds</option>
              {APPROVAL_KINDS.map((k) => (
                <option key={k} value={k}>
                  {APPROVAL_KIND_LABELS[k]}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                approvals.reload();
                onRefresh();
              }}
            >
              Refresh
            </button>
          </div>
        </div>
        <ErrorMessage error={approvals.error} />
        {approvals.data && approvals.data.length === 0 && (
          <p className="muted" data-testid="approvals-empty">
            {status === 'pending' ? 'Nothing waits for a decision.' : 'No requests.'}
          </p>
        )}
        {approvals.data && approvals.data.length > 0 && <ApprovalTable approvals={approvals.data} networkId={network.id} titles={titles.current} />}
        {approvals.data && approvals.data.length === INBOX_LIMIT && <p className="muted small">Showing the newest {INBOX_LIMIT}.</p>}
      </section>
      <ApprovalSettingsForm network={network} onSaved={onSettingsSaved} />
    </>
  );
}

function ApprovalTable({ approvals, networkId, titles }: { approvals: Approval[]; networkId: string; titles: ReadonlyMap<string, string> }) {
  const now = Date.now();
  return (
    <table className="table" data-testid="approvals-table">
      <thead>
        <tr>
          <th>Kind</th>
          <th>Task</th>
          <th>Request</th>
          <th>Status</th>
          <th>Requested</th>
          <th>Expires</th>
        </tr>
      </thead>
      <tbody>
        {approvals.map((a) => {
          const title = titles.get(a.task_id);
          return (
            <tr key={a.id} data-testid="approval-row" data-approval-id={a.id} data-task-id={a.task_id} data-kind={a.kind} data-status={a.status}>
              <td>{APPROVAL_KIND_LABELS[a.kind]}</td>
              <td>
                <Link href={paths.task(networkId, a.task_id)} data-testid="approval-task-link">
                  {title ? (title.length > 60 ? `${title.slice(0, 60)}…` : title) : `task ${a.task_id.slice(0, 8)}`}
                </Link>
              </td>
              <td className="small" data-testid="approval-summary">
                {summarizeApproval(a)}
              </td>
              <td>
                <StatusBadge status={a.status} />
                {a.decided_by && <div className="muted small">by {a.decided_by}</div>}
              </td>
              <td className="small">{formatTime(a.requested_at)}</td>
              <td className="small">
                {a.status === 'pending' ? formatTime(a.expires_at) : '–'}
                {isOverdue(a, now) && <span className="badge badge-failed">overdue</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Where the network's tasks ask a person (a task may override this when it is submitted). */
function ApprovalSettingsForm({ network, onSaved }: { network: Network; onSaved(): void }) {
  const [settings, setSettings] = useState<ApprovalSettings>(network.approvals);
  const [timeoutSeconds, setTimeoutSeconds] = useState(String(network.approval_timeout_seconds));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState('');
  const set = (change: Partial<ApprovalSettings>) => {
    setSettings((current) => ({ ...current, ...change }));
    setNotice('');
  };
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setNotice('');
    try {
      const saved = await meshApi.updateNetwork(network.id, { approvals: settings, approval_timeout_seconds: Number.parseInt(timeoutSeconds, 10) });
      setSettings(saved.approvals);
      setTimeoutSeconds(String(saved.approval_timeout_seconds));
      setNotice(`Saved: new tasks ask a person about ${describeApprovalSettings(saved.approvals)}.`);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel">
      <h2>Where this network asks a person</h2>
      <form className="form" onSubmit={(e) => void save(e)} data-testid="approval-settings-form">
        <fieldset className="choice">
          <legend>Ask before</legend>
          <label>
            <input type="checkbox" name="approve-plan" checked={settings.plan} onChange={(e) => set({ plan: e.target.checked })} /> the coordinator's plan runs
          </label>
          <label>
            <input type="checkbox" name="approve-result" checked={settings.result} onChange={(e) => set({ result: e.target.checked })} /> the result is final
          </label>
          <label>
            <input type="checkbox" name="approve-questions" checked={settings.questions} onChange={(e) => set({ questions: e.target.checked })} /> agents may ask
            questions (ask_human)
          </label>
        </fieldset>
        <div className="form-row">
          <label>
            Tool calls
            <select name="approve-tool-calls" value={settings.tool_calls} onChange={(e) => set({ tool_calls: e.target.value as ApprovalSettings['tool_calls'] })}>
              <option value="none">none (only tools that require it)</option>
              <option value="side_effects">those with side effects</option>
              <option value="all">all</option>
            </select>
          </label>
          <label>
            Expire after <span className="muted">(seconds)</span>
            <input
              type="number"
              name="approval-timeout"
              min={1}
              max={30 * 86_400}
              value={timeoutSeconds}
              onChange={(e) => {
                setTimeoutSeconds(e.target.value);
                setNotice('');
              }}
            />
          </label>
          <div className="form-submit">
            <button type="submit" disabled={busy}>
              Save
            </button>
          </div>
        </div>
        <ErrorMessage error={error} />
        {notice && <p className="notice">{notice}</p>}
      </form>
    </section>
  );
}
