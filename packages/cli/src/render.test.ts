import type { Agent, Health, Network, Subtask, Task, ToolCallView } from '@mesh/core';
import { agentsListing, healthDetails, networkDetails, taskDetails } from './render';
import { plainStyle } from './terminal-text';

const AT = '2026-01-01T10:00:00.000Z';

function subtask(key: string, tool_calls: ToolCallView[]): Subtask {
  return {
    id: `id-${key}`, subtask_id: `id-${key}`, iteration: 1, key, agent_type: key, agent_id: null, description: '', depends_on: [], attachments: [], status: 'completed',
    result: 'done', confidence: 0.9, reasoning: null, model: 'simulated:simulated', attempts: 1, worker_id: 'w1', error: null, started_at: AT, finished_at: AT,
    duration_ms: 900, tool_calls,
  };
}

function task(subtasks: Subtask[]): Task {
  return {
    id: 'task-1', task_id: 'task-1', network_id: 'net-1', task: 'Report on the spring campaign', context: {}, priority: 5, status: 'completed', iterations: 1,
    max_iterations: 10, result: null, error: null, safety: null, simulated: false, usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0, llm_calls: 2 }, subtasks,
    deadline_at: null, trace_id: null, callback_url: null, webhook_status: null, approvals: { plan: false, tool_calls: 'none', result: false, questions: false }, approval_timeout_seconds: 86_400,
    awaiting_since: null, waited_ms: 0, human_feedback: [], attachments: [], created_at: AT, updated_at: AT, started_at: AT, completed_at: AT,
  };
}

const call = (id: string, extra: Partial<ToolCallView>): ToolCallView => ({
  id, tool: 'analytics.getReport', arguments: {}, status: 'completed', result: null, error: null, idempotency_key: `key-${id}`, started_at: AT, duration_ms: 120, ...extra,
});

describe('taskDetails', () => {
  it("prints each subtask's tool calls in order with status, duration and the start of the result, as safe text", () => {
    const out = taskDetails(
      task([
        subtask('content', []),
        subtask('analytics', [
          call('c1', { result: `opens: 42, clicks: 7\n\x1b]0;pwned\x07${'x'.repeat(200)}` }),
          call('c2', { tool: 'send_email', status: 'failed', error: 'the mail server rejected every recipient', result: 'rejected', duration_ms: 3_400 }),
        ]),
      ]),
      plainStyle,
    );
    const lines = out.split('\n');
    const at = lines.indexOf('tool calls');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at, at + 4)).toEqual([
      'tool calls',
      '  it1 analytics analytics',
      `    1. analytics.getReport  completed  120 ms  opens: 42, clicks: 7 ${'x'.repeat(58)}…`,
      '    2. send_email  failed  3.4 s  the mail server rejected every recipient',
    ]);
    expect(out).not.toContain('\x1b');
    expect(out).not.toContain('it1 content content');
    // The subtasks table counts them.
    expect(lines.find((l) => l.startsWith('1   analytics'))).toMatch(/ 2 +simulated:simulated/);
  });

  it('prints no tool-call section when no subtask called a tool', () => {
    expect(taskDetails(task([subtask('content', [])]), plainStyle)).not.toContain('tool calls');
  });
});

describe('taskDetails of a task that asks people', () => {
  const asking: Partial<Task> = { approvals: { plan: true, tool_calls: 'side_effects', result: false, questions: false }, approval_timeout_seconds: 3600 };

  it('says where it asks, since when it waits and what people said', () => {
    const out = taskDetails(
      {
        ...task([]),
        ...asking,
        status: 'awaiting_approval',
        awaiting_since: AT,
        waited_ms: 4_200,
        human_feedback: [{ kind: 'plan', iteration: 1, status: 'rejected', comment: 'Too broad:\nonly the email' }],
      },
      plainStyle,
    );
    expect(out.split('\n').slice(0, 1)).toEqual(['task task-1  awaiting_approval']);
    expect(out).toContain('approvals: plan, tool calls with side effects; requests expire after 3600 s');
    expect(out).toContain(`waiting for a person since ${AT}`);
    expect(out).toContain('waited for people 4.2 s (not counted against the timeout)');
    expect(out).toContain('plan of iteration 1 rejected: Too broad: only the email');
  });

  it('prints none of it for a task that asks nobody', () => {
    const out = taskDetails(task([]), plainStyle);
    expect(out).not.toContain('approvals:');
    expect(out).not.toContain('people');
  });
});

describe('networkDetails', () => {
  it("shows the network's approval settings", () => {
    const network: Network = {
      id: 'net-1', network_id: 'net-1', name: 'Reviewed', description: '', status: 'active', max_iterations: 10, timeout_seconds: 300, shared_context: {},
      approvals: { plan: false, tool_calls: 'all', result: true, questions: true }, approval_timeout_seconds: 600, created_at: AT, updated_at: AT,
      counts: { agents: 0, tasks: 0, active_tasks: 0, memory_items: 0 },
    };
    expect(networkDetails(network, plainStyle).split('\n')).toContain("approvals: result, all tool calls, agents' questions; requests expire after 600 s");
  });
});

function agent(type: string, name: string): Agent {
  return {
    id: `id-${type}`, agent_id: `id-${type}`, network_id: 'net-1', name, type, model: null, description: '', parameters: { temperature: 0.7, max_tokens: 4000 },
    capabilities: [], tools: [], created_at: AT,
  };
}

describe('agentsListing', () => {
  const agents = [agent('coordinator', 'Lead'), agent('content', 'Writer'), agent('seo', 'SEO Specialist')];

  it('marks the types no live worker serves and names the worker to start', () => {
    const lines = agentsListing(agents, undefined, new Set(['seo', 'legal'])).split('\n');
    expect(lines.find((l) => l.includes('SEO Specialist'))).toMatch(/SEO Specialist\s+seo \(no worker\)\s+\(default chain\)/);
    expect(lines.find((l) => l.includes('Writer'))).not.toContain('(no worker)');
    // Only this network's unserved types: `legal` is another network's.
    expect(lines.slice(-2)).toEqual(['', 'no worker serves agent type seo: the coordinator does not plan for it; start a worker with --agents seo or --agents all']);
  });

  it('is the plain table when every type is served, or when it is not known', () => {
    for (const unserved of [new Set<string>(), undefined]) {
      const out = agentsListing(agents, undefined, unserved);
      expect(out).not.toContain('no worker');
      expect(out.split('\n')).toHaveLength(1 + agents.length);
    }
  });
});

describe('healthDetails', () => {
  const health: Health = {
    status: 'ok', redis_connection: 'connected', database_connection: 'connected', llm_client: { mode: 'simulated', providers: {} },
    workers: [
      { id: 'coordinator:h:1', kind: 'coordinator', agent_types: [], last_seen: AT },
      { id: 'worker:h:2', kind: 'worker', agent_types: ['analytics', 'content'], last_seen: AT },
    ],
    unserved_agent_types: ['legal', 'seo'], active_networks_count: 2, active_tasks_count: 0, version: '0.1.0', timestamp: AT,
  };

  it('lists the agent types no live worker serves, with the worker to start, above the processes', () => {
    const lines = healthDetails(health, plainStyle).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'ok  version 0.1.0',
      'redis connected, database connected, models simulated',
      '2 networks, 0 active tasks',
      'no worker serves agent types legal, seo: the coordinator does not plan for them; start a worker with --agents legal,seo or --agents all',
      '',
    ]);
    expect(lines[5]).toMatch(/^KIND\s+ID\s+AGENT TYPES\s+LAST SEEN$/);
    expect(lines[7]).toMatch(/^worker\s+worker:h:2\s+analytics, content\s+/);
  });

  it('says nothing of agent types when every one is served, or an older API does not list them', () => {
    const { unserved_agent_types: _omitted, ...older } = health;
    for (const h of [{ ...health, unserved_agent_types: [] }, older as Health]) {
      const out = healthDetails(h, plainStyle);
      expect(out).not.toContain('no worker');
      expect(out.split('\n')[3]).toBe('');
    }
  });
});
