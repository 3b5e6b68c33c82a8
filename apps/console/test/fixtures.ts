import { randomUUID } from 'node:crypto';
import type { Subtask, Task } from '@mesh/core';

export function subtask(overrides: Partial<Subtask> & Pick<Subtask, 'key'>): Subtask {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    subtask_id: id,
    iteration: 1,
    agent_type: overrides.key,
    agent_id: null,
    description: `do ${overrides.key}`,
    depends_on: [],
    attachments: [],
    status: 'completed',
    result: null,
    confidence: null,
    reasoning: null,
    model: 'simulated:simulated',
    attempts: 1,
    worker_id: 'worker-1',
    error: null,
    started_at: null,
    finished_at: null,
    duration_ms: null,
    tool_calls: [],
    ...overrides,
  };
}

export function task(overrides: Partial<Task> = {}): Task {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    task_id: id,
    network_id: randomUUID(),
    task: 'Write a launch email',
    context: {},
    priority: 5,
    status: 'in_progress',
    iterations: 1,
    max_iterations: 10,
    result: null,
    error: null,
    safety: null,
    simulated: true,
    usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0, llm_calls: 0 },
    subtasks: [],
    deadline_at: null,
    trace_id: null,
    callback_url: null,
    webhook_status: null,
    approvals: { plan: false, tool_calls: 'none', result: false, questions: false },
    approval_timeout_seconds: 86_400,
    awaiting_since: null,
    waited_ms: 0,
    human_feedback: [],
    attachments: [],
    created_at: '2026-01-01T10:00:00.000Z',
    updated_at: '2026-01-01T10:00:00.000Z',
    started_at: '2026-01-01T10:00:00.000Z',
    completed_at: null,
    ...overrides,
  };
}
