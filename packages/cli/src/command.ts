import type { MeshClient } from '@mesh/client';
import type { OptionSpecs, OptionValues } from './args';
import type { Style } from './terminal-text';

export interface Output {
  write(text: string): void;
  isTTY: boolean;
  columns?: number;
}

export interface CommandContext {
  /** Throws a usage error when no API key is configured (only commands that call the API ask for it). */
  client(): MeshClient;
  json: boolean;
  stdout: Output;
  stderr: Output;
  /** The width tables fit: the terminal's (80 when it does not say); undefined when stdout is not a terminal. */
  width: number | undefined;
  style: Style;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** One line to stdout. */
  print(text?: string): void;
  /** The API's JSON answer, as is (for `--json`). */
  printJson(value: unknown): void;
}

export interface CommandArgs {
  positionals: string[];
  values: OptionValues;
}

/** One `mesh <group> <action>` command: its options, help and what it does; answers the exit code. */
export interface Command {
  group: string;
  action: string;
  summary: string;
  /** The usage line(s) and options, shown by --help and on usage errors. */
  usage: string;
  options: OptionSpecs;
  /**
   * The group's own command (action '') whose first argument is a positional (`mesh feedback
   * <task>`): a word that names none of the group's actions is that argument, not a misspelling.
   */
  leadingPositional?: boolean;
  /** Options whose value is optional (`--wait [seconds]`). */
  optionalValues?: readonly string[];
  run(ctx: CommandContext, args: CommandArgs): Promise<number>;
}
