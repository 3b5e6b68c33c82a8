import { TASK_EVENT_STREAM_EXAMPLE } from './schema-examples';

/*
 * What every route, parameter and tag of the API does, for the API reference, keyed the way the
 * route table spells them (`POST /networks/:network_id/tasks`). Route summaries stay in the route
 * files (one line); these say what a route changes, what it answers and which errors to expect.
 */

export interface RouteDescription {
  description: string;
  /** Names of the body schema's examples (./schema-examples.ts) to show; default: all of them. */
  requestExamples?: readonly string[];
  /** The same for responses, by status. */
  responseExamples?: Record<number, readonly string[]>;
  /** Examples of non-JSON responses, by media type. */
  textExamples?: Record<string, { summary: string; value: string }>;
}

export interface ParameterDescription {
  description: string;
  example: unknown;
}

/**
 * The project's license as its root package.json declares it (`"license": "UNLICENSED"`: no
 * license is granted, and there is no LICENSE file). The test compares the two.
 */
export const API_LICENSE = { name: 'UNLICENSED' };

export const TAG_DESCRIPTIONS: Record<string, string> = {
  health: 'Whether the service and what it depends on (Redis, Postgres, model providers, workers) are up. The only route without an API key.',
  networks:
    'A **network** is a team of specialised LLM agents with shared memory and settings (iterations, timeout, approvals). Create one, then submit tasks to it. Every network belongs to the tenant of the API key that created it; other tenants get 404.',
  agents:
    "A network's **agents**: one coordinator, which plans and synthesises, and specialists (content, design, analytics, personalization by default; any custom type, like the SEO Specialist) that run subtasks on their own queue.",
  tools:
    "**Tools** agents may call while they work: an http endpoint, an OpenAPI service or an MCP server, registered on a network; secrets are referenced by name, never stored. The built-ins `send_email` and `search_memory` need no registration.",
  tasks:
    'A **task** is a request in plain language. The coordinator plans it into subtasks, workers run them in parallel (in the order their dependencies allow), and the coordinator synthesises the result. Follow a task by polling, `?wait=N`, the event stream or a webhook; inspect its model calls; find any run with `/runs`.',
  approvals:
    'Human in the loop: where a network (or a task) says so, a person approves, edits or rejects the plan, a tool call or the result, or answers an agent\'s question. The task waits without holding a worker and goes on as soon as someone decides.',
  usage:
    "Model usage (tokens and cost), how tasks went over time (`/trends`), **budgets** per tenant or network and UTC day or month, and the fair-scheduling weights of tenants. Setting budgets and weights is for operators (tenants listed in MESH_ADMIN_TENANTS).",
  memory:
    "A network's **shared memory**: facts, context, decisions and feedback that agents read when they plan and work, and add to as they finish subtasks. Searched by meaning and full text.",
  learning:
    "**Feedback and lessons**: people rate finished tasks and subtasks; the feedback becomes shared memory, and every few items the coordinator distils an agent type's feedback into its lessons, guidelines its prompts carry from then on. People can read and replace the lessons.",
  evals:
    '**Evaluations**: run a set of cases (a task, its context and network, and how to judge the answer: assertions and a rubric) through the mesh, score each result, and compare two runs case by case, so that a change of prompt, model, tools or lessons is measured instead of guessed. The coordinator scores; a rubric is scored by a judge model.',
  docs: 'This reference: the OpenAPI document and the page that renders it.',
};

/** By `<in>.<name>`, or `<route key> <in>.<name>` where a route's parameter means something of its own. */
export const PARAMETER_DESCRIPTIONS: Record<string, ParameterDescription> = {
  'path.network_id': { description: "The network's id (a UUID). Another tenant's network answers 404, like a missing one.", example: 'a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f601' },
  'path.task_id': { description: "The task's id (a UUID).", example: 'b7e2d9c4-1a3f-4e6b-9c8d-5f2a1e0b3c47' },
  'path.subtask_id': { description: "The subtask's id (a UUID), as the task's `subtasks` list it.", example: 'f1c6b3a8-5e7d-4c0f-9a2b-9d6e5c4f7a81' },
  'path.agent_id': { description: "The agent's id (a UUID).", example: '0d5b1f6e-7a8c-4b3d-8e65-2f1a0b9c8d76' },
  'path.tool_id': { description: "The registered tool's id (a UUID), as `POST …/tools` answered it.", example: 'd5a0f7e2-9c1b-4a4d-9e6f-3b0c9a8d1e25' },
  'path.attachment_id': { description: "The attachment's id (a UUID), as the task's `attachments` list it.", example: '9a4c2e7b-3d1f-4b8a-a6e5-7c0d2b1f4e93' },
  'path.approval_id': { description: "The request's id (a UUID), as the `approval.requested` event or the approvals list gives it.", example: 'e6b1a8f3-0d2c-4b5e-8f7a-4c1d0b9e2f36' },
  'path.eval_run_id': { description: "The evaluation run's id (a UUID), as POST /evals answered it. Another tenant's run answers 404.", example: '4c17a0f9-6d8e-4b1a-9c2f-0a1b2c3d4e51' },
  'GET /evals/compare query.a': { description: 'The first run (the baseline): its id.', example: '4c17a0f9-6d8e-4b1a-9c2f-0a1b2c3d4e51' },
  'GET /evals/compare query.b': { description: 'The second run (after the change): its id.', example: '5d28b1a0-7e9f-4c2b-8d3a-1b2c3d4e5f62' },
  'path.budget_id': { description: "The budget's id (a UUID).", example: '2af5e2d7-4b6a-4f9c-8dbe-8a5b4f3c6d70' },
  'query.wait': {
    description: 'Hold the answer up to this many seconds (0 to 120, fractions allowed) until the task reaches a terminal status; the answer is then a 200. If it has not ended by then, you get the task as it is. Omitted: answer at once.',
    example: 30,
  },
  'query.limit': { description: 'The page size: how many items to return at most (1 to 200).', example: 20 },
  'query.offset': { description: 'How many items to skip, for the next pages.', example: 0 },
  'query.status': { description: 'Only tasks in this status.', example: 'completed' },
  'query.network_id': { description: 'Only this network (a UUID).', example: 'a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f601' },
  'query.from': { description: 'From this instant on (inclusive; ISO 8601 with an offset, e.g. `2026-03-01T00:00:00Z`).', example: '2026-03-01T00:00:00Z' },
  'query.to': { description: 'Up to this instant (exclusive; ISO 8601 with an offset).', example: '2026-04-01T00:00:00Z' },
  'GET /networks/:network_id/approvals query.status': { description: 'Only requests in this status; `pending` is the inbox of what waits for someone.', example: 'pending' },
  'GET /networks/:network_id/approvals query.kind': { description: 'Only requests of this kind: `plan`, `tool_call`, `result` or `question`.', example: 'tool_call' },
  'GET /runs query.agent_type': { description: 'Only tasks with at least one subtask of this agent type.', example: 'analytics' },
  'GET /runs query.min_cost_usd': { description: "Only tasks whose model cost is at least this many US dollars (inclusive).", example: 0.05 },
  'GET /runs query.max_cost_usd': { description: 'Only tasks whose model cost is at most this many US dollars (inclusive).', example: 1 },
  'GET /runs query.q': { description: "Text search: a case-insensitive substring of the task's text, its result or its error (1 to 200 characters).", example: 'product launch' },
  'GET /runs query.from': { description: 'Only tasks created at or after this instant (ISO 8601 with an offset).', example: '2026-03-01T00:00:00Z' },
  'GET /runs query.to': { description: 'Only tasks created before this instant (ISO 8601 with an offset).', example: '2026-04-01T00:00:00Z' },
  'GET /usage query.from': { description: 'The start of the interval (inclusive; ISO 8601 with an offset). Omitted: the start of this UTC month.', example: '2026-03-01T00:00:00Z' },
  'GET /usage query.to': { description: 'The end of the interval (exclusive; ISO 8601 with an offset). Omitted: now.', example: '2026-04-01T00:00:00Z' },
  'GET /usage query.group_by': { description: 'How to group the rows: by `network`, `agent_type`, `model` or `day` (UTC).', example: 'agent_type' },
  'GET /usage query.network_id': { description: "Only this network's usage (a UUID).", example: 'a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f601' },
  'GET /trends query.from': { description: 'The start of the range: tasks created at or after this instant (ISO 8601 with an offset). Omitted: 14 days before `to`.', example: '2026-03-01T00:00:00Z' },
  'GET /trends query.to': { description: 'The end of the range: tasks created before this instant (ISO 8601 with an offset). Omitted: the start of tomorrow (UTC), so today is included.', example: '2026-03-15T00:00:00Z' },
  'GET /trends query.network_id': { description: "Only this network's tasks (a UUID). Omitted: all the tenant's networks.", example: 'a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f601' },
  'GET /networks/:network_id/feedback query.agent_type': { description: "Only feedback on this agent type's work (`coordinator`: on tasks' results).", example: 'content' },
  'GET /networks/:network_id/stats query.window': { description: 'How far back from now: `<n>h` or `<n>d`, from `1h` to `90d`.', example: '30d' },
  'GET /admin/budgets query.tenant_id': { description: "Only this tenant's budgets. Omitted: every tenant's.", example: 'maily' },
  'GET /networks/:network_id/memory query.memory_type': { description: 'Only items of this type: `fact`, `context`, `decision` or `feedback`.', example: 'fact' },
  'GET /networks/:network_id/memory query.query': { description: 'Search for this text (1 to 500 characters): the answer is ranked by relevance (see `mode`) and each item has a `relevance`. Omitted: list, newest first.', example: 'best send time for tech professionals' },
  'GET /networks/:network_id/memory query.mode': {
    description: 'With `query`, how to rank: `hybrid` fuses meaning (embeddings), full text, importance and recency; `semantic` ranks by meaning alone; `keyword` by full text alone. Without `query` it has no effect.',
    example: 'hybrid',
  },
};

const TASK_PAGE = 'Use `limit` and `offset` to page; `total` counts every match.';

export const ROUTE_DESCRIPTIONS: Record<string, RouteDescription> = {
  'GET /health': {
    description:
      'Reports whether Redis and Postgres are reachable, the state of each model provider (configured, circuit breaker), the live coordinator and worker processes, and agent types that no worker serves. Needs no API key, so load balancers can call it.\n\n' +
      'Answers **200** when the status is `ok` or `degraded`, **503** when it is `down` (Redis or Postgres unreachable); the body is the same report either way.',
    responseExamples: { 200: ['ok', 'degraded'], 503: ['down'] },
  },
  'POST /networks': {
    description:
      'Creates a network for the tenant of the API key. Without `agents`, it gets the five default agents (Coordinator, Content, Design, Analytics and Personalization Specialist); with `agents`, those (each of its own type), plus the default Coordinator Agent when none of them is of type `coordinator`. ' +
      'Settings left out take their defaults (`max_iterations` 10, `timeout_seconds` 300, approvals off).\n\n' +
      "Agents created here may list only built-in tools (`send_email`, `search_memory`): register the network's own tools with `POST …/tools` first, then add the agents that use them.\n\n" +
      '**Errors:** 400 for an invalid field (each failing path is listed in `details`), e.g. two agents of one type, or an agent tool that is not a built-in.',
    responseExamples: { 201: ['created'] },
  },
  'GET /networks': {
    description: "Lists the tenant's networks, newest first, each with its counts (agents, tasks, active tasks, memory items) but without its agents. Use `limit` and `offset` to page; `total` counts them all.",
  },
  'GET /networks/:network_id': {
    description: 'Returns one network with its settings, counts and agents. **404** for a missing network and for another tenant\'s.',
    responseExamples: { 200: ['with_custom_agent'] },
  },
  'PATCH /networks/:network_id': {
    description:
      'Changes the settings named in the body and leaves the others as they are; `approvals` is merged field by field. At least one setting must be named (400 otherwise).\n\n' +
      'Tasks already submitted keep the settings they were submitted with; new tasks get the new ones. Agents are not changed here: add and remove them under `/agents`.',
    responseExamples: { 200: ['with_custom_agent'] },
  },
  'DELETE /networks/:network_id': {
    description:
      'Deletes the network and everything in it: agents, registered tools, tasks with their subtasks, and shared memory. Jobs of its tasks still waiting in the queues are removed. This cannot be undone.',
  },
  'POST /networks/:network_id/agents': {
    description:
      "Adds an agent to the network, for example a custom specialist like the SEO Specialist. Its `type` names the queue its subtasks go to: a worker must serve that type (`--agents seo`, or `--agents all`). Until a live worker does, the coordinator does not plan subtasks for it, and the answer's `warnings` says so.\n\n" +
      "Its `tools` must name tools registered on the network, `<service>.*`, or built-ins. From now on the coordinator may plan subtasks for it.\n\n" +
      '**Errors:** 400 for an invalid config or an unknown tool; 409 when the network already has an agent of that type (or a coordinator, when adding another).',
    responseExamples: { 201: ['seo_specialist', 'unserved'] },
  },
  'POST /networks/:network_id/agents/:agent_id/playground': {
    description:
      "Tries one specialist of the network on an ad-hoc input: a task of a single subtask for that agent, run by the real worker pool, without the coordinator (no plan, no synthesis); the task's result is the agent's answer, and the task says `\"playground\": true`. " +
      'It starts at once (**201**); follow it like any task, or add `?wait=N` for **200** once it has ended. It counts against budgets and the tenant\'s queued-task limit like any task.\n\n' +
      '**Errors:** 402 when a budget is used up; 404 for an unknown network or agent; 409 for the coordinator (it only plans and synthesises); 429 when the tenant already has too many tasks queued or running; 503 when the queue is unavailable.',
    responseExamples: { 201: ['playground'], 200: ['playground_completed'] },
  },
  'GET /networks/:network_id/agents': {
    description: "Lists the network's agents, oldest first, the coordinator included.",
  },
  'DELETE /networks/:network_id/agents/:agent_id': {
    description:
      'Removes an agent; the coordinator no longer plans subtasks for its type. Subtasks it already ran keep their results. **409** for the coordinator: a network keeps exactly one.',
  },
  'POST /networks/:network_id/tools': {
    description:
      'Registers a tool on the network, of one of three kinds:\n\n' +
      '- `http`: one endpoint, one tool; its URL template is filled from the arguments;\n' +
      '- `openapi`: a service described by an OpenAPI document (inline or fetched from `document_url`): one tool per operation, named `<name>.<operationId>`;\n' +
      '- `mcp`: an MCP server over Streamable HTTP: one tool per tool it lists, named `<name>.<tool>`.\n\n' +
      'The work happens now: input schemas are compiled, the document is fetched and parsed, the MCP server is listed. Header values may reference operator secrets (`{"secret": "NAME"}` → MESH_SECRET_NAME); their values are never stored or shown. Then add agents whose `tools` name the derived tools.\n\n' +
      '**Errors:** 400 for what the request gets wrong (also an address the outbound policy refuses, or a secret that is not configured); 409 when the network already has a tool of that name; 422 when the document or the server cannot be used.',
  },
  'GET /networks/:network_id/tools': {
    description: "Lists the network's registrations, oldest first, each with the tools derived from it. Built-ins (`send_email`, `search_memory`) are not listed: every network has them.",
  },
  'GET /networks/:network_id/tools/:tool_id': {
    description: 'Returns one registration with its spec (secret references only) and its derived tools.',
  },
  'DELETE /networks/:network_id/tools/:tool_id': {
    description:
      "Removes a registration and its derived tools. **409**, naming the agents, while any agent's `tools` lists it (by name, `<name>.<operation>` or `<name>.*`): an agent's tools are fixed when it is added, so remove those agents first.",
  },
  'POST /networks/:network_id/tasks': {
    description:
      'Submits a task to the network. By default it is stored `pending` and nothing runs until `POST …/process`; with `"process": true` it starts at once (**201**, status `queued`). ' +
      'With `"process": true` and `?wait=N`, the answer waits up to N seconds for the task to end: **200** with the finished task if it did, **201** with the running one if not.\n\n' +
      'Follow it with `GET …/tasks/{task_id}` (also with `?wait`), the event stream (`…/events`), or a webhook to `callback_url`.\n\n' +
      '**Errors:** 400 for an invalid field or a `callback_url` the deployment does not allow; 402 when a budget is used up (only when processing starts); 404 for an unknown network; 429 when the tenant already has too many tasks queued or running (MESH_MAX_QUEUED_TASKS_PER_TENANT); 503 when the queue is unavailable (the task is stored, `details` names it: retry `/process`).',
    responseExamples: { 201: ['pending', 'queued'], 200: ['completed'] },
  },
  'GET /networks/:network_id/tasks': {
    description: `Lists the network's tasks, newest first, without their subtasks; \`status\` filters. ${TASK_PAGE}`,
  },
  'GET /networks/:network_id/tasks/:task_id': {
    description:
      "Returns the task with its subtasks (every round's), result, usage and approval state. With `?wait=N` the answer is held up to N seconds until the task ends, which saves polling; without it, it is immediate.",
    responseExamples: { 200: ['completed', 'timed_out'] },
  },
  'POST /networks/:network_id/tasks/:task_id/process': {
    description:
      'Starts a `pending` task: it is queued for the coordinator, which plans the first round of subtasks. Calling it again changes nothing and answers with the current status, so it is safe to retry. ' +
      '**202** with the task; with `?wait=N`, **200** once it has ended (or 202 if it has not by then).\n\n' +
      '**Errors:** 402 when a budget of the tenant or the network is used up; 429 when the tenant already has too many tasks queued or running (MESH_MAX_QUEUED_TASKS_PER_TENANT); 503 when the queue is unavailable.',
    responseExamples: { 202: ['queued'], 200: ['completed'] },
  },
  'POST /networks/:network_id/tasks/:task_id/cancel': {
    description:
      'Cancels a task that has not ended: it ends `cancelled` (`error`: "cancelled by client"), its waiting jobs are removed, the processes running its subtasks are told to stop, and its end is announced like any other (events, webhook).\n\n**409** when the task had already ended.',
    responseExamples: { 200: ['cancelled'] },
  },
  'POST /networks/:network_id/tasks/:task_id/rerun': {
    description:
      'Runs a task again as a **new task** in the same network, with the same input: text, context, priority, `callback_url` and the approval settings the original ran with. The new task is started at once (**201**, with its own id); the original is not changed. ' +
      'With `?wait=N`, **200** once the new task has ended (201 if it has not by then).\n\n' +
      '**Errors:** 402 when a budget is used up; 404 for an unknown task; 429 when the tenant already has too many tasks queued or running; 503 when the queue is unavailable.',
    responseExamples: { 201: ['queued'], 200: ['completed'] },
  },
  'POST /networks/:network_id/tasks/:task_id/subtasks/:subtask_id/retry': {
    description:
      "Retries one **failed** subtask of a task that has ended (`completed` or `failed`), through the queue. The task is `in_progress` again from that subtask's round (the last round with subtasks); once the subtask has run, the coordinator plans or synthesises again, so the task's result and status are recomputed. " +
      '**202** with the task; with `?wait=N`, **200** once it has ended again.\n\n' +
      '**Errors:** 402 when a budget is used up; 404 for an unknown task or subtask; 409 when the task has not ended, the subtask did not fail, or a later round was already planned from its failure.',
    responseExamples: { 202: ['queued'], 200: ['completed'] },
  },
  'GET /networks/:network_id/tasks/:task_id/events': {
    description:
      'Streams what happens to the task as [Server-Sent Events](https://html.spec.whatwg.org/multipage/server-sent-events.html), from any API process (events travel through Redis). The first event is a `snapshot` of the task; then `task.status`, `subtask.status`, `tool.call`, `approval.requested`, `approval.decided` and `budget.warning` as they happen; the last is `end` with the final task, after which the stream closes.\n\n' +
      "Each event has an increasing `id:`. A task that has already ended gets its snapshot and `end` at once. In a browser, `EventSource` cannot send headers: use basic authentication (any user name, the API key as password) or a proxy.",
    textExamples: { 'text/event-stream': { summary: 'A snapshot, one subtask event, a keep-alive ping and the end', value: TASK_EVENT_STREAM_EXAMPLE } },
  },
  'GET /networks/:network_id/tasks/:task_id/attachments/:attachment_id': {
    description:
      "Streams one of the task's attachments back, byte for byte: `Content-Type` is its media type, `Content-Length` its size, `Content-Disposition: attachment` with its name, and `X-Content-Type-Options: nosniff`. " +
      "An attachment of another task, network or tenant answers 404, like a missing one.",
    textExamples: { 'application/octet-stream': { summary: 'The bytes (a PNG, its first bytes shown as text)', value: '\u0089PNG\r\n\u001a\n…' } },
  },
  'GET /networks/:network_id/tasks/:task_id/calls': {
    description:
      "The task's model calls in the order they began: the coordinator's plans and repairs, each subtask and each turn of its tool loop, and the synthesis. Each shows its purpose, the model that answered and every attempt across the fallback chain, tokens, cost and latency.\n\n" +
      'Unless the deployment switched recording off (MESH_LLM_RECORD_PROMPTS=false) or the retention (MESH_LLM_PROMPT_RETENTION_DAYS) has passed, each call also shows what was sent (`prompt`) and what came back (`output`); `recording` says which applies.',
  },
  'GET /runs': {
    description:
      "Finds any of the tenant's tasks across all its networks, newest first: filter by `status`, `network_id`, `agent_type` (a subtask of that type ran), creation time (`from` inclusive, `to` exclusive) and cost (`min_cost_usd`, `max_cost_usd`), and search with `q` in the task's text, result and error. " +
      `${TASK_PAGE}\n\n**Errors:** 400 for an invalid filter (also \`from\` not before \`to\`, or \`min_cost_usd\` above \`max_cost_usd\`); 404 for an unknown \`network_id\`.`,
  },
  'GET /networks/:network_id/approvals': {
    description: "Lists the network's requests for a person, newest first. `?status=pending` is the inbox: what waits for someone now. Filter by `kind` too.",
    responseExamples: { 200: ['inbox'] },
  },
  'GET /networks/:network_id/tasks/:task_id/approvals': {
    description: "Lists one task's requests for a person in the order they were made, whatever their status.",
    responseExamples: { 200: ['task'] },
  },
  'GET /networks/:network_id/approvals/:approval_id': {
    description: 'Returns one request with its subject: for a `plan` the planned subtasks and the reasoning; for a `tool_call` the tool, its input schema and the arguments; for a `result` the draft; for a `question` the question.',
  },
  'POST /networks/:network_id/approvals/:approval_id': {
    description:
      'Decides a pending request, and the task goes on at once:\n\n' +
      '- `{"decision": "approve"}`, optionally with `edits`: for a plan `{"subtasks": [...]}` (replaces the planned subtasks), for a tool call `{"arguments": {...}}`, for a result `{"content", "confidence"?, "explanation"?}`;\n' +
      '- `{"decision": "reject", "comment"?}`: a rejected plan or result is planned again with the comment as feedback; a rejected tool call does not run and the model is told;\n' +
      '- `{"answer": "..."}` for a `question`.\n\n' +
      '**Errors:** 400 for a decision that does not fit the kind (nothing changes); 409 when it was decided already, has expired, or its task has ended.',
    responseExamples: { 200: ['tool_call', 'result', 'question'] },
  },
  'POST /networks/:network_id/tasks/:task_id/feedback': {
    description:
      'Rates a task that has ended (completed, failed, timed out or cancelled), from 1 to 5, with an optional `comment` and `correction`. With `subtask_id` the feedback is on that subtask and belongs to its agent type; without, on the task\'s result and the coordinator.\n\n' +
      'The feedback is also stored as shared memory of type `feedback` (`memory_id`), which agents of that type see first among equally relevant memory. When an agent type has gathered MESH_LESSON_EVERY new feedback items (default 5), the coordinator distils them into its lessons (see `GET …/agents/{agent_id}/lessons`).\n\n' +
      '**Errors:** 400 for a rating outside 1–5 or a subtask of another task; 404 for another tenant\'s task; 409 while the task has not ended.',
  },
  'GET /networks/:network_id/tasks/:task_id/feedback': {
    description: "Every feedback item given on the task and its subtasks, oldest first.\n\n**Errors:** 404 for another tenant's task.",
  },
  'GET /networks/:network_id/feedback': {
    description: "The network's feedback across its tasks, newest first: all of it, or one agent type's with `agent_type` (`coordinator` for feedback on tasks' results). At most `limit` items (1 to 200, default 50).\n\n**Errors:** 404 for another tenant's network.",
  },
  'GET /networks/:network_id/agents/:agent_id/lessons': {
    description:
      "An agent's lessons: short guidelines distilled from people's feedback on its earlier work (each citing the feedback it came from), which every prompt of its type carries. `current` is the set in force, `history` every version (distilled or set by a person), `pending_feedback` how much feedback waits for the next distillation.\n\n**Errors:** 404 for another tenant's agent.",
  },
  'PUT /networks/:network_id/agents/:agent_id/lessons': {
    description:
      "Replaces the agent's lessons with a person's, as a new version: the next prompts of its type carry them. An empty list clears them. Later distillations start from this version.\n\n**Errors:** 400 for more than 20 lessons, a lesson over 500 characters or more than 20 sources; 404 for another tenant's agent.",
  },
  'GET /trends': {
    description:
      "How the tenant's tasks went over time: for the tasks created in [`from`, `to`), one row per UTC day (throughput, outcomes, failure rate, average and p95 duration, cost and tokens), and their subtasks per agent type. Default: the last 14 UTC days, today included; at most 366 days. `network_id` narrows it to one network.\n\n" +
      'The failure rate counts failed and timed-out tasks over those that ended; cancelled ones are left out.\n\n**Errors:** 400 for an invalid range (also `from` not before `to`, or longer than 366 days); 404 for an unknown `network_id`.',
  },
  'POST /evals': {
    description:
      "Starts an evaluation run. Each case runs as an ordinary task of its network (the case's `network_id` or the run's), started at once through admission, so budgets, the cap on queued tasks and fair scheduling apply as to any task. " +
      "When a case's task ends, the coordinator scores its result: each assertion against the result's content, and the rubric (if any) by one judge model call through the model chain. A case's score is the fraction of its assertions that passed, averaged with the rubric's score; it passes when every assertion passed and the rubric scored at least 0.5. A case whose task failed, timed out or was cancelled scores 0 with the error. " +
      'The run is `completed` once every case is scored; follow it with GET /evals/{eval_run_id}.\n\n' +
      "**Errors:** 400 for an invalid case (also a case with neither assertions nor a rubric, a regex that does not compile, a case id used twice, a case without a network); 404 for a network that is not the tenant's; 402 when a budget is used up; 429 when the run's tasks do not fit under the tenant's cap of queued tasks (nothing is started).",
  },
  'GET /evals': { description: "The tenant's evaluation runs, newest first, each with its counts and mean score but without its results. `limit`: 1 to 100 (default 20)." },
  'GET /evals/:eval_run_id': { description: "One evaluation run with each case's result: its task and that task's status, the case's status, score and pass, each assertion's outcome and the judge's verdict. **404** for a missing run and for another tenant's.", responseExamples: { 200: ['completed'] } },
  'GET /evals/compare': {
    description:
      'Compares two runs case by case (cases are matched by their `id`): `better` or `worse` when the score in `b` is higher or lower than in `a`, `same`, `added` (only in `b`) or `removed` (only in `a`), with the counts. Compare runs of the same case file before and after a change of prompt, model, tools or lessons.\n\n**Errors:** 404 when either run is missing or another tenant\'s.',
  },
  'GET /networks/:network_id/stats': {
    description:
      "How one network did over the last `window` (default `7d`, at most `90d`), per agent type, per model and in total: its subtasks (those that finished in the window, or, not finished, were created in it), how many completed and failed, the mean confidence of the completed ones, the median and 95th percentile of their duration, people's ratings (mean and count) of the feedback given in the window, and the tokens and cost of the model calls made in it. The coordinator's row carries its own calls (planning, synthesis) and the ratings of whole tasks; the totals also count the tasks created in the window.\n\n" +
      'The coordinator plans with the same numbers per specialist over 30 days (its track record).\n\n**Errors:** 400 for a window that is not `<n>h` or `<n>d` or is outside 1h to 90d; 404 for an unknown network (also another tenant\'s).',
  },
  'GET /usage': {
    description:
      "The tenant's own model usage (tokens, cost, calls) in [`from`, `to`), grouped by `network`, `agent_type`, `model` or `day` (UTC). Default: this UTC month so far, by day. It is summed from the recorded model calls, exactly as budgets are.\n\n**Errors:** 400 for an invalid interval; 404 for an unknown `network_id`.",
  },
  'GET /budgets': {
    description: "The budgets that apply to the tenant: its own and its networks', each with what its current period has used. At `used_ratio` 0.8 a `budget.warning` event is sent; at 1 new tasks get 402.",
  },
  'PUT /admin/budgets': {
    description:
      'For operators (tenants in MESH_ADMIN_TENANTS): sets the token and/or cost budget of a tenant, or of one of its networks, per UTC day or month, replacing the budget of that scope and period (**201** when new, **200** when replaced).\n\n' +
      'At 80 % of a budget the tasks that use it send a `budget.warning` event; at 100 % new tasks get **402** and running ones stop before their next model call, until the period renews.\n\n' +
      '**Errors:** 400 without `max_tokens` or `max_cost_usd`; 403 for a key that is not an operator\'s; 404 for an unknown network.',
    responseExamples: { 201: ['tenant'], 200: ['tenant'] },
  },
  'GET /admin/budgets': {
    description: "For operators: every budget with its usage, or one tenant's with `?tenant_id=`. Budgets from MESH_BUDGETS show `source: config`.",
  },
  'DELETE /admin/budgets/:budget_id': {
    description: 'For operators (MESH_ADMIN_TENANTS): removes a budget, so what it limited is no longer limited. **404** for an unknown budget.',
  },
  'PUT /admin/weights': {
    description:
      "For operators: sets a tenant's weight in fair scheduling. Jobs are ordered by each tenant's unfinished tasks per unit of weight, so a tenant of weight 2 gets twice the share of the fleet of a tenant of weight 1. `null` goes back to MESH_TENANT_WEIGHTS, or 1. Answers every weight now in force.",
  },
  'GET /admin/weights': {
    description: 'For operators: the fair-scheduling weights in force; tenants not listed weigh 1.',
  },
  'POST /networks/:network_id/memory': {
    description:
      "Adds an item to the network's shared memory, which agents read when they plan and work. The same content (in the same network) is stored once: adding it again answers **200** with the existing item, its importance reinforced and `deduplicated: true`; a new item answers **201**. " +
      'The item is embedded in the background; until then, searches find it by full text.',
    responseExamples: { 201: ['stored'], 200: ['reinforced'] },
  },
  'GET /networks/:network_id/memory': {
    description:
      "Lists the network's shared memory, newest first; `memory_type` filters. With `query`, searches instead: the most relevant items first, each with its `relevance`, ranked by `mode` (`hybrid` by default: meaning, full text, importance and recency fused; `semantic`: meaning alone; `keyword`: full text alone).",
  },
  'GET /networks/:network_id/memory/space': {
    description: "The network's embedding space: the embedding model its items are embedded with, how many have a vector from it, how many wait for one, and which models the deployment offers.",
  },
  'PUT /networks/:network_id/memory/space': {
    description:
      "Chooses the network's embedding model among the deployment's (`available_models`). On a change every item is embedded again in the background; meanwhile searches find the waiting items by full text. Choosing the current model changes nothing.\n\n**Errors:** 400 for a model the deployment does not offer.",
  },
  'GET /openapi.json': {
    description: 'This API as an OpenAPI 3.1 document, generated from the zod schemas that requests are validated with, so it cannot disagree with what the API accepts. Feed it to a client generator or an API tool.',
  },
  'GET /docs': {
    description: 'A browsable reference of this API (Swagger UI) on the OpenAPI document, served by the API itself without any external resource. In a browser, sign in with any user name and an API key as the password.',
    textExamples: { 'text/html': { summary: 'The page (abridged)', value: '<!doctype html>\n<html lang="en">\n<head><title>Agent Mesh API</title></head>\n<body><div id="swagger-ui"></div></body>\n</html>' } },
  },
};
