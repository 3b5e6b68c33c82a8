// The engine's outer edge: what a process needs to run it (see apps/coordinator, apps/worker),
// and what tests and benchmarks drive it with. Everything else is the engine's own.
export { createEngine, type EngineDeps, type EngineOptions, type EngineResources, type EngineSettings } from './engine-deps';
export { agentJobHandlers, coordinatorJobs, type FailedJob } from './job-handlers';
export { RecoverySweeper, type RecoverySweeperOptions, type SweepReport } from './recovery-sweeper';
export { SCHEMA_NAMES, type ModelClient, type ModelRequest, type ModelResponse } from './model-client';
export { meshSimulatedResponders, simulatedRubricScore } from './simulated-responders';
export { ContentSafety, type ContentSafetyOptions, type SafetyVerdict } from './safety/content-safety';
export type { Moderator, ModerationResult } from './safety/moderator';
export { readDataBlock } from './data-blocks';
export { retrieveRelevantMemory, type RetrievedMemory } from './memory-retrieval';
export { MemoryEmbeddingJob, startMemoryEmbeddingJob, type MemoryEmbeddingJobDeps, type MemoryEmbeddingJobOptions } from './memory-embedding-job';
export { semanticQuery, type MemoryMeaning } from './memory-meaning';
export { runSubtask, type SubtaskAttempt, type SubtaskOutcome } from './subtask-runner';
export { createEngineTools, type EngineTools, type ToolScope } from './tool-loop/engine-tools';
