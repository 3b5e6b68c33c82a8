/*
 * Realistic examples of the API's schemas, by component name, in the story SEED.md tells: the
 * "Email Campaign Assistant" network, a task that writes the launch email of TechPro X1 for tech
 * professionals, the custom SEO Specialist agent, and what the network remembers ("Tech
 * professionals open emails most on Tuesday and Wednesday mornings"). Every example is shown on
 * its component schema and on the media types that use it, and its values become the `examples`
 * of the schema's properties. test/openapi-descriptions.test.ts validates each one against its
 * schema, so they cannot drift from the contract.
 */

export interface NamedExample {
  summary: string;
  value: unknown;
}

export interface ErrorExample {
  code: string;
  summary: string;
  message: string;
  details?: unknown;
}

const NETWORK_ID = 'a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f601';
const AGENT = {
  coordinator: '5e0c6a1f-2b3d-4c8e-9f10-7a6b5c4d3e21',
  content: '6f1d7b2a-3c4e-4d9f-8a21-8b7c6d5e4f32',
  design: '7a2e8c3b-4d5f-4e0a-9b32-9c8d7e6f5a43',
  analytics: '8b3f9d4c-5e6a-4f1b-8c43-0d9e8f7a6b54',
  personalization: '9c4a0e5d-6f7b-4a2c-9d54-1e0f9a8b7c65',
  seo: '0d5b1f6e-7a8c-4b3d-8e65-2f1a0b9c8d76',
};
const TASK_ID = 'b7e2d9c4-1a3f-4e6b-9c8d-5f2a1e0b3c47';
const PENDING_TASK_ID = 'c8f3e0d5-2b4a-4f7c-8d9e-6a3b2f1c4d58';
const SUBTASK = {
  audience: 'd9a4f1e6-3c5b-4a8d-9e0f-7b4c3a2d5e69',
  sendTime: 'f1c6b3a8-5e7d-4c0f-9a2b-9d6e5c4f7a81',
  copy: 'e0b5a2f7-4d6c-4b9e-8f1a-8c5d4b3e6f70',
};
const TOOL_CALL_ID = 'a2d7c4b9-6f8e-4d1a-8b3c-0e7f6d5a8b92';
const SEND_EMAIL_CALL_ID = '3c8e5d0a-7f9b-4e2c-9d4e-1f8b7a6c9d03';
const MEMORY = {
  sendTime: 'b3e8d5c0-7a9f-4e2b-9c4d-1f8a7e6b9c03',
  subjectLength: 'c4f9e6d1-8b0a-4f3c-8d5e-2a9b8f7c0d14',
  decision: '5e1a8f3b-0c2d-4a7e-8f9b-3d0c9e8f1a25',
};
const TOOL_ID = 'd5a0f7e2-9c1b-4a4d-9e6f-3b0c9a8d1e25';
const APPROVAL = {
  plan: 'e6b1a8f3-0d2c-4b5e-8f7a-4c1d0b9e2f36',
  toolCall: 'f7c2b9a4-1e3d-4c6f-9a8b-5d2e1c0f3a47',
  result: '08d3c0b5-2f4e-4d7a-8b9c-6e3f2d1a4b58',
  question: '19e4d1c6-3a5f-4e8b-9cad-7f4a3e2b5c69',
};
const BUDGET = { tenant: '2af5e2d7-4b6a-4f9c-8dbe-8a5b4f3c6d70', network: '3b06f3e8-5c7b-4a0d-9ecf-9b6c5a4d7e81' };

const NO_APPROVALS = { plan: false, tool_calls: 'none', result: false, questions: false };

// SEED.md: "Creating a Network".
const CREATE_NETWORK = {
  name: 'Email Campaign Assistant',
  description: 'AI network for creating and optimizing email campaigns',
  max_iterations: 10,
  timeout_seconds: 300,
};

// SEED.md: "Custom Agents".
const SEO_AGENT_CONFIG = {
  name: 'SEO Specialist',
  type: 'seo',
  model: 'claude-3-7-sonnet',
  description: 'Specializes in search engine optimization',
  parameters: { temperature: 0.4, max_tokens: 4000 },
  capabilities: ['keyword_analysis', 'seo_optimization', 'content_recommendations'],
};

// SEED.md: "Submitting a Task".
const SUBMIT_TASK = {
  task: 'Create an email campaign for a new product launch targeting tech professionals',
  context: {
    product_name: 'TechPro X1',
    product_description: 'Advanced AI-powered development tool',
    target_audience: 'Software developers and IT professionals',
    key_features: ['AI code completion', 'Automated testing', 'Performance optimization'],
  },
  priority: 1,
};

function agent(id: string, type: string, name: string, description: string, temperature: number, capabilities: string[], createdAt: string, extra: { model?: string | null; tools?: string[] } = {}) {
  return {
    id,
    agent_id: id,
    network_id: NETWORK_ID,
    name,
    type,
    model: extra.model ?? null,
    description,
    parameters: { temperature, max_tokens: 4000 },
    capabilities,
    tools: extra.tools ?? [],
    created_at: createdAt,
  };
}

const CREATED = '2026-03-02T09:00:00.000Z';
const DEFAULT_AGENTS = [
  agent(AGENT.coordinator, 'coordinator', 'Coordinator Agent', 'Coordinates tasks: breaks them into subtasks, delegates them to the specialists and synthesises the final result', 0.3, ['task_planning', 'delegation', 'synthesis'], CREATED),
  agent(AGENT.content, 'content', 'Content Specialist', 'Specializes in generating and refining content: copy, subject lines, calls to action, tone of voice', 0.7, ['copywriting', 'subject_lines', 'content_refinement'], CREATED),
  agent(AGENT.design, 'design', 'Design Specialist', 'Specializes in design and layout considerations: structure, visual hierarchy, accessibility, responsive email layout', 0.5, ['layout', 'visual_hierarchy', 'accessibility'], CREATED),
  agent(AGENT.analytics, 'analytics', 'Analytics Specialist', 'Specializes in data analysis and performance insights: metrics, benchmarks, A/B tests, send-time optimisation', 0.2, ['metrics', 'ab_testing', 'performance_analysis'], CREATED),
  agent(AGENT.personalization, 'personalization', 'Personalization Specialist', 'Specializes in audience targeting and personalization: segments, dynamic content, merge fields', 0.5, ['segmentation', 'dynamic_content', 'audience_targeting'], CREATED),
];
const SEO_AGENT = { ...agent(AGENT.seo, 'seo', SEO_AGENT_CONFIG.name, SEO_AGENT_CONFIG.description, 0.4, SEO_AGENT_CONFIG.capabilities, '2026-03-02T09:04:12.318Z', { model: 'claude-3-7-sonnet' }) };

const NETWORK_WITHOUT_AGENTS = {
  id: NETWORK_ID,
  network_id: NETWORK_ID,
  ...CREATE_NETWORK,
  status: 'active',
  shared_context: { brand_voice: 'Confident, technical, no hype', sender: 'TechPro Team <launch@techpro.example.com>' },
  approvals: NO_APPROVALS,
  approval_timeout_seconds: 86400,
  created_at: CREATED,
  updated_at: '2026-03-02T09:04:12.318Z',
  counts: { agents: 6, tasks: 14, active_tasks: 1, memory_items: 37 },
};
// The analytics agent was given the built-in search_memory (its subtask below calls it).
const NETWORK = { ...NETWORK_WITHOUT_AGENTS, agents: [...DEFAULT_AGENTS.map((a) => (a.type === 'analytics' ? { ...a, tools: ['search_memory'] } : a)), SEO_AGENT] };
const NEW_NETWORK = { ...NETWORK_WITHOUT_AGENTS, shared_context: {}, updated_at: CREATED, counts: { agents: 5, tasks: 0, active_tasks: 0, memory_items: 0 }, agents: DEFAULT_AGENTS };

const USAGE = { input_tokens: 18422, output_tokens: 6135, cost_usd: 0.1473, llm_calls: 6 };

const SUBTASKS = [
  {
    id: SUBTASK.audience,
    subtask_id: SUBTASK.audience,
    iteration: 1,
    key: 'audience_segments',
    agent_type: 'personalization',
    agent_id: AGENT.personalization,
    description: 'Define two or three segments of software developers and IT professionals for the TechPro X1 launch, with what each cares about most',
    depends_on: [],
    attachments: [],
    status: 'completed',
    result: '1. **Individual developers**: speed, fewer context switches (lead with AI code completion).\n2. **Team leads**: fewer regressions (lead with automated testing).\n3. **IT and platform engineers**: cost and latency (lead with performance optimization).',
    confidence: 0.86,
    reasoning: 'Segmented by role, since the three key features map to three different daily pains.',
    model: 'anthropic:claude-sonnet-5-5',
    attempts: 1,
    worker_id: 'worker:mesh-worker-2:41:9f3c2a1b',
    error: null,
    started_at: '2026-03-03T09:15:05.104Z',
    finished_at: '2026-03-03T09:15:19.622Z',
    duration_ms: 14518,
    tool_calls: [],
  },
  {
    id: SUBTASK.sendTime,
    subtask_id: SUBTASK.sendTime,
    iteration: 1,
    key: 'send_time',
    agent_type: 'analytics',
    agent_id: AGENT.analytics,
    description: 'Recommend a send day and time and the metrics to watch for the launch email',
    depends_on: [],
    attachments: [],
    status: 'completed',
    result: 'Send on **Tuesday at 09:30** in each recipient\'s time zone, with Wednesday 09:30 as the resend to non-openers. Watch open rate (benchmark 22%) and click-to-open rate (benchmark 14%).',
    confidence: 0.78,
    reasoning: 'Shared memory says tech professionals open emails most on Tuesday and Wednesday mornings.',
    model: 'anthropic:claude-sonnet-5-5',
    attempts: 1,
    worker_id: 'worker:mesh-worker-1:37:4b8d1e0c',
    error: null,
    started_at: '2026-03-03T09:15:05.233Z',
    finished_at: '2026-03-03T09:15:17.940Z',
    duration_ms: 12707,
    tool_calls: [
      {
        id: TOOL_CALL_ID,
        tool: 'search_memory',
        arguments: { query: 'best send time for tech professionals', limit: 5 },
        status: 'completed',
        result: '[fact] Tech professionals open emails most on Tuesday and Wednesday mornings (relevance 0.82)',
        error: null,
        idempotency_key: '6f1b2c3d-4e5f-5a6b-8c7d-9e0f1a2b3c4d',
        started_at: '2026-03-03T09:15:08.410Z',
        duration_ms: 38,
      },
    ],
  },
  {
    id: SUBTASK.copy,
    subtask_id: SUBTASK.copy,
    iteration: 1,
    key: 'email_copy',
    agent_type: 'content',
    agent_id: AGENT.content,
    description: 'Write the launch email for TechPro X1 (subject line, preview text, body, call to action), one angle per audience segment',
    depends_on: ['audience_segments'],
    attachments: [],
    status: 'completed',
    result: '**Subject:** Ship faster with TechPro X1\n**Preview:** AI code completion, automated testing and performance tuning in one tool\n\nHi {{first_name}}, ...\n\n**CTA:** Start your free trial',
    confidence: 0.9,
    reasoning: 'Kept the subject under 50 characters (memory: shorter subject lines had higher open rates).',
    model: 'anthropic:claude-sonnet-5-5',
    attempts: 1,
    worker_id: 'worker:mesh-worker-2:41:9f3c2a1b',
    error: null,
    started_at: '2026-03-03T09:15:20.018Z',
    finished_at: '2026-03-03T09:15:41.377Z',
    duration_ms: 21359,
    tool_calls: [],
  },
];

const COMPLETED_TASK = {
  id: TASK_ID,
  task_id: TASK_ID,
  network_id: NETWORK_ID,
  ...SUBMIT_TASK,
  status: 'completed',
  iterations: 1,
  max_iterations: 10,
  result: {
    content:
      '# TechPro X1 launch campaign\n\n**Subject:** Ship faster with TechPro X1\n**Preview text:** AI code completion, automated testing and performance tuning in one tool\n\n' +
      'Three variants of the body, one per segment (developers, team leads, platform engineers), each leading with the feature that segment cares about. ' +
      '**Send** Tuesday 09:30 local time; resend to non-openers Wednesday 09:30.',
    confidence: 0.87,
    explanation: 'Combined the audience segments, the per-segment copy and the send-time recommendation; the subject line follows the memory that short subjects open better.',
  },
  error: null,
  safety: null,
  simulated: false,
  usage: USAGE,
  subtasks: SUBTASKS,
  deadline_at: '2026-03-03T09:20:04.981Z',
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  callback_url: 'https://hooks.example.com/mesh/task-finished',
  webhook_status: 'delivered',
  approvals: NO_APPROVALS,
  approval_timeout_seconds: 86400,
  awaiting_since: null,
  waited_ms: 0,
  human_feedback: [],
  attachments: [
    {
      attachment_id: '9a4c2e7b-3d1f-4b8a-a6e5-7c0d2b1f4e93',
      name: 'launch-chart.png',
      media_type: 'image/png',
      size_bytes: 48213,
      sha256: '5f0c8f6a3b1e2d4c7a9b0e1f2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4',
      pages: null,
      width: 1280,
      height: 720,
      duration_ms: null,
      created_at: '2026-03-03T09:15:04.512Z',
    },
  ],
  created_at: '2026-03-03T09:15:04.512Z',
  updated_at: '2026-03-03T09:15:58.204Z',
  started_at: '2026-03-03T09:15:04.981Z',
  completed_at: '2026-03-03T09:15:58.204Z',
};

const PENDING_TASK = {
  ...COMPLETED_TASK,
  id: PENDING_TASK_ID,
  task_id: PENDING_TASK_ID,
  status: 'pending',
  iterations: 0,
  result: null,
  usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0, llm_calls: 0 },
  subtasks: [],
  deadline_at: null,
  callback_url: null,
  webhook_status: null,
  created_at: '2026-03-03T10:02:11.730Z',
  updated_at: '2026-03-03T10:02:11.730Z',
  started_at: null,
  completed_at: null,
};

const QUEUED_TASK = {
  ...PENDING_TASK,
  status: 'queued',
  started_at: '2026-03-03T10:02:11.802Z',
  deadline_at: '2026-03-03T10:07:11.802Z',
  updated_at: '2026-03-03T10:02:11.802Z',
};

const PLAYGROUND_TASK_ID = '2e7a4c9f-1b3d-4f6a-8c5e-7d0b9a2f4e61';
const PLAYGROUND_SUBTASK_ID = '3f8b5d0a-2c4e-4a7b-9d6f-8e1c0b3a5f72';
const PLAYGROUND_INPUT = 'Suggest five search keywords for the TechPro X1 launch landing page';
const PLAYGROUND_TASK = {
  ...PENDING_TASK,
  id: PLAYGROUND_TASK_ID,
  task_id: PLAYGROUND_TASK_ID,
  task: PLAYGROUND_INPUT,
  context: { product_name: 'TechPro X1' },
  priority: 5,
  status: 'in_progress',
  iterations: 1,
  max_iterations: 10,
  playground: true,
  subtasks: [
    {
      ...SUBTASKS[0]!,
      id: PLAYGROUND_SUBTASK_ID,
      subtask_id: PLAYGROUND_SUBTASK_ID,
      key: 'playground',
      agent_type: 'seo',
      agent_id: AGENT.seo,
      description: PLAYGROUND_INPUT,
      status: 'queued',
      result: null,
      confidence: null,
      reasoning: null,
      model: null,
      attempts: 0,
      worker_id: null,
      started_at: null,
      finished_at: null,
      duration_ms: null,
    },
  ],
  started_at: '2026-03-03T11:20:02.114Z',
  deadline_at: '2026-03-03T11:25:02.114Z',
  created_at: '2026-03-03T11:20:02.101Z',
  updated_at: '2026-03-03T11:20:02.114Z',
};

const PLAYGROUND_ANSWER = '1. AI code completion tool\n2. automated testing for developers\n3. code performance optimization\n4. AI developer productivity\n5. TechPro X1';
const PLAYGROUND_DONE = {
  ...PLAYGROUND_TASK,
  status: 'completed',
  result: { content: PLAYGROUND_ANSWER, confidence: 0.8, explanation: "The SEO Specialist's answer" },
  usage: { input_tokens: 1210, output_tokens: 164, cost_usd: 0.0061, llm_calls: 1 },
  subtasks: [
    {
      ...PLAYGROUND_TASK.subtasks[0]!,
      status: 'completed',
      result: PLAYGROUND_ANSWER,
      confidence: 0.8,
      reasoning: 'Keywords by search intent, most specific first.',
      model: 'anthropic:claude-sonnet-5-5',
      attempts: 1,
      worker_id: 'worker:mesh-worker-1:37:4b8d1e0c',
      started_at: '2026-03-03T11:20:02.310Z',
      finished_at: '2026-03-03T11:20:09.874Z',
      duration_ms: 7564,
    },
  ],
  updated_at: '2026-03-03T11:20:09.901Z',
  completed_at: '2026-03-03T11:20:09.901Z',
};

const CANCELLED_TASK = {
  ...QUEUED_TASK,
  status: 'cancelled',
  error: 'cancelled by client',
  updated_at: '2026-03-03T10:03:40.377Z',
  completed_at: '2026-03-03T10:03:40.377Z',
};

const TIMED_OUT_TASK = {
  ...COMPLETED_TASK,
  status: 'timed_out',
  result: null,
  error: 'The task ran longer than its timeout of 300 seconds',
  safety: { flagged: true, items: [{ where: 'subtask email_copy', action: 'redact', reasons: ['pii: email'], subtask_id: SUBTASK.copy, iteration: 1 }] },
  human_feedback: [{ kind: 'plan', iteration: 1, status: 'rejected', comment: 'Add a subtask for the design of the email.' }],
  webhook_status: 'failed',
  waited_ms: 95000,
};

const MEMORY_ITEMS = [
  {
    id: MEMORY.sendTime,
    memory_id: MEMORY.sendTime,
    network_id: NETWORK_ID,
    memory_type: 'fact',
    content: 'Tech professionals open emails most on Tuesday and Wednesday mornings',
    confidence: 0.9,
    importance: 3,
    metadata: { source: 'Q4 campaign report' },
    source: { kind: 'api', task_id: null, subtask_id: null, agent_id: null },
    created_at: '2026-02-20T14:03:51.009Z',
    relevance: 0.82,
  },
  {
    id: MEMORY.subjectLength,
    memory_id: MEMORY.subjectLength,
    network_id: NETWORK_ID,
    memory_type: 'feedback',
    content: 'Subject lines under 50 characters had an 18% higher open rate in the last campaign',
    confidence: 0.8,
    importance: 2,
    metadata: {},
    source: { kind: 'agent', task_id: TASK_ID, subtask_id: SUBTASK.sendTime, agent_id: AGENT.analytics },
    created_at: '2026-03-03T09:15:18.002Z',
    relevance: 0.47,
  },
  {
    id: MEMORY.decision,
    memory_id: MEMORY.decision,
    network_id: NETWORK_ID,
    memory_type: 'decision',
    content: 'The TechPro X1 launch email leads with AI code completion for individual developers',
    confidence: 0.85,
    importance: 1,
    metadata: {},
    source: { kind: 'coordinator', task_id: TASK_ID, subtask_id: null, agent_id: null },
    created_at: '2026-03-03T09:15:58.190Z',
  },
];

const WEATHER_SPEC = {
  kind: 'http',
  name: 'weather',
  description: 'Current weather for a city (for local send-time and subject-line ideas)',
  input_schema: { type: 'object', properties: { city: { type: 'string', description: 'City name, e.g. Berlin' } }, required: ['city'] },
  request: { method: 'GET', url: 'https://weather.example.com/v1/current/{city}', headers: { Authorization: { secret: 'WEATHER_API_KEY' }, Accept: 'application/json' } },
  requires_approval: false,
  timeout_ms: 5000,
};
const OPENAPI_SPEC = {
  kind: 'openapi',
  name: 'analytics',
  description: 'Campaign analytics: reports and audience segments',
  document_url: 'https://analytics.example.com/openapi.json',
  base_url: 'https://analytics.example.com/v2',
  operations: ['getCampaignReport', 'listSegments'],
  headers: { 'X-Api-Key': { secret: 'ANALYTICS_KEY' } },
  requires_approval: false,
  timeout_ms: 10000,
};
const MCP_SPEC = {
  kind: 'mcp',
  name: 'crm',
  description: 'The CRM: contacts and segments',
  url: 'https://mcp.crm.example.com/mcp',
  headers: { Authorization: { secret: 'CRM_TOKEN' } },
  allowed_tools: ['lookup_contact', 'list_segments'],
  requires_approval: true,
  timeout_ms: 15000,
};
const WEATHER_TOOL = {
  id: TOOL_ID,
  network_id: NETWORK_ID,
  name: 'weather',
  kind: 'http',
  description: WEATHER_SPEC.description,
  spec: { ...WEATHER_SPEC, side_effects: false },
  tools: [{ name: 'weather', description: WEATHER_SPEC.description, input_schema: WEATHER_SPEC.input_schema, side_effects: false, requires_approval: false }],
  created_at: '2026-03-02T09:10:44.871Z',
};
/**
 * Values for the properties of a tool's `spec` that only an OpenAPI or MCP registration has. They
 * are not shown as whole ToolView examples: the generated `spec` schema cannot describe the http
 * variant (its transform), so a whole openapi or mcp ToolView would not validate against it.
 */
const SERVICE_TOOL_SOURCES = [{ spec: OPENAPI_SPEC }, { spec: MCP_SPEC }];

const PLAN_SUBTASKS = SUBTASKS.map(({ key, agent_type, description, depends_on, attachments }) => ({ key, agent_type, description, depends_on, attachments }));
const APPROVALS = {
  plan: {
    id: APPROVAL.plan,
    approval_id: APPROVAL.plan,
    network_id: NETWORK_ID,
    task_id: TASK_ID,
    subtask_id: null,
    kind: 'plan',
    subject: { iteration: 1, reasoning: 'Segments first, so the copy can address each; the send time does not depend on either.', subtasks: PLAN_SUBTASKS },
    status: 'pending',
    requested_at: '2026-03-03T09:15:04.990Z',
    expires_at: '2026-03-04T09:15:04.990Z',
    decided_at: null,
    decided_by: null,
    comment: null,
    edits: null,
    answer: null,
  },
  toolCall: {
    id: APPROVAL.toolCall,
    approval_id: APPROVAL.toolCall,
    network_id: NETWORK_ID,
    task_id: TASK_ID,
    subtask_id: SUBTASK.copy,
    kind: 'tool_call',
    subject: {
      subtask_key: 'email_copy',
      agent_type: 'content',
      tool: 'send_email',
      description: "Sends one email through the operator's mail server. Each call sends a real message: call it once per email.",
      side_effects: true,
      input_schema: { type: 'object', properties: { to: { type: 'string' }, subject: { type: 'string' }, text: { type: 'string' } }, required: ['to', 'subject'] },
      arguments: { to: 'launch-team@example.com', subject: 'TechPro X1 launch email: draft for review', text: 'Subject: Ship faster with TechPro X1 ...' },
      reason: 'Sending the draft to the launch team for review, as the task asks.',
      tool_call_id: SEND_EMAIL_CALL_ID,
    },
    status: 'approved',
    requested_at: '2026-03-03T09:15:39.120Z',
    expires_at: '2026-03-04T09:15:39.120Z',
    decided_at: '2026-03-03T09:21:02.447Z',
    decided_by: 'maria.lopez@example.com',
    comment: 'Fine to send to the launch team.',
    edits: { arguments: { to: 'launch-team@example.com', subject: 'TechPro X1 launch email: draft for review', text: 'Subject: Ship faster with TechPro X1 ...' } },
    answer: null,
  },
  result: {
    id: APPROVAL.result,
    approval_id: APPROVAL.result,
    network_id: NETWORK_ID,
    task_id: TASK_ID,
    subtask_id: null,
    kind: 'result',
    subject: { iteration: 1, result: COMPLETED_TASK.result },
    status: 'rejected',
    requested_at: '2026-03-03T09:15:57.300Z',
    expires_at: '2026-03-04T09:15:57.300Z',
    decided_at: '2026-03-03T09:30:12.005Z',
    decided_by: 'maria.lopez@example.com',
    comment: 'Lead with the AI code completion feature; developers care about it most.',
    edits: null,
    answer: null,
  },
  question: {
    id: APPROVAL.question,
    approval_id: APPROVAL.question,
    network_id: NETWORK_ID,
    task_id: TASK_ID,
    subtask_id: SUBTASK.copy,
    kind: 'question',
    subject: { subtask_key: 'email_copy', agent_type: 'content', question: 'Should the headline mention the free trial, or only the product?', tool_call_id: '4d9f6e1b-8a0c-4f3d-8e5f-2a9c8b7d0e14' },
    status: 'answered',
    requested_at: '2026-03-03T09:15:25.610Z',
    expires_at: '2026-03-04T09:15:25.610Z',
    decided_at: '2026-03-03T09:17:40.118Z',
    decided_by: 'maria.lopez@example.com',
    comment: null,
    edits: null,
    answer: 'Use "Build faster with AI" as the headline; mention the free trial in the call to action only.',
  },
};

const BUDGETS = {
  tenant: {
    id: BUDGET.tenant,
    budget_id: BUDGET.tenant,
    tenant_id: 'maily',
    network_id: null,
    period: 'month',
    max_tokens: null,
    max_cost_usd: 250,
    source: 'api',
    period_start: '2026-03-01T00:00:00.000Z',
    used_tokens: 1843920,
    used_cost_usd: 41.37,
    used_ratio: 0.165,
  },
  network: {
    id: BUDGET.network,
    budget_id: BUDGET.network,
    tenant_id: 'maily',
    network_id: NETWORK_ID,
    period: 'day',
    max_tokens: 2000000,
    max_cost_usd: null,
    source: 'config',
    period_start: '2026-03-03T00:00:00.000Z',
    used_tokens: 1688400,
    used_cost_usd: 12.06,
    used_ratio: 0.8442,
  },
};

const LLM_CALLS = {
  calls: [
    {
      call_id: 'call_01HQX7C4R2J8M5N3P6S9T0V1W2',
      purpose: 'subtask',
      subtask_id: SUBTASK.sendTime,
      subtask_key: 'send_time',
      agent_type: 'analytics',
      iteration: 1,
      turn: 1,
      provider: 'openai',
      model: 'gpt-5.6-sol',
      outcome: 'success',
      fell_back: true,
      started_at: '2026-03-03T09:15:08.455Z',
      ended_at: '2026-03-03T09:15:17.902Z',
      latency_ms: 9447,
      input_tokens: 3120,
      output_tokens: 412,
      cost_usd: 0.0119,
      attempts: [
        {
          provider: 'anthropic',
          model: 'claude-sonnet-5-5',
          chain_position: 0,
          attempt: 1,
          kind: 'call',
          outcome: 'error',
          error_class: 'overloaded',
          error_message: '529 Overloaded',
          started_at: '2026-03-03T09:15:08.455Z',
          latency_ms: 1204,
          input_tokens: 0,
          output_tokens: 0,
          cost_usd: 0,
        },
        {
          provider: 'openai',
          model: 'gpt-5.6-sol',
          chain_position: 1,
          attempt: 1,
          kind: 'call',
          outcome: 'success',
          error_class: null,
          error_message: null,
          started_at: '2026-03-03T09:15:09.671Z',
          latency_ms: 8231,
          input_tokens: 3120,
          output_tokens: 412,
          cost_usd: 0.0119,
        },
      ],
      prompt: {
        system: 'You are the Analytics Specialist of the Email Campaign Assistant network. Answer with JSON: {"result", "confidence", "reasoning", "memories"}.',
        messages: [
          { role: 'user', content: 'Recommend a send day and time and the metrics to watch for the launch email' },
          { role: 'assistant', content: '', tool_calls: [{ id: 'toolu_01', name: 'search_memory', arguments: { query: 'best send time for tech professionals', limit: 5 } }] },
          { role: 'tool', content: '[fact] Tech professionals open emails most on Tuesday and Wednesday mornings', tool_call_id: 'toolu_01', name: 'search_memory', is_error: false },
        ],
        memory_items: [{ id: MEMORY.subjectLength, memory_type: 'feedback', content: 'Subject lines under 50 characters had an 18% higher open rate in the last campaign' }],
      },
      output: {
        text: '{"result":"Send on Tuesday at 09:30 …","confidence":0.78,"reasoning":"Shared memory says …","memories":[]}',
        tool_calls: [],
      },
      rejected_outputs: [{ chain_position: 1, attempt: 1, kind: 'call', text: 'Send it on Tuesday morning.' }],
    },
  ],
  recording: { prompts: true, retention_days: 30 },
};

// Evaluations: a case set for the Email Campaign Assistant, run twice (a prompt change in between).
const EVAL_RUN = { before: '4c17a0f9-6d8e-4b1a-9c2f-0a1b2c3d4e51', after: '5d28b1a0-7e9f-4c2b-8d3a-1b2c3d4e5f62' };
const EVAL_CASES = [
  {
    id: 'launch-email-subject',
    task: 'Write the launch email for TechPro X1 for software developers; give the subject line first, under 60 characters',
    context: { product_name: 'TechPro X1', target_audience: 'Software developers and IT professionals' },
    assertions: [
      { type: 'contains', value: 'TechPro X1' },
      { type: 'regex', pattern: '^Subject: .{1,60}$', flags: 'm' },
      { type: 'not_contains', value: 'lorem ipsum' },
      { type: 'max_length', value: 4000 },
    ],
    rubric: 'Leads with AI code completion, speaks to developers, ends with a clear call to action to start the free trial.',
  },
  {
    id: 'send-time-json',
    task: 'Recommend the send day and hour for the TechPro X1 launch email; answer as JSON {"day": ..., "hour": ...}',
    assertions: [{ type: 'json_field_equals', path: 'day', value: 'Tuesday' }],
  },
];
const EVAL_RESULTS = [
  {
    case_id: 'launch-email-subject',
    network_id: NETWORK_ID,
    task_id: TASK_ID,
    task_status: 'completed',
    status: 'scored',
    score: 0.8875,
    passed: false,
    assertions: [
      { type: 'contains', passed: true, detail: 'contains "TechPro X1"' },
      { type: 'regex', passed: false, detail: 'does not match /^Subject: .{1,60}$/m' },
      { type: 'not_contains', passed: true, detail: 'does not contain "lorem ipsum"' },
      { type: 'max_length', passed: true, detail: '2310 characters (at most 4000)' },
    ],
    rubric: { score: 0.95, explanation: 'Leads with AI code completion and ends with a free-trial call to action; the tone suits developers.' },
    error: null,
  },
  {
    case_id: 'send-time-json',
    network_id: NETWORK_ID,
    task_id: PENDING_TASK_ID,
    task_status: 'completed',
    status: 'scored',
    score: 1,
    passed: true,
    assertions: [{ type: 'json_field_equals', passed: true, detail: 'day equals "Tuesday"' }],
    rubric: null,
    error: null,
  },
];
const EVAL_RUN_BEFORE = {
  eval_run_id: EVAL_RUN.before,
  label: 'baseline',
  status: 'completed',
  created_at: '2026-03-03T10:00:00.000Z',
  completed_at: '2026-03-03T10:02:41.120Z',
  cases_total: 2,
  cases_scored: 2,
  mean_score: 0.94375,
  passed: 1,
  failed: 1,
};
const EVAL_RUN_AFTER = { ...EVAL_RUN_BEFORE, eval_run_id: EVAL_RUN.after, label: 'subject line first', created_at: '2026-03-04T10:00:00.000Z', completed_at: '2026-03-04T10:02:12.480Z', mean_score: 1, passed: 2, failed: 0 };

const FEEDBACK_ID = { copy: '4a9c2e7b-1d3f-4b8a-9e6c-7f2d1a0b3c58', task: '5b0d3f8c-2e4a-4c9b-8f7d-8a3e2b1c4d69' };
const FEEDBACK = {
  copy: {
    feedback_id: FEEDBACK_ID.copy,
    network_id: NETWORK_ID,
    task_id: TASK_ID,
    subtask_id: SUBTASK.copy,
    agent_type: 'content',
    rating: 2,
    comment: 'The subject line is too long for mobile.',
    correction: 'Subject: TechPro X1 is here',
    memory_id: '6c1e4a9d-3f5b-4d0c-9a8e-9b4f3c2d5e70',
    lesson_version: 1,
    created_at: '2026-03-04T10:15:00.000Z',
  },
  task: {
    feedback_id: FEEDBACK_ID.task,
    network_id: NETWORK_ID,
    task_id: TASK_ID,
    subtask_id: null,
    agent_type: 'coordinator',
    rating: 5,
    comment: 'Clear plan, and the final email was ready to send.',
    correction: null,
    memory_id: '7d2f5b0e-4a6c-4e1d-8b9f-0c5a4d3e6f81',
    lesson_version: null,
    created_at: '2026-03-04T10:16:30.000Z',
  },
};
const LESSON_SETS = {
  distilled: {
    version: 1,
    source: 'distilled',
    lessons: [{ text: 'Keep email subject lines under 40 characters: most tech professionals read on their phones.', sources: [FEEDBACK_ID.copy] }],
    created_at: '2026-03-04T10:20:00.000Z',
  },
  person: {
    version: 2,
    source: 'person',
    lessons: [
      { text: 'Keep email subject lines under 40 characters: most tech professionals read on their phones.', sources: [FEEDBACK_ID.copy] },
      { text: 'Name the product in the first five words of the subject.', sources: [] },
    ],
    created_at: '2026-03-05T09:00:00.000Z',
  },
};

export const SCHEMA_EXAMPLES: Record<string, Record<string, NamedExample>> = {
  Feedback: { copy: { summary: "A low rating of the content specialist's subtask, with a correction", value: FEEDBACK.copy } },
  FeedbackCreated: { copy: { summary: 'Feedback on a subtask, stored with its memory item', value: { feedback: FEEDBACK.copy } } },
  FeedbackList: { task: { summary: "A task's feedback: on a subtask, then on the result", value: { feedback: [FEEDBACK.copy, FEEDBACK.task] } } },
  FeedbackBody: {
    subtask: { summary: 'A rating of one subtask, with a comment and a correction', value: { rating: 2, subtask_id: SUBTASK.copy, comment: 'The subject line is too long for mobile.', correction: 'Subject: TechPro X1 is here' } },
    task: { summary: "A rating of the task's result", value: { rating: 5, comment: 'Clear plan, and the final email was ready to send.' } },
  },
  LessonSet: { distilled: { summary: 'Lessons distilled from feedback', value: LESSON_SETS.distilled } },
  Lessons: {
    edited: {
      summary: "The content specialist's lessons after a person's edit",
      value: { agent_id: AGENT.content, agent_type: 'content', current: LESSON_SETS.person, history: [LESSON_SETS.person, LESSON_SETS.distilled], pending_feedback: 2, lesson_every: 5 },
    },
  },
  PutLessonsBody: {
    replace: { summary: 'Replace the lessons', value: { lessons: LESSON_SETS.person.lessons } },
    clear: { summary: 'Clear them', value: { lessons: [] } },
  },
  ErrorBody: {
    validation_error: { summary: 'A field failed validation', value: { error: { code: 'validation_error', message: 'Invalid request body', details: [{ path: 'task', message: 'Too small: expected string to have >=1 characters' }] } } },
  },
  Health: {
    ok: {
      summary: 'Everything is up',
      value: {
        status: 'ok',
        redis_connection: 'connected',
        database_connection: 'connected',
        llm_client: {
          mode: 'live',
          providers: { anthropic: { configured: true, circuit: 'closed' }, openai: { configured: true, circuit: 'closed' }, google: { configured: false, circuit: 'closed' } },
        },
        workers: [
          { id: 'coordinator:mesh-coordinator-1:29:7c1e9a40', kind: 'coordinator', agent_types: ['coordinator'], last_seen: '2026-03-03T09:14:58.002Z' },
          { id: 'worker:mesh-worker-1:37:4b8d1e0c', kind: 'worker', agent_types: ['content', 'design', 'analytics', 'personalization', 'seo'], last_seen: '2026-03-03T09:14:59.417Z' },
        ],
        unserved_agent_types: [],
        active_networks_count: 3,
        active_tasks_count: 1,
        version: '0.1.0',
        timestamp: '2026-03-03T09:15:00.120Z',
      },
    },
    degraded: {
      summary: "Degraded: Anthropic's circuit is open and no worker serves `seo`",
      value: {
        status: 'degraded',
        redis_connection: 'connected',
        database_connection: 'connected',
        llm_client: { mode: 'live', providers: { anthropic: { configured: true, circuit: 'open' }, openai: { configured: true, circuit: 'half_open' } } },
        workers: [{ id: 'worker:mesh-worker-1:37:4b8d1e0c', kind: 'worker', agent_types: ['content', 'design', 'analytics', 'personalization'], last_seen: '2026-03-03T09:14:59.417Z' }],
        unserved_agent_types: ['seo'],
        active_networks_count: 3,
        active_tasks_count: 4,
        version: '0.1.0',
        timestamp: '2026-03-03T09:15:00.120Z',
      },
    },
    down: {
      summary: 'Down: Postgres is unreachable (503)',
      value: {
        status: 'down',
        redis_connection: 'connected',
        database_connection: 'disconnected',
        llm_client: { mode: 'simulated', providers: {} },
        workers: [],
        unserved_agent_types: [],
        active_networks_count: 0,
        active_tasks_count: 0,
        version: '0.1.0',
        timestamp: '2026-03-03T09:15:00.120Z',
      },
    },
  },
  CreateNetworkBody: {
    seed: { summary: 'The Email Campaign Assistant (SEED.md), with the five default agents', value: CREATE_NETWORK },
    custom_agents: {
      summary: 'With its own agents, shared context and approvals',
      value: {
        ...CREATE_NETWORK,
        agents: [
          { name: 'Coordinator Agent', type: 'coordinator', parameters: { temperature: 0.3, max_tokens: 4000 } },
          { name: 'Content Specialist', type: 'content', description: 'Writes and refines copy, subject lines and calls to action', capabilities: ['copywriting', 'subject_lines'], tools: ['search_memory'] },
          { ...SEO_AGENT_CONFIG, tools: [] },
        ],
        shared_context: { brand_voice: 'Confident, technical, no hype' },
        approvals: { plan: true, tool_calls: 'side_effects', result: false, questions: true },
        approval_timeout_seconds: 3600,
      },
    },
  },
  UpdateNetworkBody: {
    settings: { summary: 'Allow longer tasks and ask before side effects', value: { timeout_seconds: 900, approvals: { tool_calls: 'side_effects' } } },
    approvals: { summary: 'Ask a person about plans and results', value: { approvals: { plan: true, result: true, questions: false } } },
    rename: { summary: 'Rename and describe', value: { name: 'Launch Campaign Assistant', description: 'Plans and writes product launch emails', shared_context: { brand_voice: 'Confident, technical, no hype' }, max_iterations: 5, approval_timeout_seconds: 7200 } },
  },
  Network: {
    created: { summary: 'A new network with the five default agents', value: NEW_NETWORK },
    with_custom_agent: { summary: 'The network after adding the SEO Specialist', value: NETWORK },
  },
  NetworkList: { page: { summary: 'One network', value: { networks: [NETWORK_WITHOUT_AGENTS], total: 1 } } },
  AddAgentBody: { seo_specialist: { summary: 'The SEO Specialist (SEED.md)', value: { agent_config: SEO_AGENT_CONFIG } } },
  Agent: { seo_specialist: { summary: 'The SEO Specialist', value: SEO_AGENT } },
  AgentWithWarnings: {
    seo_specialist: { summary: 'Added, and served by a worker', value: SEO_AGENT },
    unserved: { summary: 'Added, but no worker serves its type yet', value: { ...SEO_AGENT, warnings: ["no worker serves agent type 'seo': start one with --agents seo or --agents all; until then the coordinator does not plan for it"] } },
  },
  AgentList: { agents: { summary: 'The default agents and the SEO Specialist', value: { agents: [...DEFAULT_AGENTS, SEO_AGENT] } } },
  RegisterToolBody: {
    http: { summary: 'An http endpoint, its key from an operator secret', value: { tool: WEATHER_SPEC } },
    openapi: { summary: 'An OpenAPI service: one tool per listed operation', value: { tool: OPENAPI_SPEC } },
    mcp: { summary: 'An MCP server: one tool per allowed tool', value: { tool: MCP_SPEC } },
    openapi_inline: {
      summary: 'An OpenAPI document sent inline',
      value: { tool: { kind: 'openapi', name: 'segments', document: { openapi: '3.1.0', info: { title: 'Segments', version: '1.0.0' }, servers: [{ url: 'https://segments.example.com' }], paths: {} } } },
    },
  },
  RegisteredToolAnswer: { http: { summary: 'The registered http tool', value: { ...WEATHER_TOOL, warnings: [] } } },
  ToolView: { http: { summary: 'A registered http tool', value: WEATHER_TOOL } },
  ToolList: { tools: { summary: 'One registered tool', value: { tools: [WEATHER_TOOL] } } },
  DerivedTool: { http: { summary: 'The tool an http registration derives', value: WEATHER_TOOL.tools[0] } },
  SubmitTaskBody: {
    seed: { summary: 'The launch email (SEED.md)', value: SUBMIT_TASK },
    process_now: {
      summary: 'Start at once, with a deadline, a webhook, and approvals of the plan and of side effects',
      value: { ...SUBMIT_TASK, process: true, deadline: '2026-03-03T18:00:00Z', callback_url: 'https://hooks.example.com/mesh/task-finished', approvals: { plan: true, tool_calls: 'side_effects' } },
    },
  },
  Task: {
    completed: { summary: 'A completed task with its subtasks and result', value: COMPLETED_TASK },
    pending: { summary: 'A task just submitted (pending until processed)', value: PENDING_TASK },
    queued: { summary: 'A task started, waiting for the coordinator', value: QUEUED_TASK },
    cancelled: { summary: 'A task cancelled by the client', value: CANCELLED_TASK },
    playground: { summary: 'A playground run of the SEO Specialist: one subtask, no coordinator', value: PLAYGROUND_TASK },
    playground_completed: { summary: 'The playground run, ended: the result is the agent\'s answer', value: PLAYGROUND_DONE },
    timed_out: { summary: 'A task that timed out after a rejected plan, with a redaction', value: TIMED_OUT_TASK },
  },
  PlaygroundRunBody: {
    seo_keywords: { summary: 'Try the SEO Specialist on one question', value: { input: PLAYGROUND_INPUT, context: { product_name: 'TechPro X1', target_audience: 'Software developers and IT professionals' }, priority: 3 } },
  },
  TaskList: {
    page: {
      summary: 'A page of two tasks',
      value: { tasks: [{ ...withoutSubtasks(PENDING_TASK) }, { ...withoutSubtasks(COMPLETED_TASK) }], total: 14, limit: 20, offset: 0 },
    },
  },
  Subtask: { completed: { summary: 'A completed subtask that called a tool', value: SUBTASKS[1] } },
  EmptyBody: { empty: { summary: 'No body (or an empty object)', value: {} } },
  LlmCallList: { calls: { summary: 'A subtask call that fell back from Anthropic to OpenAI', value: LLM_CALLS } },
  RunList: {
    page: {
      summary: 'The tenant\'s latest run',
      value: {
        runs: [
          {
            id: TASK_ID,
            task_id: TASK_ID,
            network_id: NETWORK_ID,
            network_name: 'Email Campaign Assistant',
            task: SUBMIT_TASK.task,
            status: 'completed',
            priority: 1,
            iterations: 1,
            error: null,
            usage: USAGE,
            agent_types: ['analytics', 'content', 'personalization'],
            subtasks: 3,
            failed_subtasks: 0,
            created_at: COMPLETED_TASK.created_at,
            started_at: COMPLETED_TASK.started_at,
            completed_at: COMPLETED_TASK.completed_at,
            duration_ms: 53223,
          },
        ],
        total: 1,
        limit: 25,
        offset: 0,
      },
    },
  },
  Approval: {
    plan: { summary: 'A plan waiting for approval', value: APPROVALS.plan },
    tool_call: { summary: 'A send_email call, approved', value: APPROVALS.toolCall },
    result: { summary: 'A result draft, rejected with a comment', value: APPROVALS.result },
    question: { summary: "An agent's question, answered", value: APPROVALS.question },
  },
  ApprovalList: {
    inbox: { summary: 'The pending requests (?status=pending)', value: { approvals: [APPROVALS.plan] } },
    task: { summary: "A task's requests, in the order they were made", value: { approvals: [APPROVALS.question, APPROVALS.toolCall] } },
  },
  DecideApprovalBody: {
    approve: { summary: 'Approve a tool call with edited arguments', value: { decision: 'approve', comment: 'Fine to send to the launch team.', edits: { arguments: APPROVALS.toolCall.subject.arguments }, decided_by: 'maria.lopez@example.com' } },
    reject: { summary: 'Reject a result with a comment the coordinator reads', value: { decision: 'reject', comment: 'Lead with the AI code completion feature; developers care about it most.' } },
    answer: { summary: "Answer an agent's question", value: { answer: 'Use "Build faster with AI" as the headline.', decided_by: 'maria.lopez@example.com' } },
  },
  UsageReport: {
    by_day: {
      summary: 'This month by day',
      value: {
        from: '2026-03-01T00:00:00.000Z',
        to: '2026-03-03T09:20:00.000Z',
        group_by: 'day',
        rows: [
          { key: '2026-03-02', input_tokens: 120334, output_tokens: 40211, tokens: 160545, cost_usd: 1.2417, llm_calls: 52 },
          { key: '2026-03-03', input_tokens: 18422, output_tokens: 6135, tokens: 24557, cost_usd: 0.1473, llm_calls: 6 },
        ],
        total: { input_tokens: 138756, output_tokens: 46346, tokens: 185102, cost_usd: 1.389, llm_calls: 58 },
      },
    },
  },
  StatsReport: {
    week: {
      summary: 'A week of the Email Campaign Assistant',
      value: {
        network_id: NETWORK_ID,
        window: '7d',
        from: '2026-03-01T09:20:00.000Z',
        to: '2026-03-08T09:20:00.000Z',
        totals: { tasks: 12, subtasks: 41, completed: 38, failed: 2, mean_confidence: 0.84, mean_rating: 4.2, ratings: 10, p50_duration_ms: 14210, p95_duration_ms: 39870, input_tokens: 138756, output_tokens: 46346, cost_usd: 1.389 },
        agent_types: [
          { agent_type: 'content', subtasks: 14, completed: 13, failed: 1, mean_confidence: 0.86, mean_rating: 4.5, ratings: 4, p50_duration_ms: 21410, p95_duration_ms: 40120, input_tokens: 52110, output_tokens: 18423, cost_usd: 0.4891 },
          { agent_type: 'coordinator', subtasks: 0, completed: 0, failed: 0, mean_confidence: null, mean_rating: 4, ratings: 3, p50_duration_ms: null, p95_duration_ms: null, input_tokens: 40211, output_tokens: 9870, cost_usd: 0.3702 },
        ],
        models: [
          { model: 'anthropic:claude-sonnet-5-5', subtasks: 39, completed: 37, failed: 1, mean_confidence: 0.85, mean_rating: 4.29, ratings: 7, p50_duration_ms: 14020, p95_duration_ms: 38800, input_tokens: 131002, output_tokens: 43911, cost_usd: 1.3112 },
          { model: 'openai:gpt-5-mini', subtasks: 1, completed: 1, failed: 0, mean_confidence: 0.7, mean_rating: null, ratings: 0, p50_duration_ms: 18890, p95_duration_ms: 18890, input_tokens: 7754, output_tokens: 2435, cost_usd: 0.0778 },
        ],
      },
    },
  },
  TrendReport: {
    two_days: {
      summary: 'Two days of the Email Campaign Assistant',
      value: {
        from: '2026-03-02T00:00:00.000Z',
        to: '2026-03-04T00:00:00.000Z',
        days: [
          { day: '2026-03-02', tasks: 9, completed: 7, failed: 1, timed_out: 0, cancelled: 1, failure_rate: 0.125, avg_duration_ms: 61250, p95_duration_ms: 118400, cost_usd: 1.2417, tokens: 160545 },
          { day: '2026-03-03', tasks: 2, completed: 1, failed: 0, timed_out: 0, cancelled: 0, failure_rate: 0, avg_duration_ms: 53223, p95_duration_ms: 53223, cost_usd: 0.1473, tokens: 24557 },
        ],
        agent_types: [
          { agent_type: 'analytics', subtasks: 8, completed: 8, failed: 0, timed_out: 0, cancelled: 0, failure_rate: 0, avg_duration_ms: 12990, p95_duration_ms: 19870, cost_usd: 0.2144, tokens: 31876 },
          { agent_type: 'content', subtasks: 9, completed: 7, failed: 1, timed_out: 0, cancelled: 1, failure_rate: 0.125, avg_duration_ms: 21410, p95_duration_ms: 40120, cost_usd: 0.4891, tokens: 70533 },
        ],
      },
    },
    empty_day: {
      summary: 'A day without tasks',
      value: {
        from: '2026-03-01T00:00:00.000Z',
        to: '2026-03-02T00:00:00.000Z',
        days: [{ day: '2026-03-01', tasks: 0, completed: 0, failed: 0, timed_out: 0, cancelled: 0, failure_rate: null, avg_duration_ms: null, p95_duration_ms: null, cost_usd: 0, tokens: 0 }],
        agent_types: [],
      },
    },
  },
  Budget: { tenant: { summary: 'A monthly cost budget of the tenant', value: BUDGETS.tenant } },
  BudgetList: { budgets: { summary: 'A tenant budget and a network budget past its warning', value: { budgets: [BUDGETS.tenant, BUDGETS.network] } } },
  PutBudgetBody: {
    tenant_month: { summary: 'At most $250 a month for the whole tenant', value: { tenant_id: 'maily', period: 'month', max_cost_usd: 250 } },
    network_day: { summary: 'At most 2 million tokens a day for one network', value: { tenant_id: 'maily', network_id: NETWORK_ID, period: 'day', max_tokens: 2000000, max_cost_usd: null } },
  },
  PutWeightBody: {
    double: { summary: 'Twice the default share', value: { tenant_id: 'maily', weight: 2 } },
    reset: { summary: 'Back to the configured weight', value: { tenant_id: 'maily', weight: null } },
  },
  WeightList: { weights: { summary: 'Two weighted tenants', value: { weights: { maily: 2, 'acme-marketing': 0.5 } } } },
  AddMemoryBody: {
    fact: {
      summary: 'A fact the agents should know',
      value: { content: 'Tech professionals open emails most on Tuesday and Wednesday mornings', memory_type: 'fact', confidence: 0.9, metadata: { source: 'Q4 campaign report' } },
    },
    feedback: { summary: 'Feedback from the last campaign', value: { content: 'Subject lines under 50 characters had an 18% higher open rate in the last campaign', memory_type: 'feedback' } },
  },
  AddedMemory: {
    stored: { summary: 'Stored (201)', value: { ...withoutRelevance(MEMORY_ITEMS[0]!), importance: 1, deduplicated: false } },
    reinforced: { summary: 'Already known: reinforced (200)', value: { ...withoutRelevance(MEMORY_ITEMS[0]!), deduplicated: true } },
  },
  MemoryItem: { fact: { summary: 'A fact added through the API', value: MEMORY_ITEMS[0] } },
  MemoryList: {
    search: { summary: 'A search (`?query=best send time`): most relevant first', value: { memory: MEMORY_ITEMS.slice(0, 2), total: 2 } },
    list: { summary: 'A list without a query: newest first', value: { memory: [MEMORY_ITEMS[2], withoutRelevance(MEMORY_ITEMS[1]!)], total: 37 } },
  },
  MemorySpace: {
    space: {
      summary: 'Re-embedding after a change of model',
      value: { network_id: NETWORK_ID, model: 'openai:text-embedding-3-small', items: 37, embedded: 30, pending: 7, available_models: ['local:use-lite', 'openai:text-embedding-3-small'] },
    },
  },
  SetMemorySpaceBody: { model: { summary: 'Embed with another configured model', value: { model: 'openai:text-embedding-3-small' } } },
  CreateEvalRunBody: {
    email_campaign: { summary: 'Two cases for the Email Campaign Assistant (see examples/evals/email-campaign.jsonl)', value: { label: 'baseline', network_id: NETWORK_ID, cases: EVAL_CASES } },
  },
  EvalRun: { completed: { summary: 'A completed run of two cases', value: { ...EVAL_RUN_BEFORE, results: EVAL_RESULTS } } },
  EvalRunBody: {
    started: {
      summary: 'Just started (202): the cases are running',
      value: {
        eval_run: {
          ...EVAL_RUN_BEFORE,
          status: 'running',
          completed_at: null,
          cases_scored: 0,
          mean_score: null,
          passed: 0,
          failed: 0,
          results: EVAL_RESULTS.map((r) => ({ ...r, task_status: 'queued', status: 'running', score: null, passed: null, assertions: [], rubric: null })),
        },
      },
    },
    completed: { summary: 'Completed: every case scored', value: { eval_run: { ...EVAL_RUN_BEFORE, results: EVAL_RESULTS } } },
  },
  EvalRunList: { runs: { summary: 'Two runs, newest first', value: { eval_runs: [EVAL_RUN_AFTER, EVAL_RUN_BEFORE] } } },
  EvalComparison: {
    better: {
      summary: 'The subject-line prompt change fixed one case',
      value: {
        a: EVAL_RUN_BEFORE,
        b: EVAL_RUN_AFTER,
        cases: [
          { case_id: 'launch-email-subject', a_score: 0.8875, b_score: 1, change: 'better' },
          { case_id: 'send-time-json', a_score: 1, b_score: 1, change: 'same' },
        ],
        better: 1,
        worse: 0,
        same: 1,
      },
    },
  },
  GetOpenapiJsonResponse200: { document: { summary: 'This document (abridged)', value: { openapi: '3.1.0', info: { title: 'Agent Mesh API', version: '0.1.0' } } } },
};

/** Values that only feed property examples (see SERVICE_TOOL_SOURCES), by component name. */
export const PROPERTY_EXAMPLE_SOURCES: Record<string, unknown[]> = {
  ToolView: SERVICE_TOOL_SOURCES,
  RegisteredToolAnswer: SERVICE_TOOL_SOURCES,
};

function withoutSubtasks<T extends { subtasks?: unknown }>(task: T): Omit<T, 'subtasks'> {
  const { subtasks: _subtasks, ...rest } = task;
  return rest;
}

function withoutRelevance<T extends { relevance?: unknown }>(item: T): Omit<T, 'relevance'> {
  const { relevance: _relevance, ...rest } = item;
  return rest;
}

/** Error bodies by status: `*` for every route, a route key (`POST /networks/:network_id/tasks`) for its own. */
export const ERROR_EXAMPLES: Record<string, Record<number, ErrorExample>> = {
  '*': {
    400: { code: 'validation_error', summary: 'A field failed validation', message: 'Invalid request body', details: [{ path: 'agents.0.type', message: 'must be a lowercase slug: a-z first, then a-z, 0-9, _ or -, at most 40 characters' }] },
    401: { code: 'unauthorized', summary: 'No or an unknown API key', message: 'A valid API key is required (Authorization: Bearer <key> or X-API-Key)' },
    402: {
      code: 'budget_exhausted',
      summary: 'A budget is used up',
      message: "Budget exhausted: the tenant's monthly budget is used up ($250.0012 of $250; it renews at the start of the next UTC month)",
    },
    403: { code: 'forbidden', summary: 'Not an operator', message: 'This API key may not set budgets (MESH_ADMIN_TENANTS)' },
    404: { code: 'not_found', summary: 'No such network (or another tenant\'s)', message: `Network ${NETWORK_ID} not found` },
    409: { code: 'conflict', summary: 'Conflicts with the current state', message: 'The network already has an agent of type "seo"', details: { type: 'seo' } },
    413: { code: 'payload_too_large', summary: 'Body too large', message: 'Request body exceeds the limit of 1048576 bytes' },
    415: { code: 'unsupported_media_type', summary: 'Body is not JSON', message: 'Request body must be JSON (Content-Type: application/json)' },
    422: { code: 'unprocessable', summary: 'The document or server cannot be used', message: 'The OpenAPI document at https://analytics.example.com/openapi.json could not be parsed: paths must be an object' },
    429: { code: 'rate_limited', summary: 'Too many requests', message: 'Rate limit of 600 requests per 60 s exceeded', details: { retry_after_seconds: 12 } },
    500: { code: 'internal_error', summary: 'An unexpected error', message: 'Internal server error' },
    503: { code: 'unavailable', summary: 'Redis or Postgres is unavailable', message: 'The task queue is unavailable; retry later', details: { task_id: PENDING_TASK_ID, status: 'pending' } },
  },
  'POST /networks/:network_id/agents/:agent_id/playground': {
    409: { code: 'conflict', summary: 'The coordinator cannot be run alone', message: 'The coordinator plans and synthesises: run a specialist of the network in the playground' },
  },
  'DELETE /networks/:network_id/agents/:agent_id': {
    409: { code: 'conflict', summary: 'The coordinator cannot be removed', message: 'Removing the coordinator would leave the network without one; a network keeps exactly one coordinator' },
  },
  'POST /networks/:network_id/tools': {
    409: { code: 'conflict', summary: 'The name is taken', message: 'The network already has a tool named "weather"', details: { name: 'weather' } },
  },
  'DELETE /networks/:network_id/tools/:tool_id': {
    409: { code: 'conflict', summary: 'Agents still use the tool', message: 'Tool "weather" is in the tools of agent Content Specialist; remove those agents first (an agent\'s tools are set when it is added)' },
  },
  'POST /networks/:network_id/tasks/:task_id/cancel': {
    409: { code: 'conflict', summary: 'The task has already ended', message: `Task ${TASK_ID} has already ended (completed)`, details: { status: 'completed' } },
  },
  'POST /networks/:network_id/approvals/:approval_id': {
    409: { code: 'conflict', summary: 'Already decided', message: 'The approval was already decided (approved)', details: { status: 'approved' } },
  },
  'GET /networks/:network_id/tasks/:task_id': {
    404: { code: 'not_found', summary: 'No such task', message: `Task ${TASK_ID} not found` },
  },
};

/** A sample of the task event stream. */
export const TASK_EVENT_STREAM_EXAMPLE = [
  'id: 1',
  'event: snapshot',
  `data: {"id":"${TASK_ID}","status":"in_progress","iterations":1,"subtasks":[…]}`,
  '',
  'id: 2',
  'event: subtask.status',
  `data: {"type":"subtask.status","task_id":"${TASK_ID}","subtask_id":"${SUBTASK.sendTime}","key":"send_time","agent_type":"analytics","status":"completed","at":"2026-03-03T09:15:17.940Z"}`,
  '',
  ': ping',
  '',
  'id: 3',
  'event: end',
  `data: {"id":"${TASK_ID}","status":"completed","result":{…}}`,
  '',
].join('\n');
