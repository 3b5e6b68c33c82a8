import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Feedback, Lessons } from '@mesh/core';
import { json, meshAgainst as mesh } from './__tests__/fake-api';

/**
 * `mesh feedback` and `mesh lessons` through runCli against a fake fetch: what each command asks
 * the API, how it words the answer, and the usage errors it finds before asking.
 */

const NET = '11111111-1111-4111-8111-111111111111';
const OTHER_NET = '22222222-2222-4222-8222-222222222222';
const TASK = '33333333-3333-4333-8333-333333333333';
const SUBTASK = '44444444-4444-4444-8444-444444444444';
const AGENT = '55555555-5555-4555-8555-555555555555';
const FEEDBACK: Feedback = {
  feedback_id: '66666666-6666-4666-8666-666666666666',
  network_id: NET,
  task_id: TASK,
  subtask_id: SUBTASK,
  agent_type: 'content',
  rating: 2,
  comment: 'Subject too long',
  correction: 'TechPro X1 is here',
  memory_id: '77777777-7777-4777-8777-777777777777',
  lesson_version: null,
  created_at: '2026-05-14T10:00:00.000Z',
};
const LESSONS: Lessons = {
  agent_id: AGENT,
  agent_type: 'content',
  current: { version: 2, source: 'person', lessons: [{ text: 'Keep subject lines short', sources: [FEEDBACK.feedback_id] }], created_at: '2026-05-14T11:00:00.000Z' },
  history: [
    { version: 2, source: 'person', lessons: [{ text: 'Keep subject lines short', sources: [FEEDBACK.feedback_id] }], created_at: '2026-05-14T11:00:00.000Z' },
    { version: 1, source: 'distilled', lessons: [{ text: 'Name the product first', sources: [] }], created_at: '2026-05-14T10:30:00.000Z' },
  ],
  pending_feedback: 1,
  lesson_every: 5,
};
const NETWORKS = { networks: [{ id: OTHER_NET, name: 'Other' }, { id: NET, name: 'Campaigns' }], total: 2, limit: 200, offset: 0 };
const AGENTS = { agents: [{ id: AGENT, type: 'content', name: 'Writer' }] };

const notFound = () => json({ error: { code: 'not_found', message: 'not found' } }, 404);

describe('mesh feedback', () => {
  it("finds the task's network among the caller's and posts the rating with its comment, subtask and correction", async () => {
    const run = await mesh(['feedback', TASK, '--rating', '2', '--comment', 'Subject too long', '--subtask', SUBTASK, '--correction', 'TechPro X1 is here'], {
      'GET /networks': () => json(NETWORKS),
      [`GET /networks/${NET}/tasks/${TASK}`]: () => json({ id: TASK, network_id: NET }),
      [`POST /networks/${NET}/tasks/${TASK}/feedback`]: () => json({ feedback: FEEDBACK }, 201),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const post = run.sent.find((s) => s.request.startsWith('POST'));
    expect(post).toEqual({ request: `POST /networks/${NET}/tasks/${TASK}/feedback`, body: { rating: 2, comment: 'Subject too long', subtask_id: SUBTASK, correction: 'TechPro X1 is here' } });
    expect(run.stdout).toBe(`Feedback ${FEEDBACK.feedback_id} recorded: 2/5 on the content agent's work.\n`);
  });

  it('asks no network when --network names one, and prints the API answer with --json', async () => {
    const run = await mesh(['feedback', TASK, '--rating', '5', '--network', NET, '--json'], {
      [`POST /networks/${NET}/tasks/${TASK}/feedback`]: () => json({ feedback: { ...FEEDBACK, rating: 5, subtask_id: null, agent_type: 'coordinator' } }, 201),
    });
    expect(run.code).toBe(0);
    expect(run.sent.map((s) => s.request)).toEqual([`POST /networks/${NET}/tasks/${TASK}/feedback`]);
    expect(run.sent[0]!.body).toEqual({ rating: 5 });
    expect(JSON.parse(run.stdout).feedback.agent_type).toBe('coordinator');
  });

  it('refuses a missing or out-of-range rating, a malformed task or subtask id before asking the API', async () => {
    for (const args of [
      ['feedback', TASK],
      ['feedback', TASK, '--rating', '0'],
      ['feedback', TASK, '--rating', '6'],
      ['feedback', TASK, '--rating', 'good'],
      ['feedback', 'not-a-task', '--rating', '3'],
      ['feedback', TASK, '--rating', '3', '--subtask', 'abc'],
      ['feedback', '--rating', '3'],
    ]) {
      const run = await mesh(args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain('Usage: mesh feedback');
      expect(run.sent).toEqual([]);
    }
  });

  it("says what the API refused: a task that has not ended (409)", async () => {
    const run = await mesh(['feedback', TASK, '--rating', '3', '--network', NET], {
      [`POST /networks/${NET}/tasks/${TASK}/feedback`]: () => json({ error: { code: 'conflict', message: `Task ${TASK} is in_progress: feedback is given once it has ended` } }, 409),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('feedback is given once it has ended');
  });

  it('lists a task’s feedback, oldest first, with whether lessons have distilled it', async () => {
    const run = await mesh(['feedback', 'list', TASK, '--network', 'Campaigns'], {
      'GET /networks': () => json(NETWORKS),
      [`GET /networks/${NET}/tasks/${TASK}/feedback`]: () => json({ feedback: [FEEDBACK, { ...FEEDBACK, feedback_id: 'x', subtask_id: null, agent_type: 'coordinator', rating: 5, comment: null, correction: null, lesson_version: 1 }] }),
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^GIVEN\s+RATING\s+ON\s+LESSONS\s+COMMENT$/);
    expect(lines[1]).toMatch(/^2026-05-14 10:00:00\s+2\/5\s+content \(subtask 44444444\)\s+pending\s+Subject too long · correction: TechPro X1 is here$/);
    expect(lines[2]).toMatch(/coordinator \(the task\)\s+v1\s+-$/);
  });
});

describe('mesh lessons', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-lessons-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const routes = {
    'GET /networks': () => json(NETWORKS),
    [`GET /networks/${NET}/agents`]: () => json(AGENTS),
    [`GET /networks/${NET}/agents/${AGENT}/lessons`]: () => json(LESSONS),
    [`PUT /networks/${NET}/agents/${AGENT}/lessons`]: () => json(LESSONS),
  };

  it('shows the current lessons, what waits to be distilled and the history, by network name and agent type', async () => {
    const run = await mesh(['lessons', 'Campaigns', 'content'], routes);
    expect(run.code).toBe(0);
    expect(run.sent.map((s) => s.request)).toEqual(['GET /networks?limit=200', `GET /networks/${NET}/agents`, `GET /networks/${NET}/agents/${AGENT}/lessons`]);
    expect(run.stdout).toContain(`Lessons of the content agent (${AGENT})`);
    expect(run.stdout).toContain('v2 set by a person, 2026-05-14 11:00 UTC\n  1. Keep subject lines short [from 66666666]');
    expect(run.stdout).toContain('Feedback waiting to be distilled: 1 (distilled again at 5).');
    expect(run.stdout).toContain('History:\nv1 distilled from feedback, 2026-05-14 10:30 UTC\n  1. Name the product first');
  });

  it('replaces them with the lines of a file (blank lines skipped), or clears them', async () => {
    const file = join(dir, 'lessons.txt');
    await writeFile(file, 'Keep subject lines short\n\n  Name the product first  \r\n');
    const set = await mesh(['lessons', NET, AGENT, '--set', file], routes);
    expect(set.code).toBe(0);
    expect(set.sent).toEqual([{ request: `PUT /networks/${NET}/agents/${AGENT}/lessons`, body: { lessons: [{ text: 'Keep subject lines short' }, { text: 'Name the product first' }] } }]);
    const clear = await mesh(['lessons', NET, AGENT, '--clear'], routes);
    expect(clear.code).toBe(0);
    expect(clear.sent).toEqual([{ request: `PUT /networks/${NET}/agents/${AGENT}/lessons`, body: { lessons: [] } }]);
  });

  it('refuses --set with --clear, an empty or missing file, and missing arguments, before asking the API', async () => {
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '\n\n');
    for (const args of [
      ['lessons', NET, AGENT, '--set', empty, '--clear'],
      ['lessons', NET, AGENT, '--set', empty],
      ['lessons', NET, AGENT, '--set', join(dir, 'missing.txt')],
      ['lessons', NET],
    ]) {
      const run = await mesh(args, routes);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain('Usage: mesh lessons');
      expect(run.sent).toEqual([]);
    }
  });
});
