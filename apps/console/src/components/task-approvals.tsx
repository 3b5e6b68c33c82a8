import type { Approval, Task } from '@mesh/core';
import { useState } from 'react';
import { meshApi } from '../api/mesh-api';
import { APPROVAL_KIND_LABELS, approvalWatchKey, asksForApproval, describeApprovalSettings, isOverdue, summarizeApproval } from '../lib/approvals';
import { formatDuration, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { ApprovalDecisionForm } from './approval-decision-form';
import { ApprovalSubject } from './approval-subject';
import { ErrorMessage } from './error-message';
import { StatusBadge } from './status-badge';

/**
 * A task's requests for a person: the pending ones first, each with its subject and the decision
 * form, then the decided ones as history. The list is read again whenever the live task shows a
 * request made or decided (its status, iteration or a tool call's status moves), and at once
 * after a decision made here.
 */
export function TaskApprovals({ networkId, task, nowMs }: { networkId: string; task: Task; nowMs: number }) {
  const watchKey = approvalWatchKey(task);
  const approvals = useAsync((signal) => meshApi.listTaskApprovals(networkId, task.id, signal), [networkId, task.id, watchKey]);
  const [conflict, setConflict] = useState<unknown>();
  const list = approvals.data?.approvals ?? [];
  if (!asksForApproval(task.approvals) && list.length === 0 && !approvals.error) return null;
  const pending = list.filter((a) => a.status === 'pending');
  const decided = list.filter((a) => a.status !== 'pending').reverse();

  return (
    <section className={`panel approvals-panel ${pending.length > 0 ? 'approvals-panel-pending' : ''}`} data-testid="task-approvals">
      <div className="panel-head">
        <h2>
          Approvals
          {pending.length > 0 && (
            <span className="badge badge-approval" data-testid="pending-approvals-count">
              {pending.length} waiting for a decision
            </span>
          )}
        </h2>
        <button type="button" className="secondary" onClick={approvals.reload}>
          Refresh
        </button>
      </div>
      <p className="muted small">
        This task asks a person about: {describeApprovalSettings(task.approvals)}. A request nobody decides within{' '}
        {formatDuration(task.approval_timeout_seconds * 1000)} expires and counts as rejected.
      </p>
      <ErrorMessage error={approvals.error} />
      {conflict !== undefined && (
        <div data-testid="approval-conflict">
          <ErrorMessage error={conflict} />
        </div>
      )}
      {pending.map((a) => (
        <PendingApproval
          key={a.id}
          networkId={networkId}
          approval={a}
          nowMs={nowMs}
          onDecided={() => {
            setConflict(undefined);
            approvals.reload();
          }}
          onConflict={(err) => {
            setConflict(err);
            approvals.reload();
          }}
        />
      ))}
      {approvals.data && pending.length === 0 && <p className="muted">Nothing of this task waits for a decision.</p>}
      {decided.length > 0 && <ApprovalHistory approvals={decided} />}
    </section>
  );
}

function PendingApproval({
  networkId,
  approval,
  nowMs,
  onDecided,
  onConflict,
}: {
  networkId: string;
  approval: Approval;
  nowMs: number;
  onDecided(): void;
  onConflict(error: unknown): void;
}) {
  return (
    <article className="approval-card" data-testid="pending-approval" data-approval-id={approval.id} data-kind={approval.kind}>
      <div className="panel-head">
        <h3>
          {kindTitle(approval.kind)} <StatusBadge status={approval.status} />
        </h3>
        <span className="muted small">
          requested {formatTime(approval.requested_at)} · expires {formatTime(approval.expires_at)}
          {isOverdue(approval, nowMs) && <span className="badge badge-failed">overdue</span>}
        </span>
      </div>
      <ApprovalSubject approval={approval} />
      <ApprovalDecisionForm networkId={networkId} approval={approval} onDecided={onDecided} onConflict={onConflict} />
    </article>
  );
}

function kindTitle(kind: Approval['kind']): string {
  const label = APPROVAL_KIND_LABELS[kind];
  return kind === 'question' ? 'A question for you' : `Approve the ${label}?`;
}

/** Decided and expired requests, newest first: who decided what, when, and what they said or changed. */
function ApprovalHistory({ approvals }: { approvals: Approval[] }) {
  return (
    <>
      <h3 className="approvals-history-title">History</h3>
      <table className="table" data-testid="approval-history">
        <thead>
          <tr>
            <th>Kind</th>
            <th>Status</th>
            <th>Request</th>
            <th>Comment or answer</th>
            <th>Decided by</th>
            <th>Decided</th>
          </tr>
        </thead>
        <tbody>
          {approvals.map((a) => (
            <tr key={a.id} data-testid="approval-history-row" data-approval-id={a.id} data-kind={a.kind} data-status={a.status}>
              <td>{APPROVAL_KIND_LABELS[a.kind]}</td>
              <td>
                <StatusBadge status={a.status} />
                {a.edits !== null && <span className="badge badge-warn">edited</span>}
              </td>
              <td className="small">
                {summarizeApproval(a)}
                {a.edits !== null && (
                  <details>
                    <summary>Edits</summary>
                    <pre className="json">{JSON.stringify(a.edits, null, 2)}</pre>
                  </details>
                )}
              </td>
              <td className="pre-wrap" data-testid="approval-history-comment">
                {a.answer ?? a.comment ?? <span className="muted">–</span>}
              </td>
              <td className="small" data-testid="approval-history-decided-by">
                {a.decided_by ?? '–'}
              </td>
              <td className="small">{formatTime(a.decided_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
