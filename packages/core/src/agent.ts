import { z } from 'zod';
import { cleanText } from './json';
import { ToolPattern } from './tool';

/** Agent types name queues (`agent-<type>`), so they are lowercase slugs. */
export const AgentType = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be a lowercase slug: a-z first, then a-z, 0-9, _ or -, at most 40 characters');
export type AgentType = z.infer<typeof AgentType>;

export const COORDINATOR_TYPE = 'coordinator';

/** Entries of `agent_config.tools`. */
export const AGENT_TOOL_LIMIT = 32;

/** A model reference: `provider:model-id` or an alias from the model table (e.g. `claude-3-7-sonnet`). */
export const ModelRef = z
  .string()
  .trim()
  .min(1)
  .max(120)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, 'must look like provider:model-id or a known model alias');

export const AgentParameters = z.strictObject({
  temperature: z.number().min(0).max(2).default(0.7),
  max_tokens: z.int().min(1).max(200_000).default(4000),
});
export type AgentParameters = z.infer<typeof AgentParameters>;

export const AgentConfig = z.strictObject({
  name: cleanText({ min: 1, max: 200 }),
  type: AgentType,
  model: ModelRef.nullish(),
  description: cleanText({ max: 4000 }).default(''),
  parameters: AgentParameters.default({ temperature: 0.7, max_tokens: 4000 }),
  capabilities: z.array(cleanText({ min: 1, max: 200 })).max(50).default([]),
  /** Tools the agent may call: names from the network's tools and the built-ins, or `<service>.*` (unknown names are refused). */
  tools: z.array(ToolPattern).max(AGENT_TOOL_LIMIT).default([]),
});
export type AgentConfig = z.infer<typeof AgentConfig>;
export type AgentConfigInput = z.input<typeof AgentConfig>;

export const AddAgentBody = z.strictObject({ agent_config: AgentConfig });
export type AddAgentBody = z.infer<typeof AddAgentBody>;

export const Agent = z.object({
  id: z.uuid(),
  agent_id: z.uuid(),
  network_id: z.uuid(),
  name: z.string(),
  type: AgentType,
  model: z.string().nullable(),
  description: z.string(),
  parameters: AgentParameters,
  capabilities: z.array(z.string()),
  tools: z.array(z.string()),
  created_at: z.string(),
});
export type Agent = z.infer<typeof Agent>;

/** The five agents a network gets when it is created without any. */
export const DEFAULT_AGENTS: readonly AgentConfig[] = [
  {
    name: 'Coordinator Agent',
    type: COORDINATOR_TYPE,
    model: null,
    description: 'Coordinates tasks: breaks them into subtasks, delegates them to the specialists and synthesises the final result',
    parameters: { temperature: 0.3, max_tokens: 4000 },
    capabilities: ['task_planning', 'delegation', 'synthesis'],
    tools: [],
  },
  {
    name: 'Content Specialist',
    type: 'content',
    model: null,
    description: 'Specializes in generating and refining content: copy, subject lines, calls to action, tone of voice',
    parameters: { temperature: 0.7, max_tokens: 4000 },
    capabilities: ['copywriting', 'subject_lines', 'content_refinement'],
    tools: [],
  },
  {
    name: 'Design Specialist',
    type: 'design',
    model: null,
    description: 'Specializes in design and layout considerations: structure, visual hierarchy, accessibility, responsive email layout',
    parameters: { temperature: 0.5, max_tokens: 4000 },
    capabilities: ['layout', 'visual_hierarchy', 'accessibility'],
    tools: [],
  },
  {
    name: 'Analytics Specialist',
    type: 'analytics',
    model: null,
    description: 'Specializes in data analysis and performance insights: metrics, benchmarks, A/B tests, send-time optimisation',
    parameters: { temperature: 0.2, max_tokens: 4000 },
    capabilities: ['metrics', 'ab_testing', 'performance_analysis'],
    tools: [],
  },
  {
    name: 'Personalization Specialist',
    type: 'personalization',
    model: null,
    description: 'Specializes in audience targeting and personalization: segments, dynamic content, merge fields',
    parameters: { temperature: 0.5, max_tokens: 4000 },
    capabilities: ['segmentation', 'dynamic_content', 'audience_targeting'],
    tools: [],
  },
];
