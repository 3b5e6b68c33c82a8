import { z } from 'zod';

/*
 * The call inspector: every model call a task made (coordinator plans and repairs, each subtask and
 * each of its tool-loop turns, the synthesis), with its attempts across the fallback chain and,
 * unless the deployment switched it off or it passed its retention, what it sent and got back.
 */

/** One HTTP attempt of a call (a retry, a repair, a fallback model, or a model skipped). */
export const LlmCallAttempt = z.object({
  provider: z.string(),
  model: z.string(),
  /** 0: the first model of the chain; higher: a fallback. */
  chain_position: z.int(),
  /** 1-based attempt on this model (retries and the repair count up). */
  attempt: z.int(),
  /** `call`, or `repair` (the re-ask after invalid output); null on rows older than the inspector. */
  kind: z.string().nullable(),
  /** success | invalid_output | error | skipped */
  outcome: z.string(),
  error_class: z.string().nullable(),
  error_message: z.string().nullable(),
  started_at: z.string(),
  latency_ms: z.int(),
  input_tokens: z.int(),
  output_tokens: z.int(),
  cost_usd: z.number(),
});
export type LlmCallAttempt = z.infer<typeof LlmCallAttempt>;

/** A message of the conversation as sent: a user or assistant turn, a turn that asked for tools, or a tool's result. */
export const LlmCallMessage = z.object({
  role: z.enum(['user', 'assistant', 'tool']),
  content: z.string(),
  tool_calls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.record(z.string(), z.unknown()) })).optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
  is_error: z.boolean().optional(),
});
export type LlmCallMessage = z.infer<typeof LlmCallMessage>;

/** A memory item retrieved into the prompt (the prompt's `<data name="memory">` block lists them). */
export const LlmCallMemoryItem = z.object({ id: z.string(), memory_type: z.string(), content: z.string() });
export type LlmCallMemoryItem = z.infer<typeof LlmCallMemoryItem>;

export const LlmCallPrompt = z.object({
  system: z.string(),
  messages: z.array(LlmCallMessage),
  memory_items: z.array(LlmCallMemoryItem),
});
export type LlmCallPrompt = z.infer<typeof LlmCallPrompt>;

export const LlmCallOutput = z.object({
  /** The raw text of the answer that was used (structured answers: their JSON). */
  text: z.string(),
  tool_calls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.record(z.string(), z.unknown()) })),
});

export const LlmCall = z.object({
  call_id: z.string(),
  /** plan | plan_repair | finalize | subtask | … */
  purpose: z.string().nullable(),
  subtask_id: z.uuid().nullable(),
  subtask_key: z.string().nullable(),
  agent_type: z.string().nullable(),
  iteration: z.int().nullable(),
  /** The tool-loop turn of a subtask's conversation (0 first), null outside a tool loop. */
  turn: z.int().nullable(),
  /** The model that answered (the last one tried when none did). */
  provider: z.string(),
  model: z.string(),
  /** success, or the outcome of the last attempt when no model answered. */
  outcome: z.string(),
  /** A model after the first of the chain answered. */
  fell_back: z.boolean(),
  started_at: z.string(),
  ended_at: z.string(),
  latency_ms: z.int(),
  input_tokens: z.int(),
  output_tokens: z.int(),
  cost_usd: z.number(),
  attempts: z.array(LlmCallAttempt),
  /** What was sent; null when prompts are not recorded (MESH_LLM_RECORD_PROMPTS=false) or passed their retention. */
  prompt: LlmCallPrompt.nullable(),
  /** What came back; null as `prompt`, or when every attempt failed. */
  output: LlmCallOutput.nullable(),
  /** Raw text of answers refused as invalid output, by attempt. */
  rejected_outputs: z.array(z.object({ chain_position: z.int(), attempt: z.int(), kind: z.string().nullable(), text: z.string() })),
});
export type LlmCall = z.infer<typeof LlmCall>;

export const LlmCallList = z.object({
  calls: z.array(LlmCall),
  /** Whether this deployment stores prompts and answers, and for how many days. */
  recording: z.object({ prompts: z.boolean(), retention_days: z.int() }),
});
export type LlmCallList = z.infer<typeof LlmCallList>;
