import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-errors';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

export const GLOBAL_USAGE = `Global options:
  --url <url>          API origin (default: $MESH_URL or http://127.0.0.1:8080)
  --api-key <key>      API key (default: $MESH_API_KEY)
  --json               print the API's JSON answer instead of text
  -h, --help           show help

Global options go before the command (mesh --api-key KEY networks list) or after it; given in
both places, the later one wins.`;

/**
 * The global options in front of the command (`mesh --url U --json networks list`), as `--name=value`
 * tokens, and the command with its own arguments. Only global options may come first: anything else
 * that looks like an option is a usage error naming it.
 */
export function splitLeadingGlobals(argv: readonly string[]): { globals: string[]; rest: string[] } {
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') break;
    const [flag = '', inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const name = flag === '-h' ? 'help' : flag.slice(2);
    const spec = flag.startsWith('--') || flag === '-h' ? GLOBAL_OPTIONS[name as keyof typeof GLOBAL_OPTIONS] : undefined;
    if (!spec) throw new UsageError(`Unknown global option '${flag}' (a command's own options go after the command)`);
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`Option '${flag}' does not take an argument`);
      globals.push(`--${name}`);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`Option '${flag} <value>' argument missing`);
    globals.push(`--${name}=${value}`);
  }
  return { globals, rest: argv.slice(i) };
}

/**
 * `--wait` takes an optional number of seconds, which parseArgs cannot express: `--wait 30` and
 * `--wait=30` wait up to 30 s, a bare `--wait` (`--wait=`) until the task ends.
 */
export function normaliseOptionalValues(argv: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (names.includes(name)) {
      const next = argv[i + 1];
      if (next !== undefined && /^\d+(\.\d+)?$/.test(next)) {
        out.push(`--${name}=${next}`);
        i++;
      } else {
        out.push(`--${name}=`);
      }
      continue;
    }
    out.push(arg);
  }
  return out;
}

export function parseCommandArgs(argv: readonly string[], options: OptionSpecs, usage: string): { positionals: string[]; values: OptionValues } {
  try {
    const parsed = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { positionals: parsed.positionals, values: parsed.values as OptionValues };
  } catch (err) {
    // parseArgs' messages name the option: "Unknown option '--nme'", "Option '--name <value>' argument missing".
    throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err), usage);
  }
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredString(values: OptionValues, name: string, usage: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`, usage);
  return value;
}

export function intOption(values: OptionValues, name: string, usage: string): number | undefined {
  const value = stringOption(values, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${name} must be an integer (got "${value}")`, usage);
  return Number.parseInt(value, 10);
}

export function numberOption(values: OptionValues, name: string, usage: string): number | undefined {
  const value = stringOption(values, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new UsageError(`--${name} must be a number (got "${value}")`, usage);
  return number;
}

/** A value out of `allowed` (`--group-by day`), or undefined when the option is not given. */
export function choiceOption<T extends string>(values: OptionValues, name: string, allowed: readonly T[], usage: string): T | undefined {
  const value = stringOption(values, name);
  if (value === undefined) return undefined;
  const match = allowed.find((a) => a === value);
  if (match === undefined) throw new UsageError(`--${name} takes ${allowed.join(', ')} (got "${value}")`, usage);
  return match;
}

const UTC_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A point in time for the API: an ISO time as given (the API checks its form and offset), or a
 * date (`2026-05-01`), which is its UTC midnight.
 */
export function instantOption(values: OptionValues, name: string, usage: string): string | undefined {
  const value = stringOption(values, name)?.trim();
  if (value === undefined) return undefined;
  const instant = UTC_DATE.test(value) ? `${value}T00:00:00Z` : value;
  if (Number.isNaN(Date.parse(instant))) throw new UsageError(`--${name} takes an ISO time (2026-05-01T09:00:00Z) or a UTC date (2026-05-01) (got "${value}")`, usage);
  return instant;
}

/** A JSON object given inline (`--context '{…}'`) or in a file (`--context-file f`). */
export function jsonObjectOption(values: OptionValues, inline: string, file: string | null, usage: string): Record<string, unknown> | undefined {
  const text = stringOption(values, inline);
  const path = file ? stringOption(values, file) : undefined;
  if (text !== undefined && path !== undefined) throw new UsageError(`use --${inline} or --${file}, not both`, usage);
  if (text === undefined && path === undefined) return undefined;
  const source = path !== undefined ? `--${file} ${path}` : `--${inline}`;
  const value = parseJson(path !== undefined ? readText(path, `--${file}`, usage) : (text ?? ''), source, usage);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${source} must be a JSON object`, usage);
  return value as Record<string, unknown>;
}

export function readText(path: string, option: string, usage: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${option}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, usage);
  }
}

export function parseJson(text: string, source: string, usage: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${source} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, usage);
  }
}

export function expectPositionals(positionals: string[], names: readonly string[], usage: string): string[] {
  if (positionals.length < names.length) throw new UsageError(`missing <${names[positionals.length]}>`, usage);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument "${positionals[names.length]}"`, usage);
  return positionals;
}
