import type { LlmCall } from '@mesh/core';

/** What the call inspector says a call was for, in words. */
export function callLabel(call: Pick<LlmCall, 'purpose' | 'subtask_key' | 'agent_type' | 'iteration' | 'turn'>): string {
  const iteration = call.iteration !== null ? ` (iteration ${call.iteration})` : '';
  switch (call.purpose) {
    case 'plan':
      return `Coordinator plan${iteration}`;
    case 'plan_repair':
      return `Coordinator plan repair${iteration}`;
    case 'finalize':
      return 'Coordinator synthesis';
    case 'subtask': {
      const who = call.subtask_key ? `${call.subtask_key}${call.agent_type && call.agent_type !== call.subtask_key ? ` · ${call.agent_type}` : ''}` : 'subtask';
      return `Subtask ${who}${call.turn !== null ? `, turn ${call.turn + 1}` : ''}`;
    }
    default:
      return call.purpose ?? 'Model call';
  }
}

/** A coordinator call's name short enough for its bar on the timeline. */
export function shortCallLabel(call: Pick<LlmCall, 'purpose' | 'iteration'>): string {
  const n = call.iteration !== null ? ` ${call.iteration}` : '';
  if (call.purpose === 'plan') return `plan${n}`;
  if (call.purpose === 'plan_repair') return `repair${n}`;
  if (call.purpose === 'finalize') return 'synthesis';
  return call.purpose ?? 'call';
}

/** Whether the coordinator made the call (planning, repairing a plan, synthesising). */
export function isCoordinatorCall(call: Pick<LlmCall, 'purpose' | 'subtask_id'>): boolean {
  return call.subtask_id === null && (call.purpose === 'plan' || call.purpose === 'plan_repair' || call.purpose === 'finalize');
}

export interface PromptPart {
  text: string;
  /** The `<data name="memory">` block: the retrieved memory items, marked in the console. */
  memory: boolean;
}

const MEMORY_BLOCK = /<data name="memory">\n[\s\S]*?\n<\/data>/g;

/** A prompt split around its memory blocks, so they can be marked. */
export function splitMemoryBlocks(text: string): PromptPart[] {
  const parts: PromptPart[] = [];
  let at = 0;
  for (const match of text.matchAll(MEMORY_BLOCK)) {
    const start = match.index ?? 0;
    if (start > at) parts.push({ text: text.slice(at, start), memory: false });
    parts.push({ text: match[0], memory: true });
    at = start + match[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), memory: false });
  return parts;
}

/** Totals over calls, for the panel's summary line. */
export function callTotals(calls: readonly LlmCall[]): { calls: number; attempts: number; inputTokens: number; outputTokens: number; costUsd: number; fallbacks: number; failed: number } {
  return calls.reduce(
    (t, c) => ({
      calls: t.calls + 1,
      attempts: t.attempts + c.attempts.length,
      inputTokens: t.inputTokens + c.input_tokens,
      outputTokens: t.outputTokens + c.output_tokens,
      costUsd: t.costUsd + c.cost_usd,
      fallbacks: t.fallbacks + (c.fell_back ? 1 : 0),
      failed: t.failed + (c.outcome === 'success' ? 0 : 1),
    }),
    { calls: 0, attempts: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, fallbacks: 0, failed: 0 },
  );
}

export interface CoordinatorOutput {
  reasoning: string | null;
  subtasks: { key: string; agent_type: string; description: string; depends_on: string[]; attachments: string[] }[];
  result: { content: string; confidence: number | null } | null;
  newMemories: { type: string; content: string }[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * A coordinator call's raw output read as its decision (a plan, or a result) — model output, so
 * read defensively: anything that is not the expected shape is left out; not JSON gives null.
 */
export function parseCoordinatorOutput(text: string | null): CoordinatorOutput | null {
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const o = value as Record<string, unknown>;
  const subtasks = Array.isArray(o.subtasks) ? o.subtasks : [];
  const result = o.result && typeof o.result === 'object' ? (o.result as Record<string, unknown>) : null;
  const memories = Array.isArray(o.new_memories) ? o.new_memories : [];
  return {
    reasoning: typeof o.reasoning === 'string' && o.reasoning ? o.reasoning : null,
    subtasks: subtasks
      .filter((s): s is Record<string, unknown> => !!s && typeof s === 'object')
      .map((s) => ({ key: str(s.key), agent_type: str(s.agent_type), description: str(s.description), depends_on: Array.isArray(s.depends_on) ? s.depends_on.map(str) : [], attachments: Array.isArray(s.attachments) ? s.attachments.map(str) : [] })),
    result: result && typeof result.content === 'string' ? { content: result.content, confidence: typeof result.confidence === 'number' ? result.confidence : null } : null,
    newMemories: memories.filter((m): m is Record<string, unknown> => !!m && typeof m === 'object').map((m) => ({ type: str(m.type), content: str(m.content) })),
  };
}
