import { workerFix } from '@mesh/client';
import { oneLine } from './terminal-text';

export { agentWarnings, workerFix } from '@mesh/client';

/**
 * Agent types no live worker serves, as the CLI tells them: the health report lists them, and
 * adding an agent of such a type answers 201 with `warnings`. The coordinator does not plan
 * subtasks for them, so whoever reads the output is told which worker to start.
 */

/** One line naming the unserved types and the fix; none when every type has a worker. Types come from the API: made safe here. */
export function unservedNote(types: readonly string[]): string[] {
  if (types.length === 0) return [];
  const names = types.map((t) => oneLine(t, 40));
  return [`no worker serves agent type${names.length === 1 ? '' : 's'} ${names.join(', ')}: the coordinator does not plan for ${names.length === 1 ? 'it' : 'them'}; ${workerFix(names)}`];
}
