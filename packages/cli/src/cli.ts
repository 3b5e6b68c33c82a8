import { GLOBAL_USAGE, normaliseOptionalValues, parseCommandArgs, splitLeadingGlobals, stringOption } from './args';
import { MeshApiError, MeshClient } from '@mesh/client';
import { describeApiError, errorMessage, EXIT, UsageError } from './cli-errors';
import type { Command, CommandContext, Output } from './command';
import { agentsCommands } from './commands/agents-commands';
import { approvalsCommands } from './commands/approvals-commands';
import { budgetsCommands } from './commands/budgets-commands';
import { evalsCommands } from './commands/evals-commands';
import { feedbackCommands } from './commands/feedback-commands';
import { healthCommand } from './commands/health-command';
import { memoryCommands } from './commands/memory-commands';
import { networksCommands } from './commands/networks-commands';
import { statsCommand } from './commands/stats-command';
import { tasksCommands } from './commands/tasks-commands';
import { usageCommand } from './commands/usage-command';
import { colourStyle, plainStyle } from './terminal-text';

export const COMMANDS: readonly Command[] = [
  ...networksCommands,
  ...agentsCommands,
  ...tasksCommands,
  ...approvalsCommands,
  ...memoryCommands,
  usageCommand,
  statsCommand,
  ...budgetsCommands,
  ...evalsCommands,
  ...feedbackCommands,
  healthCommand,
];

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface CliIo {
  stdout: Output;
  stderr: Output;
  /** MESH_URL, MESH_API_KEY, NO_COLOR. */
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

function commandName(c: Command): string {
  return c.action ? `${c.group} ${c.action}` : c.group;
}

export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => commandName(c).length));
  return [
    'Usage: mesh <command> [arguments] [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${commandName(c).padEnd(width)}  ${c.summary}`),
    '',
    GLOBAL_USAGE,
    '',
    '<network> is a network id or its exact name; <approval> an approval id or its first characters.',
    '`mesh <command> --help` shows a command\'s options.',
    'Exit codes: 0 success, 1 error (API, connection, task failed), 2 usage error, 3 still running after --wait.',
  ].join('\n');
}

function groupUsage(group: string): string {
  const commands = COMMANDS.filter((c) => c.group === group);
  const actions = commands.map((c) => c.action).filter((a) => a !== '');
  // A group with a command of its own runs it when no action is named (`mesh budgets`).
  const line = commands.some((c) => c.action === '') ? `Usage: mesh ${group} [${actions.join('|')}] …` : `Usage: mesh ${group} <${actions.join('|')}> …`;
  return [line, '', ...commands.map((c) => `  mesh ${commandName(c).padEnd(18)} ${c.summary}`)].join('\n');
}

/** `missing`: the command was cut short (`mesh`, `mesh tasks`), not misspelt. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | { usage: string; message?: string; missing?: boolean } {
  const [group, action] = argv;
  if (group === undefined) return { usage: mainUsage(), missing: true };
  if (group === '--help' || group === '-h' || group === 'help') return { usage: mainUsage() };
  const inGroup = COMMANDS.filter((c) => c.group === group);
  if (inGroup.length === 0) return { usage: mainUsage(), message: `unknown command "${group}"` };
  const single = inGroup.find((c) => c.action === '');
  const named = action ? inGroup.find((c) => c.action === action) : undefined;
  if (named) return { command: named, rest: argv.slice(2) };
  // `mesh usage --from …`, `mesh budgets`: the group's own command; `mesh budgets sett` is misspelt.
  if (single && (action === undefined || action.startsWith('-') || inGroup.length === 1 || single.leadingPositional)) return { command: single, rest: argv.slice(1) };
  if (single) return { usage: groupUsage(group), message: `unknown command "${group} ${action}"` };
  if (action === undefined || action === '--help' || action === '-h') {
    return { usage: groupUsage(group), ...(action === undefined ? { message: `missing a ${group} command`, missing: true } : {}) };
  }
  return { usage: groupUsage(group), message: `unknown command "${group} ${action}"` };
}

/** Runs one invocation of `mesh` and answers its exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const fail = (text: string) => io.stderr.write(`${text}\n`);
  let globals: string[];
  let found: ReturnType<typeof findCommand>;
  try {
    const split = splitLeadingGlobals(argv);
    globals = split.globals;
    found = findCommand(split.rest);
  } catch (err) {
    fail(`mesh: ${errorMessage(err)}\n\n${mainUsage()}`);
    return EXIT.usage;
  }
  if ('usage' in found) {
    const helpAsked = globals.includes('--help');
    // `mesh --api-key K` names no command; `mesh --help` and `mesh --help tasks` ask for help.
    const message = found.message ?? (found.missing && globals.length > 0 && !helpAsked ? 'missing a command' : undefined);
    if (message && !(found.missing && helpAsked)) {
      fail(`mesh: ${message}\n\n${found.usage}`);
      return EXIT.usage;
    }
    io.stdout.write(`${found.usage}\n`);
    return EXIT.ok;
  }
  const { command } = found;
  // Leading globals first: parseArgs keeps an option's last value, so the later one wins.
  const rest = [...globals, ...normaliseOptionalValues(found.rest, command.optionalValues ?? [])];
  const usage = `${command.usage}\n\n${GLOBAL_USAGE}`;
  const useColour = io.stdout.isTTY && !io.env.NO_COLOR;
  try {
    const args = parseCommandArgs(rest, command.options, usage);
    if (args.values.help === true) {
      io.stdout.write(`${usage}\n`);
      return EXIT.ok;
    }
    const json = args.values.json === true;
    const baseUrl = stringOption(args.values, 'url') ?? io.env.MESH_URL ?? DEFAULT_URL;
    const apiKey = stringOption(args.values, 'api-key') ?? io.env.MESH_API_KEY;
    if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`the API URL must start with http:// or https:// (got "${baseUrl}")`, usage);
    let client: MeshClient | undefined;
    const ctx: CommandContext = {
      client() {
        if (!apiKey && command.group !== 'health') throw new UsageError('no API key: set MESH_API_KEY or pass --api-key', usage);
        client ??= new MeshClient({ baseUrl, apiKey: apiKey ?? '', headers: { 'user-agent': 'mesh-cli' }, ...(io.fetch ? { fetch: io.fetch } : {}) });
        return client;
      },
      json,
      stdout: io.stdout,
      stderr: io.stderr,
      width: io.stdout.isTTY ? io.stdout.columns || 80 : undefined,
      style: useColour ? colourStyle : plainStyle,
      signal: io.signal ?? new AbortController().signal,
      print: (text = '') => io.stdout.write(`${text}\n`),
      printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    };
    return await command.run(ctx, args);
  } catch (err) {
    if (err instanceof UsageError) {
      fail(`mesh ${commandName(command)}: ${err.message}\n\n${err.usage ?? usage}`);
      return EXIT.usage;
    }
    fail(`Error: ${err instanceof MeshApiError ? describeApiError(err) : errorMessage(err)}`);
    return EXIT.failure;
  }
}
