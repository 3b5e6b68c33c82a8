import { toAttachmentMeta, type AttachmentRow } from './attachment-repository';
import type { Agent, ApprovalSettings, HumanFeedback, MemoryItem, Network, Subtask, Task, ToolCallStatus, ToolCallView } from '@mesh/core';

/** Row shapes as pg returns them, and their mapping to the API's snake_case resources. */
const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const isoRequired = (d: Date): string => d.toISOString();

export interface NetworkRow {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  status: 'active';
  max_iterations: number;
  timeout_seconds: number;
  shared_context: Record<string, unknown>;
  approvals: ApprovalSettings;
  approval_timeout_seconds: number;
  created_at: Date;
  updated_at: Date;
  agent_count?: string | number;
  task_count?: string | number;
  active_task_count?: string | number;
  memory_count?: string | number;
}

export function toNetwork(row: NetworkRow, agents?: Agent[]): Network {
  return {
    id: row.id,
    network_id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    max_iterations: row.max_iterations,
    timeout_seconds: row.timeout_seconds,
    shared_context: row.shared_context,
    approvals: row.approvals,
    approval_timeout_seconds: row.approval_timeout_seconds,
    created_at: isoRequired(row.created_at),
    updated_at: isoRequired(row.updated_at),
    counts: {
      agents: Number(row.agent_count ?? agents?.length ?? 0),
      tasks: Number(row.task_count ?? 0),
      active_tasks: Number(row.active_task_count ?? 0),
      memory_items: Number(row.memory_count ?? 0),
    },
    ...(agents ? { agents } : {}),
  };
}

export interface AgentRow {
  id: string;
  tenant_id: string;
  network_id: string;
  name: string;
  type: string;
  model: string | null;
  description: string;
  parameters: { temperature: number; max_tokens: number };
  capabilities: string[];
  /** Tool names and `<service>.*` patterns (migration 007). */
  tools: string[];
  created_at: Date;
}

export function toAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    agent_id: row.id,
    network_id: row.network_id,
    name: row.name,
    type: row.type,
    model: row.model,
    description: row.description,
    parameters: row.parameters,
    capabilities: row.capabilities,
    tools: row.tools,
    created_at: isoRequired(row.created_at),
  };
}

export interface TaskRow {
  id: string;
  tenant_id: string;
  network_id: string;
  task: string;
  context: Record<string, unknown>;
  priority: number;
  status: Task['status'];
  iterations: number;
  max_iterations: number;
  timeout_seconds: number;
  result: Task['result'];
  error: string | null;
  safety: Task['safety'];
  simulated: boolean;
  deadline_at: Date | null;
  requested_deadline_at: Date | null;
  trace_id: string | null;
  callback_url: string | null;
  webhook_status: 'delivered' | 'failed' | null;
  approvals: ApprovalSettings;
  approval_timeout_seconds: number;
  awaiting_since: Date | null;
  waited_ms: string | number;
  human_feedback: HumanFeedback[];
  /** One agent on an ad-hoc input (absent from rows read as JSON: false). */
  playground?: boolean;
  /** The task runs a case of an evaluation run (its end enqueues the case's scoring). */
  evaluated?: boolean;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  input_tokens?: string | number;
  output_tokens?: string | number;
  cost_usd?: string | number;
  llm_calls?: string | number;
  any_simulated?: boolean;
  /** The task's attachments (TASK_ATTACHMENTS_JSON), on reads that take them along. */
  attachment_rows?: AttachmentRow[];
}

export function toTask(row: TaskRow, subtasks?: Subtask[]): Task {
  return {
    id: row.id,
    task_id: row.id,
    network_id: row.network_id,
    task: row.task,
    context: row.context,
    priority: row.priority,
    status: row.status,
    iterations: row.iterations,
    max_iterations: row.max_iterations,
    result: row.result,
    error: row.error,
    safety: row.safety,
    // Whether a simulated model answered any call of the task is read from llm_calls (no write per call).
    simulated: row.simulated || Boolean(row.any_simulated),
    usage: {
      input_tokens: Number(row.input_tokens ?? 0),
      output_tokens: Number(row.output_tokens ?? 0),
      cost_usd: Number(row.cost_usd ?? 0),
      llm_calls: Number(row.llm_calls ?? 0),
    },
    ...(subtasks ? { subtasks } : {}),
    deadline_at: iso(row.deadline_at),
    trace_id: row.trace_id,
    callback_url: row.callback_url,
    webhook_status: row.webhook_status ?? null,
    approvals: row.approvals,
    approval_timeout_seconds: row.approval_timeout_seconds,
    awaiting_since: iso(row.awaiting_since),
    waited_ms: Number(row.waited_ms ?? 0),
    human_feedback: row.human_feedback ?? [],
    attachments: (row.attachment_rows ?? []).map(toAttachmentMeta),
    playground: row.playground ?? false,
    created_at: isoRequired(row.created_at),
    updated_at: isoRequired(row.updated_at),
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
  };
}

export interface SubtaskRow {
  id: string;
  tenant_id: string;
  network_id: string;
  task_id: string;
  iteration: number;
  key: string;
  agent_type: string;
  agent_id: string | null;
  description: string;
  depends_on: string[];
  /** Names of the task's attachments this subtask is given (migration 018). */
  attachments: string[];
  status: Subtask['status'];
  result: string | null;
  confidence: number | null;
  reasoning: string | null;
  model: string | null;
  attempts: number;
  worker_id: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  /** With the task reads that show subtasks (TaskRepository.get): the calls as built by SUBTASK_TOOL_CALLS_JSON. */
  tool_calls?: ToolCallViewRow[];
}

/** A tool call as the task read aggregates it: its result already truncated, its start time as JSON text. */
export interface ToolCallViewRow {
  id: string;
  tool: string;
  arguments: Record<string, unknown>;
  status: ToolCallStatus;
  result: string | null;
  error: string | null;
  idempotency_key: string;
  started_at: string;
  duration_ms: number | null;
}

export function toToolCallView(row: ToolCallViewRow): ToolCallView {
  return {
    id: row.id,
    tool: row.tool,
    arguments: row.arguments,
    status: row.status,
    result: row.result,
    error: row.error,
    idempotency_key: row.idempotency_key,
    started_at: new Date(row.started_at).toISOString(),
    duration_ms: row.duration_ms,
  };
}

export function toSubtask(row: SubtaskRow): Subtask {
  return {
    id: row.id,
    subtask_id: row.id,
    iteration: row.iteration,
    key: row.key,
    agent_type: row.agent_type,
    agent_id: row.agent_id,
    description: row.description,
    depends_on: row.depends_on,
    attachments: row.attachments ?? [],
    status: row.status,
    result: row.result,
    confidence: row.confidence,
    reasoning: row.reasoning,
    model: row.model,
    attempts: row.attempts,
    worker_id: row.worker_id,
    error: row.error,
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    duration_ms: row.started_at && row.finished_at ? row.finished_at.getTime() - row.started_at.getTime() : null,
    tool_calls: (row.tool_calls ?? []).map(toToolCallView),
  };
}

export interface MemoryRow {
  id: string;
  tenant_id: string;
  network_id: string;
  memory_type: MemoryItem['memory_type'];
  content: string;
  confidence: number;
  importance: number;
  metadata: Record<string, unknown>;
  source_kind: MemoryItem['source']['kind'];
  source_task_id: string | null;
  source_subtask_id: string | null;
  source_agent_id: string | null;
  token_estimate: number;
  created_at: Date;
  relevance?: number;
}

export function toMemoryItem(row: MemoryRow): MemoryItem {
  return {
    id: row.id,
    memory_id: row.id,
    network_id: row.network_id,
    memory_type: row.memory_type,
    content: row.content,
    confidence: row.confidence,
    importance: row.importance,
    metadata: row.metadata,
    source: {
      kind: row.source_kind,
      task_id: row.source_task_id,
      subtask_id: row.source_subtask_id,
      agent_id: row.source_agent_id,
    },
    created_at: isoRequired(row.created_at),
    ...(row.relevance !== undefined ? { relevance: Number(row.relevance) } : {}),
  };
}
