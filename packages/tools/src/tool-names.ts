import { createHash } from 'node:crypto';
import { DERIVED_SEGMENT } from '@mesh/core';

/** A segment of a derived tool name made from an operationId or MCP tool name: letters, digits, _ and -. */
export function toolNameSegment(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 64);
  return DERIVED_SEGMENT.test(safe) ? safe : 'operation';
}

/** Tool names on the wire: OpenAI and Anthropic accept `[a-zA-Z0-9_-]{1,64}`, so no dots. */
const WIRE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Wire names for a set of tool names, unique within the set: `analytics.getReport` becomes
 * `analytics__getReport`; a name too long or colliding gets a short hash suffix. Provider
 * adapters send the wire name and map the model's calls back with the returned map.
 */
export function wireToolNames(names: readonly string[]): Map<string, string> {
  const byName = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of names) {
    let wire = name.replace(/\./g, '__');
    if (!WIRE_NAME.test(wire) || taken.has(wire)) {
      const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
      wire = `${wire.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 55)}_${hash}`;
    }
    taken.add(wire);
    byName.set(name, wire);
  }
  return byName;
}
