import type { Subtask, Task } from '@mesh/core';
import { json, meshAgainst as mesh } from './__tests__/fake-api';

/**
 * `mesh tasks rerun` and `mesh tasks retry` through runCli against a fake fetch: what each asks
 * the API, how a subtask named by its key is found, and what it prints. (The API's own behaviour
 * is apps/api/test/task-actions.test.ts.)
 */

const NET = '11111111-1111-4111-8111-111111111111';
const TASK = '22222222-2222-4222-8222-222222222222';
const NEW_TASK = '33333333-3333-4333-8333-333333333333';
const BANNER_1 = '44444444-4444-4444-8444-444444444441';
const BANNER_2 = '44444444-4444-4444-8444-444444444442';
const AT = '2026-05-14T10:00:00.000Z';

const subtask = (id: string, key: string, iteration: number, status: Subtask['status']): Subtask => ({
  id, subtask_id: id, iteration, key, agent_type: 'design', agent_id: null, description: `do ${key}`, depends_on: [], attachments: [], status, result: null, confidence: null, reasoning: null,
  model: null, attempts: 1, worker_id: null, error: status === 'failed' ? 'boom' : null, started_at: AT, finished_at: AT, duration_ms: 5, tool_calls: [],
});

function task(id: string, status: Task['status'], subtasks: Subtask[] = []): Task {
  return {
    id, task_id: id, network_id: NET, task: 'Launch email', context: {}, priority: 5, status, iterations: 2, max_iterations: 10, result: null, error: null, safety: null,
    simulated: true, usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0, llm_calls: 0 }, subtasks, deadline_at: null, trace_id: null, callback_url: null, webhook_status: null,
    approvals: { plan: false, tool_calls: 'none', result: false, questions: false }, approval_timeout_seconds: 60, awaiting_since: null, waited_ms: 0, human_feedback: [], attachments: [],
    created_at: AT, updated_at: AT, started_at: AT, completed_at: null,
  };
}


describe('mesh tasks rerun', () => {
  it('asks the API for a re-run and says how to follow the new task', async () => {
    const run = await mesh(['tasks', 'rerun', NET, TASK], { [`POST /networks/${NET}/tasks/${TASK}/rerun`]: () => json(task(NEW_TASK, 'queued'), 201) });
    expect(run.code).toBe(0);
    expect(run.requests).toEqual([`POST /networks/${NET}/tasks/${TASK}/rerun`]);
    expect(run.stdout).toBe(`Started task ${NEW_TASK} (queued), a re-run of ${TASK}\nFollow it with: mesh tasks show ${NET} ${NEW_TASK} --follow\n`);
  });

  it('prints the API’s refusal and exits 1', async () => {
    const run = await mesh(['tasks', 'rerun', NET, TASK], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no route POST /networks/${NET}/tasks/${TASK}/rerun`);
  });
});

describe('mesh tasks retry', () => {
  const failedTwice = task(TASK, 'completed', [subtask(BANNER_1, 'banner', 1, 'failed'), subtask(BANNER_2, 'banner', 2, 'failed')]);

  it('finds a subtask named by its key in the latest iteration, retries it and prints the task reopened', async () => {
    const run = await mesh(['tasks', 'retry', NET, TASK, 'banner'], {
      [`GET /networks/${NET}/tasks/${TASK}`]: () => json(failedTwice),
      [`POST /networks/${NET}/tasks/${TASK}/subtasks/${BANNER_2}/retry`]: () => json(task(TASK, 'in_progress'), 202),
    });
    expect(run.code).toBe(0);
    expect(run.requests).toEqual([`GET /networks/${NET}/tasks/${TASK}`, `POST /networks/${NET}/tasks/${TASK}/subtasks/${BANNER_2}/retry`]);
    expect(run.stdout).toBe(`Retrying subtask banner: task ${TASK} is in_progress again\nFollow it with: mesh tasks show ${NET} ${TASK} --follow\n`);
  });

  it('takes a subtask id as is, and --json prints the task', async () => {
    const run = await mesh(['--json', 'tasks', 'retry', NET, TASK, BANNER_1], {
      [`POST /networks/${NET}/tasks/${TASK}/subtasks/${BANNER_1}/retry`]: () => json(task(TASK, 'in_progress'), 202),
    });
    expect(run.code).toBe(0);
    expect(run.requests).toEqual([`POST /networks/${NET}/tasks/${TASK}/subtasks/${BANNER_1}/retry`]);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: TASK, status: 'in_progress' });
  });

  it('names the keys when none matches, and shows a 409 from the API as is', async () => {
    const missing = await mesh(['tasks', 'retry', NET, TASK, 'logo'], { [`GET /networks/${NET}/tasks/${TASK}`]: () => json(failedTwice) });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('has no subtask with the key "logo" (its keys: banner)');
    const refused = await mesh(['tasks', 'retry', NET, TASK, BANNER_1], {
      [`POST /networks/${NET}/tasks/${TASK}/subtasks/${BANNER_1}/retry`]: () =>
        json({ error: { code: 'conflict', message: 'Subtask banner belongs to iteration 1; later iterations were planned from its failure' } }, 409),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('later iterations were planned from its failure');
  });
});
