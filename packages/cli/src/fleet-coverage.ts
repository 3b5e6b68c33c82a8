import { oneLine } from './terminal-text';

/**
 * Agent types no live worker serves, as the CLI tells them: the health report lists them, and
 * adding an agent of such a type answers 201 with `warnings`. The coordinator does not plan
 * subtasks for them, so whoever reads the output is told which worker to start.
 */

/** What serves `types`: one worker can take them all (`--agents` takes a comma-separated list). */
export function workerFix(types: readonly string[]): string {
  return `start a worker with --agents ${types.join(',')} or --agents all`;
}

/** One line naming the unserved types and the fix; none when every type has a worker. Types come from the API: made safe here. */
export function unservedNote(types: readonly string[]): string[] {
  if (types.length === 0) return [];
  const names = types.map((t) => oneLine(t, 40));
  return [`no worker serves agent type${names.length === 1 ? '' : 's'} ${names.join(', ')}: the coordinator does not plan for ${names.length === 1 ? 'it' : 'them'}; ${workerFix(names)}`];
}

/** The `warnings` of an added agent (the client's Agent type does not declare them; an older API sends none). */
export function agentWarnings(created: unknown): string[] {
  if (typeof created !== 'object' || created === null || !('warnings' in created)) return [];
  const { warnings } = created;
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string' && w.trim() !== '') : [];
}
