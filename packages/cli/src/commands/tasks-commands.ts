import { isTerminalTaskStatus, TASK_STATUSES, watchTask } from '@mesh/client';
import type { Task } from '@mesh/core';
import { expectPositionals, intOption, jsonObjectOption, requiredString, stringOption, numberOption } from '../args';
import { ApprovalNotices, waitingState } from '../approval-notices';
import { readAttachFiles } from '../attach-files';
import { APPROVAL_OPTIONS, approvalOverridesFromOptions, approvalUsage } from '../approval-options';
import { approvalRequestLine, pendingApprovalsSection } from '../approval-render';
import { errorMessage, EXIT, UsageError } from '../cli-errors';
import type { Command, CommandContext } from '../command';
import { ProgressView } from '../progress-view';
import { taskDetails, tasksTable } from '../render';
import { resolveNetworkId } from './resolve-refs';

const SUBMIT_USAGE = `Usage: mesh tasks submit <network> --task <text> [options]

Submits a task and starts it.

Options:
  --task <text>            (required)
  --context <json>         a JSON object, e.g. '{"product_name": "TechPro X1"}'
  --context-file <file>    the same, from a file
  --priority <1..10>       1 is the most urgent (default 5)
  --deadline <iso-time>    an absolute deadline (the network's timeout applies too)
  --attach <file>          a file for the task (repeatable): .png .jpg .jpeg .webp .gif .pdf
                           .wav .mp3; named after the file, typed by its extension
  --wait [seconds]         follow the task live until it ends (or for at most that long),
                           then print its result. Exit code: 0 completed, 1 failed, timed
                           out or cancelled, 3 still running when the wait ran out

Where a person is asked in this task (instead of the network's settings):
${approvalUsage(27, false)}`;

const RERUN_USAGE = `Usage: mesh tasks rerun <network> <task> [--wait [seconds]]

Starts a new task in the same network with the same input as <task> (its text, context,
priority, callback and approval settings). The original is not changed.

Options:
  --wait [seconds]         follow the new task live until it ends (or for at most that long)`;

const RETRY_USAGE = `Usage: mesh tasks retry <network> <task> <subtask> [--wait [seconds]]

Runs one failed subtask of a completed or failed task again, through the queue; when it has
run, the coordinator plans (or synthesises) again and the task's outcome is recomputed.
<subtask> is its id or its key (the last iteration's subtask with that key). Only a subtask of
the task's last iteration with subtasks can be retried: re-run the task otherwise.

Options:
  --wait [seconds]         follow the task live until it ends again (or for at most that long)`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `--wait` alone (no limit: null), `--wait N`, or absent (undefined). */
function waitOption(values: Parameters<typeof stringOption>[0], usage: string): number | null | undefined {
  const wait = stringOption(values, 'wait');
  if (wait === undefined) return undefined;
  if (wait === '') return null;
  const seconds = numberOption(values, 'wait', usage);
  if (seconds === undefined || seconds <= 0) throw new UsageError('--wait takes a number of seconds above 0', usage);
  return seconds;
}

/** The id of the task's subtask with this key (of its latest iteration). */
function subtaskByKey(task: Task, key: string): string {
  const matches = (task.subtasks ?? []).filter((s) => s.key === key).sort((a, b) => b.iteration - a.iteration);
  const found = matches[0];
  if (!found) throw new UsageError(`Task ${task.id} has no subtask with the key "${key}" (its keys: ${[...new Set((task.subtasks ?? []).map((s) => s.key))].join(', ') || 'none'})`, RETRY_USAGE);
  return found.id;
}

/** The exit code for a task the caller waited on. */
function exitFor(task: Task): number {
  if (!isTerminalTaskStatus(task.status)) return EXIT.stillRunning;
  return task.status === 'completed' ? EXIT.ok : EXIT.failure;
}

const SHOW_USAGE = `Usage: mesh tasks show <network> <task> [--follow]

Options:
  --follow                 an unfinished task: follow it live until it ends (the view of
                           tasks submit --wait), then print it. Exit code: 0 completed, 1 failed,
                           timed out or cancelled; Ctrl-C stops watching, the task goes on.
                           A task that has ended is printed as without --follow (exit 0)`;

/** Follows the task (just submitted, or read by `show --follow`) with the live progress view (text mode) and prints the final state. */
async function waitAndReport(ctx: CommandContext, networkId: string, submitted: Task, waitSeconds: number | null): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  const timer = waitSeconds !== null ? setTimeout(stop, waitSeconds * 1000) : undefined;
  const view = ctx.json ? null : new ProgressView(ctx.stdout, ctx.style);
  const ticker = view && ctx.stdout.isTTY ? setInterval(() => view.tick(), 500) : undefined;
  let lastError = '';
  const onError = (what: string) => (err: unknown) => {
    const message = errorMessage(err);
    if (message !== lastError) view?.note(`(reading ${what} failed, retrying: ${message})`);
    lastError = message;
  };
  const notices = view
    ? new ApprovalNotices({ client: ctx.client(), networkId, onRequest: (approval) => view.note(approvalRequestLine(approval)), onError: onError("the task's approvals"), signal: controller.signal })
    : null;
  const show = (task: Task) => {
    view?.update(task);
    notices?.check(task);
  };
  try {
    show(submitted);
    const final = (await watchTask(ctx.client(), networkId, submitted.id, { onTask: show, onError: onError('the task') }, { signal: controller.signal })) ?? submitted;
    await notices?.settled();
    view?.finish(final);
    if (ctx.json) {
      ctx.printJson(final);
    } else if (isTerminalTaskStatus(final.status)) {
      ctx.print(`\n${taskDetails(final, ctx.style, ctx.width)}`);
    } else {
      const why = ctx.signal.aborted ? 'Stopped watching' : `Waited ${waitSeconds} s`;
      ctx.print(`\n${why}: the task is still ${final.status} and goes on. Follow it with: mesh tasks show ${networkId} ${final.id} --follow`);
      if (waitingState(final) !== '') ctx.print(`It waits for a person: mesh approvals list --network ${networkId} --task ${final.id}`);
    }
    return exitFor(final);
  } finally {
    if (timer) clearTimeout(timer);
    if (ticker) clearInterval(ticker);
    ctx.signal.removeEventListener('abort', stop);
  }
}

export const tasksCommands: Command[] = [
  {
    group: 'tasks',
    action: 'submit',
    summary: 'submit a task and start it (--wait: live progress, then the result)',
    usage: SUBMIT_USAGE,
    options: {
      task: { type: 'string' },
      context: { type: 'string' },
      'context-file': { type: 'string' },
      priority: { type: 'string' },
      deadline: { type: 'string' },
      attach: { type: 'string', multiple: true },
      wait: { type: 'string' },
      ...APPROVAL_OPTIONS,
    },
    optionalValues: ['wait'],
    async run(ctx, { positionals, values }) {
      const [ref = ''] = expectPositionals(positionals, ['network'], SUBMIT_USAGE);
      const context = jsonObjectOption(values, 'context', 'context-file', SUBMIT_USAGE);
      const priority = intOption(values, 'priority', SUBMIT_USAGE);
      const wait = stringOption(values, 'wait');
      const waitSeconds = wait === undefined || wait === '' ? null : numberOption(values, 'wait', SUBMIT_USAGE);
      if (waitSeconds !== null && waitSeconds !== undefined && waitSeconds <= 0) throw new UsageError('--wait takes a number of seconds above 0', SUBMIT_USAGE);
      const approvals = approvalOverridesFromOptions(values, SUBMIT_USAGE);
      const attach = values.attach;
      const files = readAttachFiles(Array.isArray(attach) ? attach : [], SUBMIT_USAGE);
      const input = {
        task: requiredString(values, 'task', SUBMIT_USAGE),
        ...(context !== undefined ? { context } : {}),
        ...(priority !== undefined ? { priority } : {}),
        ...(stringOption(values, 'deadline') !== undefined ? { deadline: stringOption(values, 'deadline') } : {}),
        ...(approvals !== undefined ? { approvals } : {}),
      };
      const client = ctx.client();
      const networkId = await resolveNetworkId(client, ref);
      const task = await client.submitTask(networkId, input, files);
      if (wait !== undefined) return waitAndReport(ctx, networkId, task, waitSeconds ?? null);
      if (ctx.json) ctx.printJson(task);
      else ctx.print(`Submitted task ${task.id} (${task.status})\nFollow it with: mesh tasks show ${networkId} ${task.id} --follow`);
      return EXIT.ok;
    },
  },
  {
    group: 'tasks',
    action: 'show',
    summary: 'show a task with its subtasks and result (--follow: live until it ends)',
    usage: SHOW_USAGE,
    options: { follow: { type: 'boolean' } },
    async run(ctx, { positionals, values }) {
      const [ref = '', taskId = ''] = expectPositionals(positionals, ['network', 'task'], SHOW_USAGE);
      const client = ctx.client();
      const networkId = await resolveNetworkId(client, ref);
      const task = await client.getTask(networkId, taskId);
      if (values.follow === true && !isTerminalTaskStatus(task.status)) return waitAndReport(ctx, networkId, task, null);
      if (ctx.json) {
        ctx.printJson(task);
        return EXIT.ok;
      }
      const waiting = waitingState(task) !== '' ? pendingApprovalsSection((await client.listTaskApprovals(networkId, task.id)).approvals, ctx.style, Date.now()) : [];
      ctx.print([taskDetails(task, ctx.style, ctx.width), ...(waiting.length > 0 ? ['', ...waiting] : [])].join('\n'));
      return EXIT.ok;
    },
  },
  {
    group: 'tasks',
    action: 'list',
    summary: "list a network's tasks, newest first",
    usage: `Usage: mesh tasks list <network> [--status <status>] [--limit <n>] [--offset <n>]\n\n<status> is one of ${TASK_STATUSES.join(', ')}.`,
    options: { status: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const usage = this.usage;
      const [ref = ''] = expectPositionals(positionals, ['network'], usage);
      const client = ctx.client();
      const list = await client.listTasks(await resolveNetworkId(client, ref), {
        status: stringOption(values, 'status'),
        limit: intOption(values, 'limit', usage),
        offset: intOption(values, 'offset', usage),
      });
      if (ctx.json) ctx.printJson(list);
      else if (list.tasks.length === 0) ctx.print('No tasks.');
      else ctx.print(`${tasksTable(list.tasks, ctx.width)}\n\n${list.tasks.length} of ${list.total} task(s)`);
      return EXIT.ok;
    },
  },
  {
    group: 'tasks',
    action: 'cancel',
    summary: 'cancel an unfinished task',
    usage: `Usage: mesh tasks cancel <network> <task>`,
    options: {},
    async run(ctx, { positionals }) {
      const [ref = '', taskId = ''] = expectPositionals(positionals, ['network', 'task'], this.usage);
      const client = ctx.client();
      const networkId = await resolveNetworkId(client, ref);
      const task = await client.cancelTask(networkId, taskId);
      if (ctx.json) ctx.printJson(task);
      else ctx.print(`Cancelled task ${task.id} (${task.status})`);
      return EXIT.ok;
    },
  },
  {
    group: 'tasks',
    action: 'rerun',
    summary: 'run a task again: a new task with the same input (--wait: live progress)',
    usage: RERUN_USAGE,
    options: { wait: { type: 'string' } },
    optionalValues: ['wait'],
    async run(ctx, { positionals, values }) {
      const [ref = '', taskId = ''] = expectPositionals(positionals, ['network', 'task'], RERUN_USAGE);
      const waitSeconds = waitOption(values, RERUN_USAGE);
      const client = ctx.client();
      const networkId = await resolveNetworkId(client, ref);
      const task = await client.rerunTask(networkId, taskId);
      if (waitSeconds !== undefined) return waitAndReport(ctx, networkId, task, waitSeconds);
      if (ctx.json) ctx.printJson(task);
      else ctx.print(`Started task ${task.id} (${task.status}), a re-run of ${taskId}\nFollow it with: mesh tasks show ${networkId} ${task.id} --follow`);
      return EXIT.ok;
    },
  },
  {
    group: 'tasks',
    action: 'retry',
    summary: 'retry one failed subtask of an ended task; the task runs on from there (--wait: live progress)',
    usage: RETRY_USAGE,
    options: { wait: { type: 'string' } },
    optionalValues: ['wait'],
    async run(ctx, { positionals, values }) {
      const [ref = '', taskId = '', subtaskRef = ''] = expectPositionals(positionals, ['network', 'task', 'subtask'], RETRY_USAGE);
      const waitSeconds = waitOption(values, RETRY_USAGE);
      const client = ctx.client();
      const networkId = await resolveNetworkId(client, ref);
      const subtaskId = UUID.test(subtaskRef) ? subtaskRef : subtaskByKey(await client.getTask(networkId, taskId), subtaskRef);
      const task = await client.retrySubtask(networkId, taskId, subtaskId);
      if (waitSeconds !== undefined) return waitAndReport(ctx, networkId, task, waitSeconds);
      if (ctx.json) ctx.printJson(task);
      else ctx.print(`Retrying subtask ${subtaskRef}: task ${task.id} is ${task.status} again\nFollow it with: mesh tasks show ${networkId} ${task.id} --follow`);
      return EXIT.ok;
    },
  },
];
