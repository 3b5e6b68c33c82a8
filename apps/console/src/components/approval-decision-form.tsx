import { MeshApiError, type MeshClient } from '@mesh/client';
import type { Approval } from '@mesh/core';
import { useState, type FormEvent } from 'react';
import { meshApi } from '../api/mesh-api';
import { editableText, parseEdits, subjectOf, type ApprovalSubjectView } from '../lib/approvals';
import { ErrorMessage } from './error-message';

type Decision = Parameters<MeshClient['decideApproval']>[2];
type Action = 'approve' | 'reject' | 'edit' | 'answer';

const EDITOR_LABELS: Readonly<Record<Exclude<ApprovalSubjectView['kind'], 'question'>, string>> = {
  plan: 'Subtasks (JSON array of {key, agent_type, description, depends_on})',
  tool_call: 'Arguments (JSON object)',
  result: 'Result (Markdown)',
};

const DONE_LABELS: Readonly<Record<Action, string>> = {
  approve: 'Approved: the task goes on.',
  edit: 'Approved with your edits: the task goes on.',
  reject: 'Rejected: the task goes on without it.',
  answer: 'Answered: the agent goes on with your answer.',
};

export interface ApprovalDecisionFormProps {
  networkId: string;
  approval: Approval;
  onDecided(decided: Approval): void;
  /** The API answered 409: somebody decided first, the request expired or its task ended. */
  onConflict(error: unknown): void;
}

/**
 * A person's answer to a pending request: approve, reject (with a comment the coordinator or the
 * model is told), or edit then approve; a question takes an answer instead. Edits that are not
 * even JSON are stopped here; everything else the API checks, and its 400 shows below the form.
 */
export function ApprovalDecisionForm({ networkId, approval, onDecided, onConflict }: ApprovalDecisionFormProps) {
  const view = subjectOf(approval);
  const [comment, setComment] = useState('');
  const [editing, setEditing] = useState(false);
  const [edits, setEdits] = useState(() => editableText(view));
  const [answer, setAnswer] = useState('');
  const [busy, setBusy] = useState<Action | null>(null);
  const [done, setDone] = useState<Action | null>(null);
  const [error, setError] = useState<unknown>();

  const send = async (action: Action, build: () => Decision) => {
    setError(undefined);
    let decision: Decision;
    try {
      decision = build();
    } catch (err) {
      setError(err);
      return;
    }
    setBusy(action);
    try {
      const decided = await meshApi.decideApproval(networkId, approval.id, decision);
      setDone(action);
      onDecided(decided);
    } catch (err) {
      if (err instanceof MeshApiError && err.status === 409) onConflict(err);
      else setError(err);
    } finally {
      setBusy(null);
    }
  };

  if (done) {
    return (
      <p className="notice" data-testid="approval-done">
        {DONE_LABELS[done]}
      </p>
    );
  }

  if (view.kind === 'question') {
    return (
      <form
        className="form approval-form"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          void send('answer', () => ({ answer: answer.trim() }));
        }}
      >
        <label>
          Your answer
          <textarea name="answer" required rows={3} maxLength={20000} value={answer} onChange={(e) => setAnswer(e.target.value)} />
        </label>
        <ErrorMessage error={error} />
        <div className="inline">
          <button type="submit" disabled={busy !== null || !answer.trim()}>
            {busy === 'answer' ? 'Sending…' : 'Answer'}
          </button>
        </div>
      </form>
    );
  }

  const withComment = (decision: 'approve' | 'reject') => () => ({ decision, ...(comment.trim() ? { comment: comment.trim() } : {}) });
  return (
    <div className="form approval-form">
      {editing && (
        <label>
          {EDITOR_LABELS[view.kind]}
          <textarea
            name="edits"
            rows={view.kind === 'result' ? 10 : Math.min(20, edits.split('\n').length + 1)}
            className={view.kind === 'result' ? undefined : 'mono'}
            spellCheck={view.kind === 'result'}
            value={edits}
            onChange={(e) => setEdits(e.target.value)}
          />
        </label>
      )}
      <label>
        Comment <span className="muted">(optional; with a rejection, the {view.kind === 'tool_call' ? 'model' : 'coordinator'} is told it)</span>
        <textarea name="comment" rows={2} maxLength={4000} value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <ErrorMessage error={error} />
      <div className="inline">
        {editing ? (
          <>
            <button type="button" disabled={busy !== null} onClick={() => void send('edit', () => ({ ...withComment('approve')(), edits: parseEdits(view, edits) }))}>
              {busy === 'edit' ? 'Approving…' : 'Approve with edits'}
            </button>
            <button type="button" className="secondary" disabled={busy !== null} onClick={() => setEdits(editableText(view))}>
              Reset edits
            </button>
            <button type="button" className="secondary" disabled={busy !== null} onClick={() => setEditing(false)}>
              Cancel editing
            </button>
          </>
        ) : (
          <>
            <button type="button" disabled={busy !== null} onClick={() => void send('approve', withComment('approve'))}>
              {busy === 'approve' ? 'Approving…' : 'Approve'}
            </button>
            <button type="button" className="secondary" disabled={busy !== null} onClick={() => setEditing(true)}>
              Edit, then approve
            </button>
          </>
        )}
        <button type="button" className="danger" disabled={busy !== null} onClick={() => void send('reject', withComment('reject'))}>
          {busy === 'reject' ? 'Rejecting…' : 'Reject'}
        </button>
      </div>
    </div>
  );
}
