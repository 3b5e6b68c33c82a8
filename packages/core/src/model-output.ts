import { z } from 'zod';
import { MemoryType } from './status';

/**
 * What the models must answer. These schemas are also sent to the providers as JSON schemas
 * (native structured output), so every field is required and nullable where optional:
 * that is the form all three providers' strict modes accept.
 */
export const PLAN_LIMITS = { maxSubtasks: 12, maxKeyLength: 40, maxDescriptionLength: 4000, maxMemories: 10, maxAttachmentsPerSubtask: 20 } as const;

export const PlannedSubtask = z.object({
  key: z.string().min(1).max(PLAN_LIMITS.maxKeyLength),
  agent_type: z.string().min(1).max(40),
  description: z.string().min(1).max(PLAN_LIMITS.maxDescriptionLength),
  depends_on: z.array(z.string()),
  /**
   * Names of the task's attachments the specialist is given (sent to its model as files); absent
   * means none. Optional so plans written before attachments (stored, cached, edited by people)
   * still parse; the providers' strict schemas require it of the model all the same.
   */
  attachments: z.array(z.string().min(1).max(200)).max(PLAN_LIMITS.maxAttachmentsPerSubtask).optional(),
});
export type PlannedSubtask = z.infer<typeof PlannedSubtask>;

export const SuggestedMemory = z.object({
  type: MemoryType,
  content: z.string().min(1).max(2000),
  confidence: z.number().min(0).max(1),
});
export type SuggestedMemory = z.infer<typeof SuggestedMemory>;

export const ResultDraft = z.object({
  content: z.string(),
  confidence: z.number().min(0).max(1),
  explanation: z.string(),
});
export type ResultDraft = z.infer<typeof ResultDraft>;

export const CoordinatorDecision = z.object({
  task_complete: z.boolean(),
  reasoning: z.string(),
  subtasks: z.array(PlannedSubtask),
  new_memories: z.array(SuggestedMemory),
  result: ResultDraft.nullable(),
});
export type CoordinatorDecision = z.infer<typeof CoordinatorDecision>;

/** The final synthesis at `max_iterations`. */
export const FinalSynthesis = z.object({
  reasoning: z.string(),
  result: ResultDraft,
});
export type FinalSynthesis = z.infer<typeof FinalSynthesis>;

export const AgentOutput = z.object({
  reasoning: z.string(),
  result: z.string().min(1),
  confidence: z.number().min(0).max(1),
  suggested_memories: z.array(SuggestedMemory),
});
export type AgentOutput = z.infer<typeof AgentOutput>;
