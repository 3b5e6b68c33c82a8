import type { Db } from '@mesh/store';
import type { ApiClient } from '@mesh/testing';

const PRODUCTS = ['AI-powered analytics dashboard', 'team scheduling app', 'email automation suite', 'customer data platform', 'mobile banking app', 'B2B invoicing tool'];
const AUDIENCES = ['small business owners', 'marketing managers', 'finance teams', 'HR leaders', 'independent retailers', 'enterprise IT buyers'];
const GOALS = ['launch email campaign', 'spring promotion', 'onboarding sequence', 'win-back campaign', 'webinar invitation series', 'product update announcement'];
const TONES = ['friendly', 'professional', 'playful', 'authoritative'];

/** A realistic, varied task body (like SEED.md's email-campaign example); `process: true` submits and starts it. */
export function benchTaskBody(i: number): Record<string, unknown> {
  const product = PRODUCTS[i % PRODUCTS.length]!;
  const audience = AUDIENCES[Math.floor(i / PRODUCTS.length) % AUDIENCES.length]!;
  const goal = GOALS[(i * 7) % GOALS.length]!;
  return {
    task: `Create a ${goal} for our new ${product} targeting ${audience} (request #${i})`,
    context: {
      target_audience: audience,
      key_features: ['real-time insights', 'simple setup', 'transparent pricing'].slice(0, 1 + (i % 3)),
      tone: TONES[i % TONES.length],
      budget_usd: 5_000 + (i % 10) * 1_000,
    },
    priority: 5,
    process: true,
  };
}

export interface Submission {
  index: number;
  taskId: string | null;
  httpStatus: number;
  /** The task's status in the answer (with `wait`: terminal when it ended in time). */
  status: string | null;
  sentAtMs: number;
  answeredAtMs: number;
  error?: string;
}

export interface SubmitOptions {
  /** Requests in flight at once (keep-alive connections are reused by Node's fetch). */
  concurrency: number;
  /** `?wait=N` seconds: the answer comes when the task has ended. */
  waitSeconds?: number;
  body?: (index: number) => Record<string, unknown>;
  /** Index of the first task (task texts vary with it). */
  firstIndex?: number;
}

/** One API request that must answer `status`; its JSON body, or an error naming the request and what came back. */
export async function expectStatus(client: ApiClient, method: string, path: string, body: unknown, status: number): Promise<Record<string, any>> {
  const res = await client.request(method, path, body);
  if (res.status !== status) throw new Error(`${method} ${path} answered ${res.status}, not ${status}: ${JSON.stringify(res.body).slice(0, 400)}`);
  return res.body as Record<string, any>;
}

/** Submits `count` tasks through the HTTP API, at most `concurrency` at a time. */
export async function submitTasks(client: ApiClient, networkId: string, count: number, options: SubmitOptions): Promise<Submission[]> {
  const body = options.body ?? benchTaskBody;
  const first = options.firstIndex ?? 0;
  const path = `/networks/${networkId}/tasks${options.waitSeconds ? `?wait=${options.waitSeconds}` : ''}`;
  const results: Submission[] = new Array(count);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const sentAtMs = Date.now();
      try {
        const res = await client.request('POST', path, body(first + i));
        const ok = res.status === 200 || res.status === 201;
        results[i] = {
          index: first + i,
          taskId: ok ? (res.body.id as string) : null,
          httpStatus: res.status,
          status: ok ? (res.body.status as string) : null,
          sentAtMs,
          answeredAtMs: Date.now(),
          ...(ok ? {} : { error: JSON.stringify(res.body).slice(0, 300) }),
        };
      } catch (err) {
        results[i] = { index: first + i, taskId: null, httpStatus: 0, status: null, sentAtMs, answeredAtMs: Date.now(), error: String(err) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, lane));
  return results;
}

/** Throws when any submission failed, with the first few errors. */
export function assertSubmitted(submissions: Submission[]): string[] {
  const failed = submissions.filter((s) => !s.taskId);
  if (failed.length > 0) {
    throw new Error(`${failed.length} of ${submissions.length} submissions failed: ${failed.slice(0, 3).map((s) => `${s.httpStatus} ${s.error}`).join(' | ')}`);
  }
  return submissions.map((s) => s.taskId!);
}

const TERMINAL = `('completed', 'failed', 'timed_out', 'cancelled')`;

/**
 * Waits until every task in `taskIds` has ended, polling one aggregate count (not each task),
 * so that waiting costs the system under test one cheap query every `pollMs`. Gives up when no
 * task has ended for `stallMs` (the system is stuck), or after `timeoutMs` in all.
 */
export async function waitForTasks(db: Db, taskIds: string[], options: { timeoutMs: number; stallMs?: number; pollMs?: number }): Promise<void> {
  const started = Date.now();
  const stallMs = options.stallMs ?? 120_000;
  let lastEnded = -1;
  let lastProgressAt = started;
  for (;;) {
    const { rows } = await db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM tasks WHERE id = ANY($1::uuid[]) GROUP BY status', [taskIds]);
    const counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    const ended = rows.filter((r) => TERMINAL.includes(`'${r.status}'`)).reduce((a, r) => a + Number(r.n), 0);
    if (ended >= taskIds.length) return;
    const now = Date.now();
    if (ended > lastEnded) {
      lastEnded = ended;
      lastProgressAt = now;
    }
    if (now - lastProgressAt > stallMs) throw new Error(`no task ended for ${Math.round(stallMs / 1000)} s: ${JSON.stringify(counts)}`);
    if (now - started > options.timeoutMs) throw new Error(`tasks did not end within ${Math.round(options.timeoutMs / 1000)} s: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
}

export interface TaskTiming {
  id: string;
  status: string;
  error: string | null;
  createdMs: number;
  startedMs: number | null;
  completedMs: number | null;
}

/** Created, started and completed times from Postgres (microsecond precision, as epoch ms). */
export async function readTaskTimings(db: Db, taskIds: string[]): Promise<TaskTiming[]> {
  const { rows } = await db.query<TaskTiming>(
    `SELECT id, status, error,
            (extract(epoch FROM created_at) * 1000)::float8 AS "createdMs",
            (extract(epoch FROM started_at) * 1000)::float8 AS "startedMs",
            (extract(epoch FROM completed_at) * 1000)::float8 AS "completedMs"
     FROM tasks WHERE id = ANY($1::uuid[])`,
    [taskIds],
  );
  return rows;
}

/** Throws when a task did not complete (the simulated provider never fails, so any failure is a bug). */
export function assertCompleted(timings: TaskTiming[]): void {
  const bad = timings.filter((t) => t.status !== 'completed');
  if (bad.length > 0) {
    throw new Error(`${bad.length} of ${timings.length} tasks did not complete: ${bad.slice(0, 3).map((t) => `${t.status}: ${t.error}`).join(' | ')}`);
  }
}
