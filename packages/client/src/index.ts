// The API client of the CLI (Node, from dist) and the web console (browser, bundled from source):
// nothing here may import zod, Node or DOM-only APIs. Types come from @mesh/core as types only.
export { agentWarnings, workerFix } from './fleet-coverage';
export { budgetLevel, isBudgetExhaustedMessage, type BudgetLevel } from './budgets';
export { ConnectionError, errorFromResponse, isAbortError, MeshApiError } from './errors';
export {
  API_BASE_PATH,
  MeshClient,
  type AddMemoryInput,
  type ApprovalDecisionInput,
  type ApprovalListQuery,
  type CreateEvalRunInput,
  type CreateNetworkInput,
  type FeedbackInput,
  type MemorySearch,
  type MeshClientOptions,
  type PageQuery,
  type PutBudgetInput,
  type RequestOptions,
  type RunListQueryInput,
  type SubmitTaskInput,
  type TaskFileInput,
  type TaskListQuery,
  type UpdateNetworkInput,
  type UsageQueryInput,
} from './mesh-client';
export { SseParser, type SseEvent } from './sse-parser';
export { applyTaskEvent, watchTask, type TaskStreamEvent, type TaskWatchHandlers, type TaskWatchOptions, type WatchMode } from './task-watcher';
// The contract's lists, from core's zod-free module (the same lists core's zod enums are built from).
export * from '@mesh/core/statuses';
