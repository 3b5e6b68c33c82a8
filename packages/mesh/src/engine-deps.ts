import type { ModelClient } from './model-client';
import type { ContentSafety } from './safety/content-safety';
import type { InFlightCalls } from './in-flight-calls';
import type { TaskControlDeps } from './task-control';

export interface EngineSettings {
  /** Tokens of memory a prompt may carry. */
  memoryTokenBudget: number;
  /** Full-text matches considered before scoring. */
  memoryCandidates: number;
  /** Per-task budget; past it the coordinator stops planning and synthesises what it has. 0 = unlimited. */
  taskBudget?: { maxTokens: number; maxCostUsd: number };
}

/** Everything the engine's handlers use, passed in (never imported singletons). */
export interface EngineDeps extends TaskControlDeps {
  model: ModelClient;
  settings: EngineSettings;
  /** Identifies this process in subtask records (`worker_id`). */
  workerId: string;
  /** Aborts in-flight model calls of tasks that are cancelled, timed out or deleted. */
  inFlight: InFlightCalls;
  /** Screens every agent output and final result before it is stored (absent: stored as answered). */
  safety?: ContentSafety;
}
