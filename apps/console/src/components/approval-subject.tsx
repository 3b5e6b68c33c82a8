import type { Approval } from '@mesh/core';
import { subjectOf } from '../lib/approvals';
import { formatToolArguments } from '../lib/tool-calls';
import { MarkdownView } from './markdown-view';

/**
 * What a person is asked to judge, by kind: the plan's subtasks, the tool call with its
 * arguments, the result draft, the question. All of it comes from models: plain text (React
 * escapes it), and the draft and the plan's reasoning through the Markdown view, never as HTML.
 */
export function ApprovalSubject({ approval }: { approval: Pick<Approval, 'kind' | 'subject'> }) {
  const view = subjectOf(approval);
  switch (view.kind) {
    case 'plan':
      return (
        <div className="approval-subject" data-testid="approval-subject">
          <p className="muted small">The coordinator's plan for iteration {view.subject.iteration}; no subtask of it runs before a decision.</p>
          {view.subject.reasoning && <MarkdownView source={view.subject.reasoning} className="approval-reasoning" />}
          <table className="table" data-testid="plan-subtasks">
            <thead>
              <tr>
                <th>Key</th>
                <th>Agent</th>
                <th>Description</th>
                <th>Depends on</th>
                <th>Attachments</th>
              </tr>
            </thead>
            <tbody>
              {view.subject.subtasks.map((s) => (
                <tr key={s.key} data-testid="plan-subtask" data-key={s.key} data-agent-type={s.agent_type}>
                  <td>
                    <code>{s.key}</code>
                  </td>
                  <td>{s.agent_type}</td>
                  <td className="pre-wrap">{s.description}</td>
                  <td className="small">{s.depends_on.join(', ') || '–'}</td>
                  <td className="small">{s.attachments?.join(', ') || '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case 'tool_call':
      return (
        <div className="approval-subject" data-testid="approval-subject">
          <dl className="facts">
            <dt>Tool</dt>
            <dd>
              <code data-testid="approval-tool">{view.subject.tool}</code>
              {view.subject.side_effects && <span className="badge badge-warn">side effects</span>}
            </dd>
            <dt>Asked by</dt>
            <dd>
              {view.subject.agent_type} · <code>{view.subject.subtask_key}</code>
            </dd>
          </dl>
          {view.subject.description && <p className="pre-wrap muted">{view.subject.description}</p>}
          <h4>Arguments</h4>
          <pre className="json" data-testid="approval-arguments">
            {formatToolArguments(view.subject.arguments)}
          </pre>
          {view.subject.reason && (
            <>
              <h4>The model's reason</h4>
              <p className="pre-wrap" data-testid="approval-reason">
                {view.subject.reason}
              </p>
            </>
          )}
        </div>
      );
    case 'result':
      return (
        <div className="approval-subject" data-testid="approval-subject">
          <p className="muted small">
            The draft result of iteration {view.subject.iteration}, confidence {view.subject.result.confidence.toFixed(2)}; the task completes only once it is approved.
          </p>
          <div data-testid="approval-draft">
            <MarkdownView source={view.subject.result.content} className="result" />
          </div>
          {view.subject.result.explanation && <p className="muted small pre-wrap">{view.subject.result.explanation}</p>}
        </div>
      );
    case 'question':
      return (
        <div className="approval-subject" data-testid="approval-subject">
          <p className="muted small">
            {view.subject.agent_type} (<code>{view.subject.subtask_key}</code>) asks:
          </p>
          <blockquote className="approval-question pre-wrap" data-testid="approval-question">
            {view.subject.question}
          </blockquote>
        </div>
      );
  }
}
