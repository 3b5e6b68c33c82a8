import { parseCommandArgs } from './args';
import { APPROVAL_OPTIONS, APPROVAL_TIMEOUT_OPTION, approvalOverridesFromOptions, approvalTimeoutFromOptions, approvalUsage } from './approval-options';
import { UsageError } from './cli-errors';

const OPTIONS = { ...APPROVAL_OPTIONS, ...APPROVAL_TIMEOUT_OPTION };
const values = (...argv: string[]) => parseCommandArgs(argv, OPTIONS, 'usage').values;
const overrides = (...argv: string[]) => approvalOverridesFromOptions(values(...argv), 'usage');

describe('approvalOverridesFromOptions', () => {
  it('sets only the settings the options name', () => {
    expect(overrides()).toBeUndefined();
    expect(overrides('--approve-tools', 'side_effects')).toEqual({ tool_calls: 'side_effects' });
    expect(overrides('--questions')).toEqual({ questions: true });
    expect(overrides('--no-questions')).toEqual({ questions: false });
    expect(overrides('--approve', 'plan', '--approve-tools', 'all', '--questions')).toEqual({ plan: true, result: false, tool_calls: 'all', questions: true });
  });

  it('--approve sets plan and result both: the one not named is off, none turns both off', () => {
    expect(overrides('--approve', 'plan')).toEqual({ plan: true, result: false });
    expect(overrides('--approve', 'result')).toEqual({ plan: false, result: true });
    expect(overrides('--approve', 'plan,result')).toEqual({ plan: true, result: true });
    expect(overrides('--approve', ' result , plan ')).toEqual({ plan: true, result: true });
    expect(overrides('--approve', 'none')).toEqual({ plan: false, result: false });
  });

  it.each([
    [['--approve', 'plans'], '--approve takes plan, result, plan,result or none (got "plans")'],
    [['--approve', 'none,plan'], '--approve takes plan, result, plan,result or none'],
    [['--approve', ','], '--approve takes plan, result, plan,result or none'],
    [['--approve-tools', 'side-effects'], '--approve-tools takes none, side_effects, all (got "side-effects")'],
    [['--questions', '--no-questions'], 'use --questions or --no-questions, not both'],
  ])('refuses %j as a usage error', (argv, message) => {
    const run = () => overrides(...argv);
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
  });
});

describe('approvalTimeoutFromOptions', () => {
  it('takes whole seconds above 0', () => {
    expect(approvalTimeoutFromOptions(values(), 'usage')).toBeUndefined();
    expect(approvalTimeoutFromOptions(values('--approval-timeout', '3600'), 'usage')).toBe(3600);
    expect(() => approvalTimeoutFromOptions(values('--approval-timeout', '0'), 'usage')).toThrow('--approval-timeout takes a number of seconds above 0');
    expect(() => approvalTimeoutFromOptions(values('--approval-timeout', '1.5'), 'usage')).toThrow('--approval-timeout must be an integer');
  });
});

describe('approvalUsage', () => {
  it("starts the descriptions at the command's column", () => {
    const lines = approvalUsage(27, true).split('\n');
    expect(lines[0]).toBe('  --approve <list>         what a person approves before the task goes on: plan, result,');
    for (const line of lines) expect(line.slice(0, 27).trim() === '' || line.startsWith('  --')).toBe(true);
    for (const line of lines.filter((l) => l.startsWith('  --'))) expect(line[26]).toBe(' ');
    expect(approvalUsage(29, false)).not.toContain('--approval-timeout');
  });
});
