import { readFile } from 'node:fs/promises';
import { MeshApiError, type MeshClient } from '@mesh/client';
import type { Feedback, LessonSet, Lessons } from '@mesh/core';
import { expectPositionals, intOption, stringOption } from '../args';
import { EXIT, UsageError } from '../cli-errors';
import type { Command } from '../command';
import { formatTable } from '../table';
import { oneLine, safeText, type Style } from '../terminal-text';
import { mapFew, networksInScope, resolveAgentId, resolveNetworkId } from './resolve-refs';

const GIVE_USAGE = `Usage: mesh feedback <task> --rating <1-5> [--comment <text>] [--subtask <id>] [--correction <text>] [--network <network>]
       mesh feedback list <task> [--network <network>]

Rates a task that has ended. With --subtask the feedback is on that subtask and belongs to its
agent type; without, on the task's result and the coordinator. It is stored as shared memory
(type feedback) too, and every few items (the API's MESH_LESSON_EVERY) the coordinator distils
an agent type's feedback into its lessons (see \`mesh lessons\`).

Options:
  --rating <1-5>           (required) 1 bad … 5 excellent
  --comment <text>         what was good or wrong
  --subtask <id>           a subtask of the task (its id, as \`mesh tasks show\` lists it)
  --correction <text>      what the right answer would have been
  --network <network>      the task's network (default: looked up among your networks)`;

const LIST_USAGE = `Usage: mesh feedback list <task> [--network <network>]

The feedback given on a task and its subtasks, oldest first.

Options:
  --network <network>      the task's network (default: looked up among your networks)`;

const LESSONS_USAGE = `Usage: mesh lessons <network> <agent> [--set <file> | --clear]

An agent's lessons: guidelines distilled from people's feedback on its earlier work, which its
prompts carry; with their history and the feedback waiting for the next distillation.
<agent> is an agent id, type or name.

Options:
  --set <file>             replace the lessons with those in <file>, one per line (blank lines
                           are skipped; "-" reads standard input)
  --clear                  remove the lessons (the history keeps them)`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The network that holds a task: `--network`, else the one of the caller's networks that knows it. */
async function taskNetwork(client: MeshClient, taskId: string, networkRef: string | undefined, usage: string): Promise<string> {
  if (!UUID.test(taskId)) throw new UsageError(`<task> is a task id (got "${taskId}")`, usage);
  if (networkRef !== undefined) return resolveNetworkId(client, networkRef);
  const scope = await networksInScope(client, undefined);
  const found = await mapFew(scope, async (network) => {
    try {
      return (await client.getTask(network.id, taskId)).network_id;
    } catch (err) {
      if (err instanceof MeshApiError && err.status === 404) return null;
      throw err;
    }
  });
  const networkId = found.find((id) => id !== null);
  if (!networkId) throw new MeshApiError(`Task ${taskId} not found in any of your networks`, 404, 'not_found');
  return networkId;
}

function feedbackLine(f: Feedback): string[] {
  const about = f.subtask_id ? `${f.agent_type} (subtask ${f.subtask_id.slice(0, 8)})` : `${f.agent_type} (the task)`;
  const words = [f.comment, f.correction ? `correction: ${f.correction}` : null].filter((w): w is string => w !== null);
  return [f.created_at.replace('T', ' ').slice(0, 19), `${f.rating}/5`, about, f.lesson_version === null ? 'pending' : `v${f.lesson_version}`, oneLine(safeText(words.join(' · ')) || '-')];
}

export function feedbackTable(feedback: readonly Feedback[], width?: number): string {
  if (feedback.length === 0) return 'No feedback yet.';
  return formatTable(['GIVEN', 'RATING', 'ON', 'LESSONS', 'COMMENT'], feedback.map(feedbackLine), { maxWidth: width, flexible: [4] });
}

function lessonSetLines(set: LessonSet, style: Style): string[] {
  const head = `${style.bold(`v${set.version}`)} ${set.source === 'person' ? 'set by a person' : 'distilled from feedback'}, ${set.created_at.replace('T', ' ').slice(0, 16)} UTC`;
  if (set.lessons.length === 0) return [head, '  (cleared)'];
  return [head, ...set.lessons.map((l, i) => `  ${i + 1}. ${oneLine(safeText(l.text))}${l.sources.length > 0 ? style.dim(` [from ${l.sources.map((s) => s.slice(0, 8)).join(', ')}]`) : ''}`)];
}

/** An agent's lessons for the terminal: the current set, then the older versions. */
export function lessonsDetails(view: Lessons, style: Style): string {
  const lines = [`Lessons of the ${view.agent_type} agent (${view.agent_id})`, ''];
  if (view.current) lines.push(...lessonSetLines(view.current, style));
  else lines.push('No lessons in force.');
  const distils = view.lesson_every === 0 ? 'distillation is off (MESH_LESSON_EVERY=0)' : `distilled again at ${view.lesson_every}`;
  lines.push('', `Feedback waiting to be distilled: ${view.pending_feedback} (${distils}).`);
  const older = view.history.filter((s) => s.version !== view.current?.version);
  if (older.length > 0) lines.push('', 'History:', ...older.flatMap((s) => lessonSetLines(s, style)));
  return lines.join('\n');
}

async function readLessonsFile(path: string): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, LESSONS_USAGE);
  }
}

export const feedbackCommands: Command[] = [
  {
    group: 'feedback',
    action: '',
    summary: 'rate a task that has ended, or one of its subtasks (1-5, with a comment or correction)',
    usage: GIVE_USAGE,
    leadingPositional: true,
    options: { rating: { type: 'string' }, comment: { type: 'string' }, subtask: { type: 'string' }, correction: { type: 'string' }, network: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const [taskId] = expectPositionals(positionals, ['task'], GIVE_USAGE);
      const rating = intOption(values, 'rating', GIVE_USAGE);
      if (rating === undefined) throw new UsageError('--rating is required', GIVE_USAGE);
      if (rating < 1 || rating > 5) throw new UsageError(`--rating takes 1 to 5 (got ${rating})`, GIVE_USAGE);
      const subtask = stringOption(values, 'subtask');
      if (subtask !== undefined && !UUID.test(subtask)) throw new UsageError(`--subtask takes a subtask id (got "${subtask}")`, GIVE_USAGE);
      const client = ctx.client();
      const networkId = await taskNetwork(client, taskId!, stringOption(values, 'network'), GIVE_USAGE);
      const { feedback } = await client.giveFeedback(
        networkId,
        taskId!,
        { rating, comment: stringOption(values, 'comment'), subtask_id: subtask, correction: stringOption(values, 'correction') },
        ctx.signal,
      );
      if (ctx.json) ctx.printJson({ feedback });
      else ctx.print(`Feedback ${feedback.feedback_id} recorded: ${feedback.rating}/5 on the ${feedback.agent_type} agent's work.`);
      return EXIT.ok;
    },
  },
  {
    group: 'feedback',
    action: 'list',
    summary: 'the feedback given on a task and its subtasks',
    usage: LIST_USAGE,
    options: { network: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const [taskId] = expectPositionals(positionals, ['task'], LIST_USAGE);
      const client = ctx.client();
      const networkId = await taskNetwork(client, taskId!, stringOption(values, 'network'), LIST_USAGE);
      const { feedback } = await client.taskFeedback(networkId, taskId!, ctx.signal);
      if (ctx.json) ctx.printJson({ feedback });
      else ctx.print(feedbackTable(feedback, ctx.width));
      return EXIT.ok;
    },
  },
  {
    group: 'lessons',
    action: '',
    summary: "an agent's lessons from feedback, with their history; --set or --clear replaces them",
    usage: LESSONS_USAGE,
    options: { set: { type: 'string' }, clear: { type: 'boolean' } },
    async run(ctx, { positionals, values }) {
      const [networkRef, agentRef] = expectPositionals(positionals, ['network', 'agent'], LESSONS_USAGE);
      const file = stringOption(values, 'set');
      const clear = values.clear === true;
      if (file !== undefined && clear) throw new UsageError('use --set or --clear, not both', LESSONS_USAGE);
      let replacement: string[] | undefined;
      if (clear) replacement = [];
      else if (file !== undefined) {
        replacement = (await readLessonsFile(file))
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter((line) => line !== '');
        if (replacement.length === 0) throw new UsageError(`${file} holds no lessons (one per line); to remove them use --clear`, LESSONS_USAGE);
      }
      const client = ctx.client();
      const networkId = await resolveNetworkId(client, networkRef!);
      const agentId = await resolveAgentId(client, networkId, agentRef!);
      const view = replacement ? await client.putLessons(networkId, agentId, replacement.map((text) => ({ text })), ctx.signal) : await client.agentLessons(networkId, agentId, ctx.signal);
      if (ctx.json) ctx.printJson(view);
      else ctx.print(lessonsDetails(view, ctx.style));
      return EXIT.ok;
    },
  },
];
