import type { AgentOutput, ResultDraft, SafetyItem, SuggestedMemory } from '@mesh/core';
import type { ContentSafety, SafetyVerdict } from './content-safety';

type Located = Pick<SafetyItem, 'where'> & Partial<Pick<SafetyItem, 'subtask_id' | 'iteration'>>;

function itemOf(verdict: SafetyVerdict, at: Located): SafetyItem[] {
  return verdict.action === 'allow' ? [] : [{ ...at, action: verdict.action, reasons: verdict.reasons }];
}

/**
 * Memories after the filter: withheld ones are dropped (never stored), redacted ones are kept
 * redacted. One item sums up what happened to the batch.
 */
function keepMemories<M extends Pick<SuggestedMemory, 'content'>>(memories: M[], verdicts: SafetyVerdict[], at: Located): { memories: M[]; items: SafetyItem[] } {
  const kept: M[] = [];
  const reasons = new Set<string>();
  let withheld = 0;
  let redacted = 0;
  memories.forEach((memory, i) => {
    const verdict = verdicts[i] as SafetyVerdict;
    verdict.reasons.forEach((r) => reasons.add(r));
    if (verdict.action === 'withhold') return void withheld++;
    if (verdict.action === 'redact') redacted++;
    kept.push({ ...memory, content: verdict.text });
  });
  if (withheld + redacted === 0) return { memories: kept, items: [] };
  const summary = [...(withheld ? [`${withheld} withheld`] : []), ...(redacted ? [`${redacted} redacted`] : [])].join(', ');
  return { memories: kept, items: [{ ...at, action: withheld > 0 ? 'withhold' : 'redact', reasons: [`memories: ${summary}`, ...reasons] }] };
}

/** Model-suggested memories (e.g. the coordinator's) through the filter before they are stored. */
export async function screenMemories<M extends Pick<SuggestedMemory, 'content'>>(
  safety: ContentSafety | undefined,
  memories: M[],
  at: Located,
  signal?: AbortSignal,
): Promise<{ memories: M[]; items: SafetyItem[] }> {
  if (!safety || memories.length === 0) return { memories, items: [] };
  return keepMemories(memories, await safety.checkAll(memories.map((m) => m.content), signal), at);
}

/**
 * An agent's output through the filter before it is stored: result, reasoning and suggested
 * memories, in one batch. A withheld result also withholds the reasoning, which usually
 * restates it.
 */
export async function screenAgentOutput(
  safety: ContentSafety | undefined,
  output: AgentOutput,
  subtask: { key: string; id: string; iteration: number },
  signal?: AbortSignal,
): Promise<{ output: AgentOutput; items: SafetyItem[] }> {
  if (!safety) return { output, items: [] };
  const at = { subtask_id: subtask.id, iteration: subtask.iteration };
  const where = `subtask ${subtask.key}`;
  const [result, reasoning, ...memoryVerdicts] = (await safety.checkAll(
    [output.result, output.reasoning, ...output.suggested_memories.map((m) => m.content)],
    signal,
  )) as [SafetyVerdict, SafetyVerdict, ...SafetyVerdict[]];
  const shownReasoning = result.action === 'withhold' ? result : reasoning;
  const memories = keepMemories(output.suggested_memories, memoryVerdicts, { where: `${where} memories`, ...at });
  return {
    output: { ...output, result: result.text, reasoning: shownReasoning.text, suggested_memories: memories.memories },
    items: [...itemOf(result, { where, ...at }), ...(shownReasoning === result ? [] : itemOf(reasoning, { where: `${where} reasoning`, ...at })), ...memories.items],
  };
}

/**
 * The task's final result through the filter. A withheld result keeps the task `completed`:
 * the content becomes the placeholder saying why, and the task's `safety` record lists it.
 */
export async function screenTaskResult(
  safety: ContentSafety | undefined,
  result: ResultDraft,
  signal?: AbortSignal,
): Promise<{ result: ResultDraft; items: SafetyItem[] }> {
  if (!safety) return { result, items: [] };
  const [content, explanation] = (await safety.checkAll([result.content, result.explanation], signal)) as [SafetyVerdict, SafetyVerdict];
  const shownExplanation = content.action === 'withhold' ? content : explanation;
  return {
    result: { ...result, content: content.text, explanation: shownExplanation.text },
    items: [...itemOf(content, { where: 'result' }), ...(shownExplanation === content ? [] : itemOf(explanation, { where: 'result explanation' }))],
  };
}
