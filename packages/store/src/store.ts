import { AgentRepository } from './agent-repository';
import { ApiKeyRepository } from './api-key-repository';
import { ApprovalRepository } from './approval-repository';
import { AttachmentRepository } from './attachment-repository';
import { BudgetRepository } from './budget-repository';
import { CommonLexemes } from './common-lexemes';
import { EvalRepository } from './eval-repository';
import type { Db } from './db';
import { FeedbackRepository } from './feedback-repository';
import { LessonRepository } from './lesson-repository';
import { LeaderLock } from './leader-lock';
import { LlmCallRepository } from './llm-call-repository';
import { MemoryEmbeddingRepository } from './memory-embedding-repository';
import { MemoryRepository } from './memory-repository';
import { NetworkRepository } from './network-repository';
import { RunRepository } from './run-repository';
import { StatsRepository } from './stats-repository';
import { TrendRepository } from './trend-repository';
import { SubtaskRepository } from './subtask-repository';
import { TableStatistics } from './table-statistics';
import { SentEmailRepository } from './sent-email-repository';
import { TaskRepository } from './task-repository';
import { ToolCallRepository } from './tool-call-repository';
import { ToolRepository } from './tool-repository';

/** Every repository over one database handle. Repositories are the only code that writes SQL. */
export interface Store {
  /**
   * The handle itself, for what a process does with its connections (health pings, closing at
   * shutdown). Engine code never uses it: what it needs from Postgres is a repository's method.
   */
  db: Db;
  networks: NetworkRepository;
  agents: AgentRepository;
  tasks: TaskRepository;
  /** Tasks' attached files: metadata, bytes, chunked downloads (blobs content-addressed per tenant). */
  attachments: AttachmentRepository;
  subtasks: SubtaskRepository;
  memory: MemoryRepository;
  /** Memory items' vectors: each network's embedding space, the embedding queue, nearest-neighbour search. */
  memoryEmbeddings: MemoryEmbeddingRepository;
  llmCalls: LlmCallRepository;
  apiKeys: ApiKeyRepository;
  /** Each network's registered tools (POST /networks/{id}/tools); `tools.registeredFor` builds a network's ToolCatalog. */
  tools: ToolRepository;
  /** Tool calls as recorded before and after they run: `toolCalls.journal({tenantId, taskId})` is a task's ToolCallJournal. */
  toolCalls: ToolCallRepository;
  /** send_email's record of sent messages: `sentEmails.ledger(tenantId)` is a tenant's SentEmailLedger. */
  sentEmails: SentEmailRepository;
  /** Requests for a person (approvals and questions) and their decisions. */
  approvals: ApprovalRepository;
  /** Token and cost budgets per tenant and network per period, and the usage report. */
  budgets: BudgetRepository;
  /** A tenant's tasks across its networks, filtered and searched (GET /runs). */
  runs: RunRepository;
  /** Throughput, latency, cost and failure rate per day and per agent type (GET /trends). */
  trends: TrendRepository;
  /** Evaluation runs and their scored cases (POST /evals). */
  evals: EvalRepository;
  /** People's feedback on finished tasks (each also a `feedback` memory item). */
  feedback: FeedbackRepository;
  /** Each agent type's versioned lessons, distilled from feedback or set by a person. */
  lessons: LessonRepository;
  /** One network's stats over a window per agent type and model (GET /networks/{id}/stats), and the specialists' track records. */
  stats: StatsRepository;
  statistics: TableStatistics;
  /** Leadership among processes under `name` (one lock per name and schema); see LeaderLock. */
  leaderLock(name: string): LeaderLock;
}

export function createStore(db: Db, options: { vectorIndex?: 'auto' | 'portable' } = {}): Store {
  // Both fetch memory candidates: one cache of the common lexemes serves the two.
  const commonLexemes = new CommonLexemes(db);
  const memoryEmbeddings = new MemoryEmbeddingRepository(db, options.vectorIndex ? { index: options.vectorIndex } : {});
  return {
    db,
    networks: new NetworkRepository(db),
    agents: new AgentRepository(db),
    tasks: new TaskRepository(db, { commonLexemes }),
    attachments: new AttachmentRepository(db),
    subtasks: new SubtaskRepository(db),
    memory: new MemoryRepository(db, { commonLexemes, embeddings: memoryEmbeddings }),
    memoryEmbeddings,
    llmCalls: new LlmCallRepository(db),
    apiKeys: new ApiKeyRepository(db),
    tools: new ToolRepository(db),
    toolCalls: new ToolCallRepository(db),
    sentEmails: new SentEmailRepository(db),
    approvals: new ApprovalRepository(db),
    budgets: new BudgetRepository(db),
    runs: new RunRepository(db),
    trends: new TrendRepository(db),
    evals: new EvalRepository(db),
    feedback: new FeedbackRepository(db),
    lessons: new LessonRepository(db),
    stats: new StatsRepository(db),
    statistics: new TableStatistics(db),
    leaderLock: (name) => new LeaderLock(db, name),
  };
}
