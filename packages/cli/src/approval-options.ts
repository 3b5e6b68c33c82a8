import type { ApprovalOverrides, ToolCallApprovalPolicy } from '@mesh/core';
import { intOption, stringOption, type OptionSpecs, type OptionValues } from './args';
import { UsageError } from './cli-errors';

/**
 * Where a person is asked, as options of `networks create`, `networks update` and `tasks submit`:
 * the same flags everywhere, and each one sets exactly the settings it names (on update and submit
 * the others stay as the network has them).
 */

export const APPROVAL_OPTIONS = {
  approve: { type: 'string' },
  'approve-tools': { type: 'string' },
  questions: { type: 'boolean' },
  'no-questions': { type: 'boolean' },
} as const satisfies OptionSpecs;

export const APPROVAL_TIMEOUT_OPTION = { 'approval-timeout': { type: 'string' } } as const satisfies OptionSpecs;

/** The options' help, as [option, lines of its description]. */
const APPROVAL_HELP: [string, string[]][] = [
  ['--approve <list>', ['what a person approves before the task goes on: plan, result,', 'plan,result or none (sets both: the one not named is off)']],
  ['--approve-tools <policy>', ['tool calls that wait for a person: none, side_effects or all', '(a tool marked requires_approval always waits)']],
  ['--questions', ['agents may ask a person (the ask_human tool); --no-questions: not']],
];

const APPROVAL_TIMEOUT_HELP: [string, string[]][] = [
  ['--approval-timeout <s>', ['how long a request waits for a person before it expires and', 'counts as rejected (default 86400, at most 2592000)']],
];

/** The approval options' help lines, their descriptions starting at `column` (as the command's other options do). */
export function approvalUsage(column: number, withTimeout: boolean): string {
  return [...APPROVAL_HELP, ...(withTimeout ? APPROVAL_TIMEOUT_HELP : [])]
    .flatMap(([option, [first = '', ...rest]]) => [`  ${option}`.padEnd(column) + first, ...rest.map((line) => ' '.repeat(column) + line)])
    .join('\n');
}

const CHECKPOINTS = ['plan', 'result'] as const;
const TOOL_POLICIES = ['none', 'side_effects', 'all'] as const satisfies readonly ToolCallApprovalPolicy[];

/** The approval settings the options name; undefined when they name none. */
export function approvalOverridesFromOptions(values: OptionValues, usage: string): ApprovalOverrides | undefined {
  const overrides: ApprovalOverrides = { ...checkpoints(stringOption(values, 'approve'), usage) };
  const tools = stringOption(values, 'approve-tools');
  if (tools !== undefined) {
    const policy = TOOL_POLICIES.find((p) => p === tools.trim());
    if (!policy) throw new UsageError(`--approve-tools takes ${TOOL_POLICIES.join(', ')} (got "${tools}")`, usage);
    overrides.tool_calls = policy;
  }
  if (values.questions === true && values['no-questions'] === true) throw new UsageError('use --questions or --no-questions, not both', usage);
  if (values.questions === true) overrides.questions = true;
  if (values['no-questions'] === true) overrides.questions = false;
  return Object.keys(overrides).length > 0 ? overrides : undefined;
}

/** `--approval-timeout`, checked to be a positive number of seconds (the API checks the upper bound). */
export function approvalTimeoutFromOptions(values: OptionValues, usage: string): number | undefined {
  const seconds = intOption(values, 'approval-timeout', usage);
  if (seconds !== undefined && seconds < 1) throw new UsageError('--approval-timeout takes a number of seconds above 0', usage);
  return seconds;
}

function checkpoints(list: string | undefined, usage: string): Pick<ApprovalOverrides, 'plan' | 'result'> {
  if (list === undefined) return {};
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 1 && names[0] === 'none') return { plan: false, result: false };
  const unknown = names.filter((name) => !(CHECKPOINTS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`--approve takes plan, result, plan,result or none (got "${list}")`, usage);
  }
  return { plan: names.includes('plan'), result: names.includes('result') };
}
