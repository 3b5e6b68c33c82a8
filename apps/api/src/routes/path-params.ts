import { z } from 'zod';

/** Path parameters: every id is a UUID, so a malformed one is a 400, never a 404. */
export const NetworkParams = z.strictObject({ network_id: z.uuid() });
export const TaskParams = z.strictObject({ network_id: z.uuid(), task_id: z.uuid() });
export const SubtaskParams = z.strictObject({ network_id: z.uuid(), task_id: z.uuid(), subtask_id: z.uuid() });
export const AgentParams = z.strictObject({ network_id: z.uuid(), agent_id: z.uuid() });
export const ToolParams = z.strictObject({ network_id: z.uuid(), tool_id: z.uuid() });
export const ApprovalParams = z.strictObject({ network_id: z.uuid(), approval_id: z.uuid() });

/** `/process` and `/cancel` take no body; an empty JSON object is accepted as "nothing". */
export const NoBody = z.strictObject({}).optional();
