import { RubricVerdict } from '@mesh/core';
import { DATA_RULE, dataBlock, truncate } from '../data-blocks';
import type { EngineDeps } from '../engine-deps';
import { callRecorded, SCHEMA_NAMES } from '../model-client';

/** Characters of the result the judge reads: a long answer is judged on its beginning. */
const RESULT_CHARS = 24_000;

export const JUDGE_SYSTEM = [
  'You are an impartial judge of an AI system\'s answer. You receive the task it was given, a rubric written by a person, and the answer.',
  'Score how well the answer meets the rubric, from 0 (not at all) to 1 (fully), and explain the score briefly (one to three sentences), naming what is missing.',
  'Judge only against the rubric, not against your own preferences.',
  DATA_RULE,
].join('\n');

export function judgePrompt(input: { task: string; rubric: string; result: string }): string {
  return [
    dataBlock('task', input.task),
    dataBlock('rubric', input.rubric),
    dataBlock('result', truncate(input.result, RESULT_CHARS)),
    'Score the result against the rubric.',
  ].join('\n\n');
}

/**
 * One structured model call through the chain that scores a result against its rubric. The call
 * is the tenant's and the network's (budgets apply) but no task's: judging is not the task's work.
 */
export async function judgeRubric(deps: EngineDeps, input: { tenantId: string; networkId: string; task: string; rubric: string; result: string }): Promise<RubricVerdict> {
  const response = await deps.model.complete<RubricVerdict>({
    system: JUDGE_SYSTEM,
    messages: [{ role: 'user', content: judgePrompt(input) }],
    schema: { name: SCHEMA_NAMES.rubricVerdict, zod: RubricVerdict },
    model: null,
    temperature: 0,
    maxTokens: 1_000,
    purpose: 'judge',
    context: { tenantId: input.tenantId, networkId: input.networkId },
  });
  await callRecorded(response);
  return RubricVerdict.parse(response.object);
}
