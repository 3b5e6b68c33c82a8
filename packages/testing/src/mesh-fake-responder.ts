import { meshSimulatedResponders, readDataBlock, SCHEMA_NAMES } from '@mesh/mesh';
import type { FakeResponder, FakeToolCall, ParsedRequest } from './fake-provider';

export type MeshSchemaKind = 'coordinator_decision' | 'agent_output' | 'final_synthesis' | 'rubric_verdict' | 'distilled_lessons';

/** Which of the engine's schemas a provider request asks for, from the schema's properties. */
export function meshSchemaKind(request: ParsedRequest): MeshSchemaKind | null {
  // With tools, Gemini is asked for the schema in its system instruction (see the google provider).
  const text = request.schema === undefined && request.tools.length > 0 ? request.promptText : JSON.stringify(request.schema ?? {});
  if (text.includes('task_complete')) return 'coordinator_decision';
  if (text.includes('suggested_memories')) return 'agent_output';
  // An agent type's lessons distilled from feedback: {lessons: [{text, sources}]}.
  if (text.includes('"lessons"') && text.includes('"sources"')) return 'distilled_lessons';
  // The judge of an evaluation case: {score, explanation}.
  if (text.includes('"score"') && text.includes('"explanation"') && !text.includes('"result"')) return 'rubric_verdict';
  if (text.includes('"result"') && text.includes('"reasoning"')) return 'final_synthesis';
  return null;
}

export interface MeshFakeRequest {
  kind: MeshSchemaKind;
  request: ParsedRequest;
  /** The `<data name="…">` blocks of the prompt. */
  block(name: string): string | null;
  /** "Iteration N of M" of a coordinator prompt. */
  iteration: number;
}

const SCHEMA_KEYS = { coordinator_decision: 'coordinatorDecision', agent_output: 'agentOutput', final_synthesis: 'finalSynthesis', rubric_verdict: 'rubricVerdict', distilled_lessons: 'distilledLessons' } as const satisfies Record<MeshSchemaKind, keyof typeof SCHEMA_NAMES>;

const TOOL_CALLS = Symbol('tool calls');

/** What a `meshFakeResponder` script returns to answer a turn with tool calls instead of an object. */
export function fakeToolCalls(...toolCalls: FakeToolCall[]): { toolCalls: FakeToolCall[] } {
  return Object.assign({ toolCalls }, { [TOOL_CALLS]: true });
}

function isFakeToolCalls(value: unknown): value is { toolCalls: FakeToolCall[] } {
  return typeof value === 'object' && value !== null && TOOL_CALLS in value;
}

/**
 * A fake-provider responder that answers the engine's schemas like a model would: `script` may
 * answer a request itself (return undefined to fall through); otherwise the same deterministic
 * answers as the simulated provider (plan one subtask per specialist, then complete).
 */
export function meshFakeResponder(script?: (req: MeshFakeRequest) => unknown): FakeResponder {
  return (request) => {
    const kind = meshSchemaKind(request);
    if (!kind) return undefined;
    const user = request.lastUserText;
    const scripted = script?.({
      kind,
      request,
      block: (name) => readDataBlock(user, name),
      iteration: Number(/Iteration (\d+) of/.exec(user)?.[1] ?? 0),
    });
    if (isFakeToolCalls(scripted)) return { toolCalls: scripted.toolCalls };
    if (scripted !== undefined) return { object: scripted };
    const schemaName = SCHEMA_NAMES[SCHEMA_KEYS[kind]];
    const responder = meshSimulatedResponders[schemaName]!;
    const system = request.promptText.slice(0, Math.max(0, request.promptText.length - user.length));
    return { object: responder({ system, messages: [{ role: 'user', content: user }], schemaName, seed: user.length }) };
  };
}
