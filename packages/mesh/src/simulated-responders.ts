import type { AgentOutput, CoordinatorDecision, DistilledLessons, FinalSynthesis, Lesson, RubricVerdict } from '@mesh/core';
import { attachmentsNote, messageText, type MessagePart, type SimulatedAttachment } from '@mesh/llm';
import { readDataBlock, truncate } from './data-blocks';
import { SCHEMA_NAMES } from './model-client';
import type { AgentSummary } from './prompts';

/**
 * How the simulated provider answers the engine's own schemas: deterministically, in context,
 * and labelled. The coordinator plans one subtask per specialist in its first iteration and
 * completes with a synthesis once results exist — one step, parallel specialists, a final
 * step: three model calls on the critical path, the shape benchmarks measure.
 */
export interface SimulatedRequest {
  system: string;
  /** Parts messages too (a scripted model passes the request as it is): their text is read. */
  messages: { role: 'user' | 'assistant' | 'tool' | string; content: string | MessagePart[] }[];
  /** What the simulated provider says it was given (names and types; the bytes are never read). */
  attachments?: SimulatedAttachment[];
  schemaName: string;
  seed: number;
}

export const SIMULATED_LABEL = '[simulated]';

function lastUser(req: SimulatedRequest): string {
  const message = [...req.messages].reverse().find((m) => m.role === 'user');
  if (!message) return '';
  return typeof message.content === 'string' ? message.content : messageText({ role: 'user', content: message.content });
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

interface CompletedResult {
  key: string;
  agentType: string;
  body: string;
}

function completedResults(resultsBlock: string | null): CompletedResult[] {
  if (!resultsBlock) return [];
  const out: CompletedResult[] = [];
  const re = /### iteration \d+ · (\S+) \(([^,]+), completed[^)]*\)\n([\s\S]*?)(?=\n\n### |\n\n\(older|$)/g;
  for (let m = re.exec(resultsBlock); m; m = re.exec(resultsBlock)) out.push({ key: m[1] ?? '', agentType: m[2] ?? '', body: (m[3] ?? '').trim() });
  return out;
}

function synthesis(task: string, results: CompletedResult[]): { content: string; confidence: number; explanation: string } {
  const sections = results.map((r) => `## ${r.agentType} (${r.key})\n\n${truncate(r.body, 900)}`);
  return {
    content: `${SIMULATED_LABEL} Final result for: ${truncate(task, 300)}\n\n${sections.join('\n\n')}`,
    confidence: 0.5,
    explanation: `${SIMULATED_LABEL} Synthesised by the simulated provider from ${results.length} specialist result(s); no real model was called.`,
  };
}

/** The names in a plan prompt's attachments block (one `- "name": facts` line each, see formatAttachments). */
function attachmentNamesIn(block: string | null): string[] {
  return (block ?? '').split('\n').flatMap((line) => {
    const quoted = /^- ("(?:[^"\\]|\\.)*"):/.exec(line)?.[1];
    return quoted ? [JSON.parse(quoted) as string] : [];
  });
}

function coordinatorDecision(req: SimulatedRequest): CoordinatorDecision {
  const user = lastUser(req);
  // Every specialist gets every file: the simulation cannot tell which one a subtask needs.
  const attachments = attachmentNamesIn(readDataBlock(user, 'attachments'));
  const task = readDataBlock(user, 'task') ?? '';
  const specialists = parseJson<AgentSummary[]>(readDataBlock(user, 'agents'), []);
  const results = completedResults(readDataBlock(user, 'results'));
  const iteration = Number(/Iteration (\d+) of (\d+)/.exec(user)?.[1] ?? 1);
  const max = Number(/Iteration (\d+) of (\d+)/.exec(user)?.[2] ?? 1);
  if (results.length > 0 || iteration >= max) {
    return {
      task_complete: true,
      reasoning: `${SIMULATED_LABEL} The specialists' results cover the task; completing.`,
      subtasks: [],
      new_memories: [],
      result: synthesis(task, results),
    };
  }
  return {
    task_complete: false,
    reasoning: `${SIMULATED_LABEL} Delegating one subtask to each of the ${specialists.length} specialists, in parallel.`,
    subtasks: specialists.map((s) => ({
      key: s.type,
      agent_type: s.type,
      description: `${s.name}: apply ${s.capabilities.slice(0, 3).join(', ') || s.type} to the task "${truncate(task, 200)}"`,
      depends_on: [],
      attachments,
    })),
    new_memories: [{ type: 'decision', content: `${SIMULATED_LABEL} Plan: one subtask per specialist for "${truncate(task, 120)}"`, confidence: 0.6 }],
    result: null,
  };
}

function agentOutput(req: SimulatedRequest): AgentOutput {
  const user = lastUser(req);
  const subtask = readDataBlock(user, 'subtask') ?? '';
  const task = readDataBlock(user, 'task') ?? '';
  const context = parseJson<Record<string, unknown>>(readDataBlock(user, 'context'), {});
  const agentType = /specialist of type "([^"]+)"/.exec(req.system)?.[1] ?? 'agent';
  const facts = Object.entries(context)
    .slice(0, 6)
    .map(([k, v]) => `- ${k.replace(/_/g, ' ')}: ${truncate(Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : JSON.stringify(v), 160)}`);
  const memoryLines = (readDataBlock(user, 'memory') ?? '').split('\n').filter((l) => l.startsWith('- [')).length;
  // The attachments the request carried (a scripted model passes the request itself: read them from it).
  const attachments =
    req.attachments ??
    req.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.flatMap((p) => (p.type === 'attachment' ? [{ name: p.name, media_type: p.media_type, size_bytes: p.data.length }] : []))));
  const received = attachmentsNote(attachments);
  return {
    reasoning: `${SIMULATED_LABEL} ${agentType} worked from the subtask, the task context and ${memoryLines} memory item(s).`,
    result: [
      `${SIMULATED_LABEL} ${agentType} specialist output`,
      '',
      `**Subtask:** ${truncate(subtask, 400)}`,
      '',
      `**For task:** ${truncate(task, 300)}`,
      ...(facts.length ? ['', '**Working from:**', ...facts] : []),
      ...(received ? ['', received] : []),
      '',
      `Recommendation ${(req.seed % 97) + 1}: a ${agentType} approach tailored to the audience above.`,
    ].join('\n'),
    confidence: 0.6,
    suggested_memories: [
      { type: 'fact', content: `${SIMULATED_LABEL} ${agentType} considered: ${truncate(task, 160)}`, confidence: 0.5 },
    ],
  };
}

function finalSynthesis(req: SimulatedRequest): FinalSynthesis {
  const user = lastUser(req);
  return {
    reasoning: `${SIMULATED_LABEL} Final synthesis at the iteration limit.`,
    result: synthesis(readDataBlock(user, 'task') ?? '', completedResults(readDataBlock(user, 'results'))),
  };
}

/**
 * A judge without a model: the share of the rubric's words (of five letters or more) that the
 * result contains, rounded to hundredths — deterministic, so an evaluation's scores can be worked
 * out by hand.
 */
export function simulatedRubricScore(rubric: string, result: string): { score: number; words: string[]; found: string[] } {
  const words = [...new Set(rubric.toLowerCase().match(/[\p{L}\p{N}]{5,}/gu) ?? [])];
  const text = result.toLowerCase();
  const found = words.filter((w) => text.includes(w));
  return { score: words.length === 0 ? 0 : Math.round((found.length / words.length) * 100) / 100, words, found };
}

function rubricVerdict(req: SimulatedRequest): RubricVerdict {
  const user = lastUser(req);
  const { score, words, found } = simulatedRubricScore(readDataBlock(user, 'rubric') ?? '', readDataBlock(user, 'result') ?? '');
  return { score, explanation: `${SIMULATED_LABEL} The result contains ${found.length} of the rubric's ${words.length} key words.` };
}

/**
 * Lessons from feedback: one guideline per new feedback item that says something (its correction,
 * else its comment), newest first, then the current lessons, at most ten.
 */
function distilledLessons(req: SimulatedRequest): DistilledLessons {
  const user = lastUser(req);
  const current = parseJson<Lesson[]>(readDataBlock(user, 'current_lessons'), []);
  const feedback = parseJson<{ id: string; rating: number; comment: string | null; correction: string | null }[]>(readDataBlock(user, 'feedback'), []);
  const learned = feedback
    .filter((f) => f.comment || f.correction)
    .reverse()
    .map((f) => ({
      text: truncate(`${SIMULATED_LABEL} ${f.rating <= 2 ? 'Avoid what a person rated low' : 'Keep doing what a person rated well'}: ${f.correction ? `prefer "${f.correction}"` : `"${f.comment}"`}`, 500),
      sources: [f.id],
    }));
  return { lessons: [...learned, ...current].slice(0, 10) };
}

export const meshSimulatedResponders: Record<string, (req: SimulatedRequest) => unknown> = {
  [SCHEMA_NAMES.distilledLessons]: distilledLessons,
  [SCHEMA_NAMES.coordinatorDecision]: coordinatorDecision,
  [SCHEMA_NAMES.agentOutput]: agentOutput,
  [SCHEMA_NAMES.finalSynthesis]: finalSynthesis,
  [SCHEMA_NAMES.rubricVerdict]: rubricVerdict,
};
