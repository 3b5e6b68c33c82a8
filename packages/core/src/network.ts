import { z } from 'zod';
import { Agent, AgentConfig } from './agent';
import { APPROVAL_LIMITS, ApprovalOverrides, ApprovalSettings, ApprovalTimeoutSeconds, NO_APPROVALS } from './approval';
import { cleanText, JsonObject } from './json';
import { NetworkStatus } from './status';

export const NETWORK_LIMITS = { maxIterations: 50, maxTimeoutSeconds: 86_400, maxAgents: 50 } as const;

export const CreateNetworkBody = z.strictObject({
  name: cleanText({ min: 1, max: 200 }),
  description: cleanText({ max: 4000 }).default(''),
  agents: z.array(AgentConfig).min(1).max(NETWORK_LIMITS.maxAgents).optional(),
  shared_context: JsonObject.default({}),
  max_iterations: z.int().min(1).max(NETWORK_LIMITS.maxIterations).default(10),
  timeout_seconds: z.int().min(1).max(NETWORK_LIMITS.maxTimeoutSeconds).default(300),
  /** Where a person is asked before the network's tasks go on (all off by default). */
  approvals: ApprovalSettings.default(NO_APPROVALS),
  /** How long a request for a person waits before it expires (and counts as rejected). */
  approval_timeout_seconds: ApprovalTimeoutSeconds.default(APPROVAL_LIMITS.defaultTimeoutSeconds),
});
export type CreateNetworkBody = z.infer<typeof CreateNetworkBody>;
/** What a caller may send (defaults not yet applied). */
export type CreateNetworkInput = z.input<typeof CreateNetworkBody>;

/** `PATCH /networks/{id}`: the settings named change; `approvals` merges with what the network has. */
export const UpdateNetworkBody = z
  .strictObject({
    name: cleanText({ min: 1, max: 200 }).optional(),
    description: cleanText({ max: 4000 }).optional(),
    shared_context: JsonObject.optional(),
    max_iterations: z.int().min(1).max(NETWORK_LIMITS.maxIterations).optional(),
    timeout_seconds: z.int().min(1).max(NETWORK_LIMITS.maxTimeoutSeconds).optional(),
    approvals: ApprovalOverrides.optional(),
    approval_timeout_seconds: ApprovalTimeoutSeconds.optional(),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), { message: 'name at least one setting to change' });
export type UpdateNetworkBody = z.infer<typeof UpdateNetworkBody>;

export const NetworkCounts = z.object({
  agents: z.int(),
  tasks: z.int(),
  active_tasks: z.int(),
  memory_items: z.int(),
});
export type NetworkCounts = z.infer<typeof NetworkCounts>;

export const Network = z.object({
  id: z.uuid(),
  network_id: z.uuid(),
  name: z.string(),
  description: z.string(),
  status: NetworkStatus,
  max_iterations: z.int(),
  timeout_seconds: z.int(),
  shared_context: z.record(z.string(), z.unknown()),
  approvals: ApprovalSettings,
  approval_timeout_seconds: z.int(),
  created_at: z.string(),
  updated_at: z.string(),
  counts: NetworkCounts,
  agents: z.array(Agent).optional(),
});
export type Network = z.infer<typeof Network>;

export const NetworkListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type NetworkListQuery = z.infer<typeof NetworkListQuery>;

export const NetworkList = z.object({ networks: z.array(Network), total: z.int() });
export type NetworkList = z.infer<typeof NetworkList>;
