import type { Approval, Subtask, Task, ToolCallView } from '@mesh/core';
import { ApprovalNotices, waitingState } from './approval-notices';

const AT = '2026-01-01T10:00:00.000Z';

function subtask(id: string, status: Subtask['status'], tool_calls: ToolCallView[] = []): Subtask {
  return {
    id, subtask_id: id, iteration: 1, key: id, agent_type: 'content', agent_id: null, description: '', depends_on: [], attachments: [], status, result: null, confidence: null, reasoning: null,
    model: null, attempts: 0, worker_id: null, error: null, started_at: null, finished_at: null, duration_ms: null, tool_calls,
  };
}

function task(status: Task['status'], subtasks: Subtask[] = [], iterations = 1): Task {
  return {
    id: 'task-1', task_id: 'task-1', network_id: 'net-1', task: 'x', context: {}, priority: 5, status, iterations, max_iterations: 10, result: null, error: null, safety: null,
    simulated: true, usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0, llm_calls: 0 }, subtasks, deadline_at: null, trace_id: null, callback_url: null, webhook_status: null,
    approvals: { plan: true, tool_calls: 'all', result: false, questions: false }, approval_timeout_seconds: 60, awaiting_since: null, waited_ms: 0, human_feedback: [], attachments: [],
    created_at: AT, updated_at: AT, started_at: AT, completed_at: null,
  };
}

const call = (id: string, status: ToolCallView['status']): ToolCallView => ({ id, tool: 'send_email', arguments: {}, status, result: null, error: null, idempotency_key: id, started_at: AT, duration_ms: null });

function approval(id: string, status: Approval['status'] = 'pending'): Approval {
  return {
    id, approval_id: id, network_id: 'net-1', task_id: 'task-1', subtask_id: null, kind: 'plan', subject: { iteration: 1, reasoning: '', subtasks: [] }, status,
    requested_at: AT, expires_at: AT, decided_at: null, decided_by: null, comment: null, edits: null, answer: null,
  };
}

/** A client whose task has the requests in `approvals` (changed by the test), counting its reads. */
function fakeClient(approvals: Approval[]) {
  const reads: string[] = [];
  return {
    reads,
    client: {
      listTaskApprovals: async (networkId: string, taskId: string) => {
        reads.push(`${networkId}/${taskId}`);
        return { approvals: [...approvals] };
      },
    },
  };
}

describe('waitingState', () => {
  it('names what waits for a person: the task, a subtask, a tool call', () => {
    expect(waitingState(task('in_progress', [subtask('s1', 'in_progress', [call('c1', 'running')])]))).toBe('');
    expect(waitingState(task('awaiting_approval', [subtask('s1', 'queued')], 2))).toBe('task#2');
    expect(waitingState(task('in_progress', [subtask('s1', 'awaiting_approval', [call('c1', 'awaiting_approval'), call('c2', 'approved')])]))).toBe('subtask:s1 call:c1');
  });
});

describe('ApprovalNotices', () => {
  it('reads the requests when what waits changes, and reports each pending one once', async () => {
    const approvals = [approval('a1', 'rejected'), approval('a2')];
    const { client, reads } = fakeClient(approvals);
    const reported: string[] = [];
    const notices = new ApprovalNotices({ client, networkId: 'net-1', onRequest: (a) => reported.push(a.id), onError: (err) => reported.push(`error: ${String(err)}`) });

    notices.check(task('in_progress'));
    await notices.settled();
    expect(reads).toEqual([]);

    notices.check(task('awaiting_approval'));
    notices.check(task('awaiting_approval')); // the re-read of the same state
    await notices.settled();
    expect(reads).toEqual(['net-1/task-1']);
    expect(reported).toEqual(['a2']);

    // The plan is rejected; the coordinator asks again in the next iteration.
    notices.check(task('in_progress', [], 2));
    approvals.push(approval('a3'));
    notices.check(task('awaiting_approval', [], 2));
    await notices.settled();
    expect(reads).toHaveLength(2);
    expect(reported).toEqual(['a2', 'a3']);
  });

  it('reports a failed read and goes on', async () => {
    const reported: string[] = [];
    let fail = true;
    const client = {
      listTaskApprovals: async () => {
        if (fail) throw new Error('HTTP 503');
        return { approvals: [approval('a1')] };
      },
    };
    const notices = new ApprovalNotices({ client, networkId: 'net-1', onRequest: (a) => reported.push(a.id), onError: (err) => reported.push(`error: ${(err as Error).message}`) });
    notices.check(task('in_progress', [subtask('s1', 'in_progress', [call('c1', 'awaiting_approval')])]));
    await notices.settled();
    fail = false;
    notices.check(task('in_progress', [subtask('s1', 'awaiting_approval', [call('c1', 'awaiting_approval')])]));
    await notices.settled();
    expect(reported).toEqual(['error: HTTP 503', 'a1']);
  });
});
