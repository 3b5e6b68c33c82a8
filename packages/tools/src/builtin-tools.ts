import { ASK_HUMAN_TOOL_NAME, type BoundTool, type BuiltinToolName } from '@mesh/core';

export const SEND_EMAIL_LIMITS = { maxRecipients: 50, maxSubjectLength: 998, maxTextLength: 100_000, maxHtmlLength: 200_000 } as const;
export const SEARCH_MEMORY_LIMITS = { maxQueryLength: 500, defaultLimit: 10, maxLimit: 50 } as const;

const emailAddress = { type: 'string', format: 'email', maxLength: 320 };

/** SEED.md's Email Service: one email through the operator's SMTP server. Always side-effecting. */
export const SEND_EMAIL_TOOL: BoundTool = {
  name: 'send_email',
  description: 'Sends one email through the operator\'s mail server. Each call sends a real message: call it once per email.',
  input_schema: {
    type: 'object',
    properties: {
      to: {
        description: 'Recipient address, or a list of addresses',
        anyOf: [emailAddress, { type: 'array', items: emailAddress, minItems: 1, maxItems: SEND_EMAIL_LIMITS.maxRecipients }],
      },
      subject: { type: 'string', minLength: 1, maxLength: SEND_EMAIL_LIMITS.maxSubjectLength },
      text: { type: 'string', description: 'Plain-text body', maxLength: SEND_EMAIL_LIMITS.maxTextLength },
      html: { type: 'string', description: 'Optional HTML body', maxLength: SEND_EMAIL_LIMITS.maxHtmlLength },
    },
    required: ['to', 'subject', 'text'],
    additionalProperties: false,
  },
  side_effects: true,
  requires_approval: false,
  binding: { kind: 'send_email' },
};

/** The network's shared memory, queried on demand. Reads only. */
export const SEARCH_MEMORY_TOOL: BoundTool = {
  name: 'search_memory',
  description: 'Searches the network\'s shared memory (facts, decisions and results stored by earlier tasks) by meaning and by words, and returns the most relevant items.',
  input_schema: {
    type: 'object',
    properties: {
      query: { type: 'string', minLength: 1, maxLength: SEARCH_MEMORY_LIMITS.maxQueryLength, description: 'What to look for' },
      limit: { type: 'integer', minimum: 1, maximum: SEARCH_MEMORY_LIMITS.maxLimit, description: `How many items (default ${SEARCH_MEMORY_LIMITS.defaultLimit})` },
    },
    required: ['query'],
    additionalProperties: false,
  },
  side_effects: false,
  requires_approval: false,
  binding: { kind: 'search_memory' },
};

export const ASK_HUMAN_LIMITS = { maxQuestionLength: 4_000 } as const;

/**
 * Human in the loop: the agent asks a person and waits (durably: the subtask parks, its job ends)
 * for the answer, which comes back as the tool's result.
 */
export const ASK_HUMAN_TOOL: BoundTool = {
  name: ASK_HUMAN_TOOL_NAME,
  description:
    'Asks a person a question and waits for the answer. Use it when you need a fact, a preference or a decision that only a person can give; ask one clear, self-contained question.',
  input_schema: {
    type: 'object',
    properties: { question: { type: 'string', minLength: 1, maxLength: ASK_HUMAN_LIMITS.maxQuestionLength } },
    required: ['question'],
    additionalProperties: false,
  },
  side_effects: false,
  requires_approval: false,
  binding: { kind: 'ask_human' },
};

export const BUILTIN_TOOLS: Readonly<Record<BuiltinToolName, BoundTool>> = {
  send_email: SEND_EMAIL_TOOL,
  search_memory: SEARCH_MEMORY_TOOL,
};
