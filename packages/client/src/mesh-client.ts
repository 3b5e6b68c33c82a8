import type {
  Agent,
  AgentConfigInput,
  Approval,
  ApprovalList,
  ApprovalOverrides,
  ApprovalSettings,
  Budget,
  BudgetList,
  BudgetPeriod,
  EvalComparison,
  EvalRun,
  Feedback,
  Health,
  Lessons,
  LlmCallList,
  MemoryItem,
  MemoryList,
  Network,
  NetworkList,
  RunList,
  StatsReport,
  TrendReport,
  Task,
  TaskList,
  UsageGroup,
  UsageReport,
} from '@mesh/core';
import { ConnectionError, errorFromResponse, isAbortError, MeshApiError } from './errors';

export interface MeshClientOptions {
  /** The API's origin, e.g. http://127.0.0.1:8080 (the /api/mesh base path is added); '' for the page's own origin. */
  baseUrl?: string;
  /** Sent as a Bearer token. The console has none: the browser sends the credentials it was given at the Basic-auth prompt. */
  apiKey?: string;
  /** Added to every request (the CLI's user-agent). */
  headers?: Readonly<Record<string, string>>;
  /** fetch's `credentials` mode (the console: 'same-origin'). */
  credentials?: RequestInit['credentials'];
  /** For tests. */
  fetch?: typeof fetch;
}

const DEFAULTS = { baseUrl: '', apiKey: '' };

export interface RequestOptions {
  body?: unknown;
  /** A `multipart/form-data` body instead of JSON (fetch writes its Content-Type with the boundary). */
  form?: FormData;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

export const API_BASE_PATH = '/api/mesh';

/** What the client sends; the API validates it (the zod schemas in @mesh/core), the client does not. */
export interface CreateNetworkInput {
  name: string;
  description?: string | undefined;
  max_iterations?: number | undefined;
  timeout_seconds?: number | undefined;
  agents?: AgentConfigInput[] | undefined;
  shared_context?: Record<string, unknown> | undefined;
  approvals?: Partial<ApprovalSettings> | undefined;
  approval_timeout_seconds?: number | undefined;
}

/** `PATCH /networks/{id}`: the settings named change (`approvals` merges). */
export interface UpdateNetworkInput {
  name?: string | undefined;
  description?: string | undefined;
  max_iterations?: number | undefined;
  timeout_seconds?: number | undefined;
  shared_context?: Record<string, unknown> | undefined;
  approvals?: ApprovalOverrides | undefined;
  approval_timeout_seconds?: number | undefined;
}

/** A person's decision on an approval: approve or reject (edits and a comment optional), or a question's answer. */
export type ApprovalDecisionInput =
  | { decision: 'approve' | 'reject'; comment?: string | undefined; edits?: Record<string, unknown> | undefined; decided_by?: string | undefined }
  | { answer: string; decided_by?: string | undefined };

export interface ApprovalListQuery {
  status?: string | undefined;
  kind?: string | undefined;
  limit?: number | undefined;
}

/** `submitTask` adds `process: true`: both callers start the task at once. */
export interface SubmitTaskInput {
  task: string;
  context?: Record<string, unknown> | undefined;
  priority?: number | undefined;
  deadline?: string | undefined;
  approvals?: ApprovalOverrides | undefined;
}

/** A file to submit with a task: one part of a multipart submit (its name and media type as declared). */
export interface TaskFileInput {
  name: string;
  media_type: string;
  data: Blob | Uint8Array;
}

export interface AddMemoryInput {
  content: string;
  memory_type?: string | undefined;
  confidence?: number | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export interface PageQuery {
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface TaskListQuery extends PageQuery {
  status?: string | undefined;
}

/** `GET /runs`: the tenant's tasks across its networks; every filter optional. */
export interface RunListQueryInput extends PageQuery {
  status?: string | undefined;
  network_id?: string | undefined;
  agent_type?: string | undefined;
  /** ISO times with an offset: created in [from, to). */
  from?: string | undefined;
  to?: string | undefined;
  min_cost_usd?: number | undefined;
  max_cost_usd?: number | undefined;
  /** Case-insensitive text search in the task, its result and its error. */
  q?: string | undefined;
}

export interface MemorySearch {
  query?: string | undefined;
  memory_type?: string | undefined;
  limit?: number | undefined;
  /** With `query`: hybrid (default: meaning, full text, importance and recency), semantic or keyword. */
  mode?: 'hybrid' | 'semantic' | 'keyword';
}

/** `GET /usage`: [from, to) as ISO times with an offset; unset, this UTC month so far, by day. */
export interface UsageQueryInput {
  from?: string | undefined;
  to?: string | undefined;
  group_by?: UsageGroup | undefined;
  network_id?: string | undefined;
}

/**
 * `PUT /admin/budgets` (operators): the budget of a tenant, or of one of its networks, per UTC day
 * or month; at least one of max_tokens and max_cost_usd. It replaces the one of that scope and period.
 */
/** `POST /evals`: the cases as a case file holds them (one JSON object each); see EvalCase in @mesh/core. */
export interface CreateEvalRunInput {
  label?: string | undefined;
  network_id?: string | undefined;
  cases: Record<string, unknown>[];
}

/** `POST …/tasks/{task_id}/feedback`: a rating 1–5 of a task that has ended, or of one of its subtasks. */
export interface FeedbackInput {
  rating: number;
  comment?: string | undefined;
  subtask_id?: string | undefined;
  correction?: string | undefined;
}

export interface PutBudgetInput {
  tenant_id: string;
  /** Unset or null: the whole tenant. */
  network_id?: string | null | undefined;
  period: BudgetPeriod;
  max_tokens?: number | null | undefined;
  max_cost_usd?: number | null | undefined;
}

const seg = encodeURIComponent;

/**
 * The REST API over fetch, for Node (the CLI) and the browser (the console): errors come back as
 * MeshApiError (an answer that is not 2xx) or ConnectionError (no answer). Imports nothing that
 * needs Node or zod. One method per route the CLI and the console call; `request` for the rest.
 */
export class MeshClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly credentials: RequestInit['credentials'] | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: MeshClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULTS.baseUrl).replace(/\/+$/, '');
    this.apiKey = options.apiKey ?? DEFAULTS.apiKey;
    this.headers = options.headers ?? {};
    this.credentials = options.credentials;
    // Called through a closure: a browser's fetch throws when called with another `this`.
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  url(path: string, query: RequestOptions['query'] = {}): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
    const search = params.toString();
    return `${this.baseUrl}${API_BASE_PATH}${path}${search ? `?${search}` : ''}`;
  }

  /** The raw response of a GET (the event stream); non-2xx answers are returned, not thrown. */
  async open(path: string, accept: string, signal?: AbortSignal): Promise<Response> {
    return this.send('GET', this.url(path), { accept }, undefined, signal);
  }

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined && options.form === undefined) headers['content-type'] = 'application/json';
    const body = options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const res = await this.send(method, this.url(path, options.query), headers, body, options.signal);
    if (!res.ok) throw await errorFromResponse(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MeshApiError(`The API answered with something that is not JSON: ${text.slice(0, 200)}`, res.status, 'bad_response');
    }
  }

  health(signal?: AbortSignal): Promise<Health> {
    return this.request<Health>('GET', '/health', { signal });
  }

  listNetworks(page: PageQuery = {}, signal?: AbortSignal): Promise<NetworkList> {
    return this.request<NetworkList>('GET', '/networks', { query: { ...page }, signal });
  }

  getNetwork(networkId: string, signal?: AbortSignal): Promise<Network> {
    return this.request<Network>('GET', `/networks/${seg(networkId)}`, { signal });
  }

  createNetwork(input: CreateNetworkInput): Promise<Network> {
    return this.request<Network>('POST', '/networks', { body: input });
  }

  updateNetwork(networkId: string, input: UpdateNetworkInput): Promise<Network> {
    return this.request<Network>('PATCH', `/networks/${seg(networkId)}`, { body: input });
  }

  /** A network's requests for a person (`status: 'pending'` for the inbox). */
  listApprovals(networkId: string, query: ApprovalListQuery = {}, signal?: AbortSignal): Promise<ApprovalList> {
    return this.request<ApprovalList>('GET', `/networks/${seg(networkId)}/approvals`, { query: { ...query }, signal });
  }

  listTaskApprovals(networkId: string, taskId: string, signal?: AbortSignal): Promise<ApprovalList> {
    return this.request<ApprovalList>('GET', `/networks/${seg(networkId)}/tasks/${seg(taskId)}/approvals`, { signal });
  }

  getApproval(networkId: string, approvalId: string, signal?: AbortSignal): Promise<Approval> {
    return this.request<Approval>('GET', `/networks/${seg(networkId)}/approvals/${seg(approvalId)}`, { signal });
  }

  decideApproval(networkId: string, approvalId: string, decision: ApprovalDecisionInput): Promise<Approval> {
    return this.request<Approval>('POST', `/networks/${seg(networkId)}/approvals/${seg(approvalId)}`, { body: decision });
  }

  deleteNetwork(networkId: string): Promise<void> {
    return this.request<void>('DELETE', `/networks/${seg(networkId)}`);
  }

  listAgents(networkId: string, signal?: AbortSignal): Promise<{ agents: Agent[] }> {
    return this.request<{ agents: Agent[] }>('GET', `/networks/${seg(networkId)}/agents`, { signal });
  }

  addAgent(networkId: string, config: AgentConfigInput): Promise<Agent> {
    return this.request<Agent>('POST', `/networks/${seg(networkId)}/agents`, { body: { agent_config: config } });
  }

  removeAgent(networkId: string, agentId: string): Promise<void> {
    return this.request<void>('DELETE', `/networks/${seg(networkId)}/agents/${seg(agentId)}`);
  }

  listTasks(networkId: string, query: TaskListQuery = {}, signal?: AbortSignal): Promise<TaskList> {
    return this.request<TaskList>('GET', `/networks/${seg(networkId)}/tasks`, { query: { ...query }, signal });
  }

  getTask(networkId: string, taskId: string, signal?: AbortSignal): Promise<Task> {
    return this.request<Task>('GET', `/networks/${seg(networkId)}/tasks/${seg(taskId)}`, { signal });
  }

  /** With `files`, a multipart submit: the field `task` holds the JSON, each file is one attachment. */
  submitTask(networkId: string, input: SubmitTaskInput, files: readonly TaskFileInput[] = []): Promise<Task> {
    const body = { ...input, process: true };
    if (files.length === 0) return this.request<Task>('POST', `/networks/${seg(networkId)}/tasks`, { body });
    const form = new FormData();
    form.append('task', JSON.stringify(body));
    for (const file of files) {
      const blob = file.data instanceof Blob ? file.data : new Blob([new Uint8Array(file.data)], { type: file.media_type });
      form.append('file', blob.type === file.media_type ? blob : new Blob([blob], { type: file.media_type }), file.name);
    }
    return this.request<Task>('POST', `/networks/${seg(networkId)}/tasks`, { form });
  }

  cancelTask(networkId: string, taskId: string): Promise<Task> {
    return this.request<Task>('POST', `/networks/${seg(networkId)}/tasks/${seg(taskId)}/cancel`);
  }

  /** Find any run: the tenant's tasks across its networks, filtered, searched, paged. */
  listRuns(query: RunListQueryInput = {}, signal?: AbortSignal): Promise<RunList> {
    return this.request<RunList>('GET', '/runs', { query: { ...query }, signal });
  }

  /** Over time: per UTC day and per agent type, the tenant's tasks of [from, to) (default: the last 14 days). */
  trends(query: { from?: string | undefined; to?: string | undefined; network_id?: string | undefined } = {}, signal?: AbortSignal): Promise<TrendReport> {
    return this.request<TrendReport>('GET', '/trends', { query: { ...query }, signal });
  }

  /** Rates a task that has ended (or one of its subtasks, with `subtask_id`). */
  giveFeedback(networkId: string, taskId: string, input: FeedbackInput, signal?: AbortSignal): Promise<{ feedback: Feedback }> {
    return this.request<{ feedback: Feedback }>('POST', `/networks/${seg(networkId)}/tasks/${seg(taskId)}/feedback`, { body: input, signal });
  }

  /** A task's feedback, oldest first. */
  taskFeedback(networkId: string, taskId: string, signal?: AbortSignal): Promise<{ feedback: Feedback[] }> {
    return this.request<{ feedback: Feedback[] }>('GET', `/networks/${seg(networkId)}/tasks/${seg(taskId)}/feedback`, { signal });
  }

  /** A network's feedback, newest first (of one agent type when given). */
  networkFeedback(networkId: string, query: { agent_type?: string | undefined; limit?: number | undefined } = {}, signal?: AbortSignal): Promise<{ feedback: Feedback[] }> {
    return this.request<{ feedback: Feedback[] }>('GET', `/networks/${seg(networkId)}/feedback`, { query: { ...query }, signal });
  }

  /** An agent's lessons: the current set, every version, and the feedback waiting to be distilled. */
  agentLessons(networkId: string, agentId: string, signal?: AbortSignal): Promise<Lessons> {
    return this.request<Lessons>('GET', `/networks/${seg(networkId)}/agents/${seg(agentId)}/lessons`, { signal });
  }

  /** Replaces an agent's lessons with a person's (an empty list clears them). */
  putLessons(networkId: string, agentId: string, lessons: { text: string; sources?: string[] }[], signal?: AbortSignal): Promise<Lessons> {
    return this.request<Lessons>('PUT', `/networks/${seg(networkId)}/agents/${seg(agentId)}/lessons`, { body: { lessons }, signal });
  }

  /** One network over the last `window` (`<n>h` or `<n>d`, default 7d): per agent type, per model and in total. */
  networkStats(networkId: string, query: { window?: string | undefined } = {}, signal?: AbortSignal): Promise<StatsReport> {
    return this.request<StatsReport>('GET', `/networks/${seg(networkId)}/stats`, { query: { ...query }, signal });
  }

  /**
   * Starts an evaluation run: each case (`{id, task, context?, network_id?, assertions?, rubric?}`)
   * runs as a task and is scored when it ends. The API validates the cases (400, nothing started).
   */
  startEval(input: CreateEvalRunInput): Promise<{ eval_run: EvalRun }> {
    return this.request<{ eval_run: EvalRun }>('POST', '/evals', { body: input });
  }

  /** An evaluation run with each case's result. */
  getEval(runId: string, signal?: AbortSignal): Promise<{ eval_run: EvalRun }> {
    return this.request<{ eval_run: EvalRun }>('GET', `/evals/${seg(runId)}`, { signal });
  }

  /** The tenant's evaluation runs, newest first (without results). */
  listEvals(query: { limit?: number | undefined } = {}, signal?: AbortSignal): Promise<{ eval_runs: EvalRun[] }> {
    return this.request<{ eval_runs: EvalRun[] }>('GET', '/evals', { query: { ...query }, signal });
  }

  /** Which cases scored better or worse in run `b` than in run `a`. */
  compareEvals(a: string, b: string, signal?: AbortSignal): Promise<EvalComparison> {
    return this.request<EvalComparison>('GET', '/evals/compare', { query: { a, b }, signal });
  }

  /** Every model call of the task: attempts, tokens, cost, latency and, when recorded, the prompt and the answer. */
  getTaskCalls(networkId: string, taskId: string, signal?: AbortSignal): Promise<LlmCallList> {
    return this.request<LlmCallList>('GET', `/networks/${seg(networkId)}/tasks/${seg(taskId)}/calls`, { signal });
  }

  /** The agent playground: one agent on an ad-hoc input through the worker pool, as a task to follow. */
  runInPlayground(networkId: string, agentId: string, input: { input: string; context?: Record<string, unknown> | undefined; priority?: number | undefined }): Promise<Task> {
    return this.request<Task>('POST', `/networks/${seg(networkId)}/agents/${seg(agentId)}/playground`, { body: input });
  }

  /** A new task with the same input as `taskId`, started at once. */
  rerunTask(networkId: string, taskId: string): Promise<Task> {
    return this.request<Task>('POST', `/networks/${seg(networkId)}/tasks/${seg(taskId)}/rerun`);
  }

  /** Runs one failed subtask of an ended task again (through the queue); the task's outcome is recomputed. */
  retrySubtask(networkId: string, taskId: string, subtaskId: string): Promise<Task> {
    return this.request<Task>('POST', `/networks/${seg(networkId)}/tasks/${seg(taskId)}/subtasks/${seg(subtaskId)}/retry`);
  }

  /** The task's event stream (`text/event-stream`), as the raw response: see watchTask. */
  openTaskEvents(networkId: string, taskId: string, signal?: AbortSignal): Promise<Response> {
    return this.open(`/networks/${seg(networkId)}/tasks/${seg(taskId)}/events`, 'text/event-stream', signal);
  }

  searchMemory(networkId: string, search: MemorySearch = {}, signal?: AbortSignal): Promise<MemoryList> {
    return this.request<MemoryList>('GET', `/networks/${seg(networkId)}/memory`, { query: { ...search }, signal });
  }

  addMemory(networkId: string, input: AddMemoryInput): Promise<MemoryItem & { deduplicated: boolean }> {
    return this.request<MemoryItem & { deduplicated: boolean }>('POST', `/networks/${seg(networkId)}/memory`, { body: input });
  }

  /** The tenant's own model usage (tokens, cost, calls), grouped. */
  usage(query: UsageQueryInput = {}, signal?: AbortSignal): Promise<UsageReport> {
    return this.request<UsageReport>('GET', '/usage', { query: { ...query }, signal });
  }

  /** The tenant's budgets (its own and its networks'), each with what its current period has used. */
  budgets(signal?: AbortSignal): Promise<BudgetList> {
    return this.request<BudgetList>('GET', '/budgets', { signal });
  }

  /** Operators (MESH_ADMIN_TENANTS) only; others get 403. */
  putBudget(input: PutBudgetInput): Promise<Budget> {
    return this.request<Budget>('PUT', '/admin/budgets', { body: input });
  }

  /** Operators: every tenant's budgets, or one tenant's. */
  adminBudgets(tenantId?: string, signal?: AbortSignal): Promise<BudgetList> {
    return this.request<BudgetList>('GET', '/admin/budgets', { query: { tenant_id: tenantId }, signal });
  }

  /** Operators: removes a budget. */
  deleteBudget(budgetId: string): Promise<void> {
    return this.request<void>('DELETE', `/admin/budgets/${seg(budgetId)}`);
  }

  private async send(method: string, url: string, headers: Record<string, string>, body: string | FormData | undefined, signal: AbortSignal | undefined): Promise<Response> {
    try {
      return await this.fetchImpl(url, {
        method,
        headers: { ...headers, ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}), ...this.headers },
        ...(this.credentials ? { credentials: this.credentials } : {}),
        ...(body !== undefined ? { body } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (isAbortError(err)) throw err;
      throw new ConnectionError(this.baseUrl, err);
    }
  }
}
