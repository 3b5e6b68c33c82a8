import { UsageError } from './cli-errors';

/**
 * A case file: one JSON object per line (`{id, task, context?, network_id?, assertions?, rubric?}`),
 * blank lines and lines starting with `#` or `//` ignored. Each line is checked here for what a
 * reader can fix at once (valid JSON, an object, an id, a task, something to judge it by); the API
 * checks the rest, and its answer is mapped back to line numbers (see caseLineOf).
 */
export interface CaseFile {
  cases: Record<string, unknown>[];
  /** The file's line number (1-based) of each case, by position. */
  lines: number[];
}

const CASE_ID = /^[A-Za-z0-9_.-]{1,100}$/;

export function parseCaseFile(text: string, source: string, usage: string): CaseFile {
  const cases: Record<string, unknown>[] = [];
  const lines: number[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('//')) return;
    const problem = caseProblem(trimmed);
    if (typeof problem === 'string') {
      problems.push(`${source} line ${line}: ${problem}`);
      return;
    }
    const id = problem.id as string;
    const first = seen.get(id);
    if (first !== undefined) problems.push(`${source} line ${line}: case id "${id}" is already used on line ${first}`);
    seen.set(id, line);
    cases.push(problem);
    lines.push(line);
  });
  if (problems.length > 0) throw new UsageError(`${problems.slice(0, 10).join('\n')}${problems.length > 10 ? `\n… and ${problems.length - 10} more` : ''}\nNothing was started.`, usage);
  if (cases.length === 0) throw new UsageError(`${source} has no cases (one JSON object per line)`, usage);
  return { cases, lines };
}

/** The case, or what is wrong with the line. */
function caseProblem(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `not valid JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a JSON object: {"id": …, "task": …, "assertions": […]}';
  const c = value as Record<string, unknown>;
  if (typeof c.id !== 'string' || !CASE_ID.test(c.id)) return '"id" must be 1-100 letters, digits, _, . or -';
  if (typeof c.task !== 'string' || c.task.trim() === '') return '"task" must be a non-empty string';
  if (c.assertions !== undefined && !Array.isArray(c.assertions)) return '"assertions" must be a list';
  const assertions = (c.assertions as unknown[] | undefined) ?? [];
  if (assertions.length === 0 && c.rubric === undefined) return 'a case needs at least one assertion or a rubric';
  for (const [i, a] of assertions.entries()) {
    const type = (a as { type?: unknown } | null)?.type;
    if (typeof type !== 'string') return `assertion ${i + 1} has no "type" (contains, not_contains, regex, json_field_equals, max_length)`;
    if (type === 'regex') {
      const { pattern, flags } = a as { pattern?: unknown; flags?: unknown };
      try {
        new RegExp(String(pattern), typeof flags === 'string' ? flags : '');
      } catch (err) {
        return `assertion ${i + 1}: the regex does not compile (${err instanceof Error ? err.message : String(err)})`;
      }
    }
  }
  return c;
}

/** `cases.3.assertions.0.pattern` → `line 7: assertions.0.pattern`, for the API's validation details. */
export function caseLineOf(path: string, file: CaseFile): string {
  const match = /^cases\.(\d+)(?:\.(.*))?$/.exec(path);
  const line = match ? file.lines[Number(match[1])] : undefined;
  if (!match || line === undefined) return path;
  return `line ${line}${match[2] ? `: ${match[2]}` : ''}`;
}
