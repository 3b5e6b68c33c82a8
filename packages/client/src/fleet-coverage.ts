/**
 * Agent types no live worker serves, as clients tell them: the health report lists them, and adding
 * an agent of such a type answers 201 with `warnings`. The CLI and the console say the same fix.
 */

/** What serves `types`: one worker can take them all (`--agents` takes a comma-separated list). */
export function workerFix(types: string | readonly string[]): string {
  return `start a worker with --agents ${typeof types === 'string' ? types : types.join(',')} or --agents all`;
}

/** The `warnings` of an added agent (the client's Agent type does not declare them; an older API sends none). */
export function agentWarnings(created: unknown): string[] {
  if (typeof created !== 'object' || created === null || !('warnings' in created)) return [];
  const { warnings } = created;
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string' && w.trim() !== '') : [];
}
