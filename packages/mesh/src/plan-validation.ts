import { PLAN_LIMITS, type PlannedSubtask } from '@mesh/core';
import { truncate } from './data-blocks';
import type { AgentSummary } from './prompts';

/** When the coordinator cannot produce a usable plan: every specialist works on the task in parallel, given all its attachments. */
export function fallbackPlan(task: string, specialists: AgentSummary[], attachmentNames: readonly string[] = []): PlannedSubtask[] {
  return specialists.slice(0, PLAN_LIMITS.maxSubtasks).map((s) => ({
    key: s.type,
    agent_type: s.type,
    description: `As the ${s.name}, contribute your specialty (${s.description || s.type}) to this task: ${truncate(task, 1_000)}`,
    depends_on: [],
    attachments: [...attachmentNames],
  }));
}
