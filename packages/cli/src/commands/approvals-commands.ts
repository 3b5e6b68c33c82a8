import { userInfo } from 'node:os';
import { APPROVAL_KINDS, APPROVAL_STATUSES, type MeshClient } from '@mesh/client';
import type { Approval } from '@mesh/core';
import { choiceOption, expectPositionals, intOption, parseJson, readText, requiredString, stringOption, type OptionValues } from '../args';
import { APPROVAL_KIND_NAMES, approvalDetails, approvalsTable, SHORT_ID_LENGTH } from '../approval-render';
import { EXIT, UsageError } from '../cli-errors';
import type { Command, CommandContext } from '../command';
import { approvalsInScope, networksInScope, resolveApproval } from './resolve-refs';

const NETWORK_USAGE = `  --network <network>      the network that holds it (an id or exact name); without it, each
                           of your networks is searched`;

const ID_USAGE = `<approval> is an approval id or its first characters (at least 4; a table in a terminal
shows ${SHORT_ID_LENGTH}).`;

const AS_USAGE = `  --as <name>              who decides, as recorded (default: your user name on this machine)`;

const LIST_USAGE = `Usage: mesh approvals list [--network <network>] [options]

Requests for a person, newest first: by default the pending ones (the inbox).

Options:
${NETWORK_USAGE}
  --status <status>        ${APPROVAL_STATUSES.join(', ')} or all (default pending)
  --kind <kind>            ${APPROVAL_KINDS.join(', ')}
  --task <task>            one task's requests (its id or first characters)
  --limit <n>              at most this many (default 50)`;

const SHOW_USAGE = `Usage: mesh approvals show <approval> [--network <network>]

A request in full: the plan's subtasks, the tool call with its arguments, the draft result or the
question; then the decision, or how to decide.

${ID_USAGE}

Options:
${NETWORK_USAGE}`;

const APPROVE_USAGE = `Usage: mesh approvals approve <approval> [--comment <text>] [--edits <json> | --edits @file.json]

Approves a plan, a tool call or a result; the task goes on at once.
${ID_USAGE}

Options:
  --comment <text>         why, for the record
  --edits <json>           approve a changed version instead (a JSON object, or @file to read it):
                             plan       {"subtasks": [{"key", "agent_type", "description",
                                        "depends_on": [...]}, ...]}
                             tool call  {"arguments": {...}} (must fit the tool's input schema)
                             result     {"content", "confidence"?, "explanation"?}
${AS_USAGE}
${NETWORK_USAGE}`;

const REJECT_USAGE = `Usage: mesh approvals reject <approval> --comment <text>

Rejects a plan, a tool call or a result; the comment tells the coordinator (or the agent) why.
${ID_USAGE}

Options:
  --comment <text>         why (required)
${AS_USAGE}
${NETWORK_USAGE}`;

const ANSWER_USAGE = `Usage: mesh approvals answer <approval> <answer>

Answers an agent's question; its subtask goes on with the answer.
${ID_USAGE}

Options:
${AS_USAGE}
${NETWORK_USAGE}`;

/** The client's decision input with `decided_by`, which the API takes (and the input type does not name). */
type Decision = Parameters<MeshClient['decideApproval']>[2] & { decided_by: string };

const DECIDED: Record<Approval['status'], string> = { approved: 'Approved', rejected: 'Rejected', answered: 'Answered', expired: 'Expired', pending: 'Pending' };

/** `--edits '{…}'` or `--edits @file.json`: a JSON object. */
function editsOption(values: OptionValues, usage: string): Record<string, unknown> | undefined {
  const text = stringOption(values, 'edits');
  if (text === undefined) return undefined;
  const path = text.startsWith('@') ? text.slice(1) : undefined;
  const source = path !== undefined ? `--edits @${path}` : '--edits';
  const value = parseJson(path !== undefined ? readText(path, '--edits', usage) : text, source, usage);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${source} must be a JSON object`, usage);
  return value as Record<string, unknown>;
}

/** Who decides: `--as`, else the OS user name. */
function deciderName(values: OptionValues, usage: string): string {
  const given = stringOption(values, 'as');
  if (given !== undefined) {
    if (given.trim() === '') throw new UsageError('--as needs a name', usage);
    return given;
  }
  try {
    return userInfo().username;
  } catch {
    // No user entry (some containers): nothing to default to.
    throw new UsageError('cannot tell your user name here: pass --as <name>', usage);
  }
}

/** Sends the decision to the network that holds the approval and prints what was decided. */
async function decide(ctx: CommandContext, values: OptionValues, ref: string, decision: Decision): Promise<number> {
  const client = ctx.client();
  const scope = await networksInScope(client, stringOption(values, 'network'));
  const { networkId, approvalId } = await resolveApproval(client, scope, ref);
  const decided = await client.decideApproval(networkId, approvalId, decision);
  if (ctx.json) {
    ctx.printJson(decided);
  } else {
    const goesOn = decided.kind === 'tool_call' || decided.kind === 'question' ? 'its subtask goes on' : 'the task goes on';
    ctx.print(`${DECIDED[decided.status]} ${APPROVAL_KIND_NAMES[decided.kind]} ${decided.id} of task ${decided.task_id}: ${goesOn}.\n`);
    ctx.print(approvalDetails(decided, ctx.style, Date.now(), ctx.width));
  }
  return EXIT.ok;
}

const SHARED_OPTIONS = { network: { type: 'string' } } as const;
const DECIDER_OPTIONS = { ...SHARED_OPTIONS, as: { type: 'string' } } as const;

export const approvalsCommands: Command[] = [
  {
    group: 'approvals',
    action: 'list',
    summary: 'requests for a person (default: the pending ones)',
    usage: LIST_USAGE,
    options: { ...SHARED_OPTIONS, status: { type: 'string' }, kind: { type: 'string' }, task: { type: 'string' }, limit: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      expectPositionals(positionals, [], LIST_USAGE);
      const status = choiceOption(values, 'status', [...APPROVAL_STATUSES, 'all'], LIST_USAGE) ?? 'pending';
      const limit = intOption(values, 'limit', LIST_USAGE) ?? 50;
      if (limit < 1) throw new UsageError('--limit takes a number above 0', LIST_USAGE);
      const client = ctx.client();
      const networkRef = stringOption(values, 'network');
      const scope = await networksInScope(client, networkRef);
      const approvals = await approvalsInScope(client, scope, {
        status: status === 'all' ? undefined : status,
        kind: choiceOption(values, 'kind', APPROVAL_KINDS, LIST_USAGE),
        task: stringOption(values, 'task'),
        limit,
      });
      if (ctx.json) {
        ctx.printJson({ approvals });
      } else if (approvals.length === 0) {
        ctx.print(status === 'pending' ? 'Nothing is waiting for a person.' : 'No approvals.');
      } else {
        const networkNames = networkRef === undefined ? new Map(scope.map((n) => [n.id, n.name ?? n.id])) : undefined;
        ctx.print(approvalsTable(approvals, { nowMs: Date.now(), width: ctx.width, ...(networkNames ? { networkNames } : {}) }));
        ctx.print(`\n${approvals.length} approval(s). Show one with: mesh approvals show <id>`);
      }
      return EXIT.ok;
    },
  },
  {
    group: 'approvals',
    action: 'show',
    summary: 'show a request in full: what a person is asked, and the decision',
    usage: SHOW_USAGE,
    options: SHARED_OPTIONS,
    async run(ctx, { positionals, values }) {
      const [ref = ''] = expectPositionals(positionals, ['approval'], SHOW_USAGE);
      const client = ctx.client();
      const scope = await networksInScope(client, stringOption(values, 'network'));
      const found = await resolveApproval(client, scope, ref);
      const approval = found.approval ?? (await client.getApproval(found.networkId, found.approvalId));
      if (ctx.json) ctx.printJson(approval);
      else ctx.print(approvalDetails(approval, ctx.style, Date.now(), ctx.width));
      return EXIT.ok;
    },
  },
  {
    group: 'approvals',
    action: 'approve',
    summary: 'approve a plan, tool call or result (optionally edited)',
    usage: APPROVE_USAGE,
    options: { ...DECIDER_OPTIONS, comment: { type: 'string' }, edits: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const [ref = ''] = expectPositionals(positionals, ['approval'], APPROVE_USAGE);
      const comment = stringOption(values, 'comment');
      const edits = editsOption(values, APPROVE_USAGE);
      const decision = { decision: 'approve' as const, ...(comment !== undefined ? { comment } : {}), ...(edits !== undefined ? { edits } : {}), decided_by: deciderName(values, APPROVE_USAGE) };
      return decide(ctx, values, ref, decision);
    },
  },
  {
    group: 'approvals',
    action: 'reject',
    summary: 'reject a plan, tool call or result, saying why',
    usage: REJECT_USAGE,
    options: { ...DECIDER_OPTIONS, comment: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const [ref = ''] = expectPositionals(positionals, ['approval'], REJECT_USAGE);
      const decision = { decision: 'reject' as const, comment: requiredString(values, 'comment', REJECT_USAGE), decided_by: deciderName(values, REJECT_USAGE) };
      return decide(ctx, values, ref, decision);
    },
  },
  {
    group: 'approvals',
    action: 'answer',
    summary: "answer an agent's question",
    usage: ANSWER_USAGE,
    options: DECIDER_OPTIONS,
    async run(ctx, { positionals, values }) {
      const [ref = '', answer = ''] = expectPositionals(positionals, ['approval', 'answer'], ANSWER_USAGE);
      if (answer.trim() === '') throw new UsageError('the answer is empty', ANSWER_USAGE);
      return decide(ctx, values, ref, { answer, decided_by: deciderName(values, ANSWER_USAGE) });
    },
  },
];

