import { AgentRepository } from './agent-repository';
import { ApiKeyRepository } from './api-key-repository';
import type { Db } from './db';
import { LlmCallRepository } from './llm-call-repository';
import { MemoryRepository } from './memory-repository';
import { NetworkRepository } from './network-repository';
import { SubtaskRepository } from './subtask-repository';
import { TableStatistics } from './table-statistics';
import { TaskRepository } from './task-repository';

/** Every repository over one database handle. Repositories are the only code that writes SQL. */
export interface Store {
  db: Db;
  networks: NetworkRepository;
  agents: AgentRepository;
  tasks: TaskRepository;
  subtasks: SubtaskRepository;
  memory: MemoryRepository;
  llmCalls: LlmCallRepository;
  apiKeys: ApiKeyRepository;
  statistics: TableStatistics;
}

export function createStore(db: Db): Store {
  return {
    db,
    networks: new NetworkRepository(db),
    agents: new AgentRepository(db),
    tasks: new TaskRepository(db),
    subtasks: new SubtaskRepository(db),
    memory: new MemoryRepository(db),
    llmCalls: new LlmCallRepository(db),
    apiKeys: new ApiKeyRepository(db),
    statistics: new TableStatistics(db),
  };
}
