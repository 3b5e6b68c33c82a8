import { COORDINATOR_TYPE, DistilledLessons, LESSON_LIMITS, type Lesson } from '@mesh/core';
import type { LessonsJob } from '@mesh/queue';
import type { FeedbackForLessons } from '@mesh/store';
import { DATA_RULE, dataBlock, truncate } from '../data-blocks';
import type { EngineDeps } from '../engine-deps';
import { callRecorded, SCHEMA_NAMES } from '../model-client';
import type { Prompt } from '../prompts';

/** Feedback items one distillation reads at most (the oldest first; the rest wait for the next). */
const FEEDBACK_PER_DISTILLATION = 50;
/** Characters of a comment or correction the distillation prompt shows. */
const FEEDBACK_TEXT_CHARS = 1_500;

export function distilLessonsPrompt(input: { agentType: string; networkName: string; current: Lesson[]; feedback: FeedbackForLessons[] }): Prompt {
  const whose = input.agentType === COORDINATOR_TYPE ? 'the coordinator (it plans tasks and synthesises their final results)' : `the "${input.agentType}" specialist`;
  const system = [
    `You keep the lessons of ${whose} in "${input.networkName}", a network of AI agents: short guidelines, learned from people's feedback on its earlier work, that its prompt carries from now on.`,
    `Merge the current lessons with the new feedback into at most ${LESSON_LIMITS.maxDistilledLessons} guidelines. Each guideline is one or two sentences, concrete and actionable (what to do or avoid, not praise), at most ${LESSON_LIMITS.maxLessonLength} characters.`,
    'Keep current lessons that still hold (with their sources); where newer feedback contradicts one, the newer feedback wins. Low ratings with a comment or correction say what to change; high ratings say what to keep doing.',
    'Every guideline cites in `sources` the ids of the feedback items it comes from (the ids shown in the data, nothing else).',
    DATA_RULE,
  ].join('\n\n');
  const feedback = input.feedback.map((f) => ({
    id: f.feedback_id,
    rating: f.rating,
    comment: f.comment === null ? null : truncate(f.comment, FEEDBACK_TEXT_CHARS),
    correction: f.correction === null ? null : truncate(f.correction, FEEDBACK_TEXT_CHARS),
  }));
  const user = [
    dataBlock('current_lessons', JSON.stringify(input.current, null, 2)),
    dataBlock('feedback', JSON.stringify(feedback, null, 2)),
    'Answer with the lessons as they should be from now on.',
  ].join('\n\n');
  return { system, user };
}

/**
 * The model's lessons as they are stored: at most LESSON_LIMITS.maxDistilledLessons, each cut to
 * the length limit, citing only ids that were among the inputs (the new feedback and the current
 * lessons' sources); a lesson left without text is dropped.
 */
export function keptLessons(answer: DistilledLessons, knownIds: ReadonlySet<string>): Lesson[] {
  return answer.lessons
    .map((l) => ({ text: truncate(l.text.trim(), LESSON_LIMITS.maxLessonLength), sources: [...new Set(l.sources.filter((id) => knownIds.has(id)))].slice(0, LESSON_LIMITS.maxSources) }))
    .filter((l) => l.text.length > 0)
    .slice(0, LESSON_LIMITS.maxDistilledLessons);
}

/** Distillations one job makes at most: feedback that keeps arriving waits for the next job. */
const ROUNDS_PER_JOB = 3;

/**
 * `lessons`: distils an agent type's feedback not yet distilled into its next lessons version,
 * with one structured model call through the chain (the coordinator's model first). The version
 * and the marks on the feedback it distilled are stored in one statement, as version current + 1:
 * a second delivery of the job finds nothing left to distil, or loses to the first on the version.
 * Feedback that reached the threshold while it ran is distilled by the same job (its enqueue was a
 * no-op while this one was running, and nothing else would ask again).
 */
export async function runDistilLessons(deps: EngineDeps, job: LessonsJob): Promise<void> {
  const every = deps.settings.lessonEvery ?? 0;
  for (let round = 1; round <= ROUNDS_PER_JOB; round++) {
    if (!(await distilOnce(deps, job))) return;
    if (every <= 0 || (await deps.store.feedback.undistilled(job.tenantId, job.networkId, job.agentType, every)).length < every) return;
  }
}

/** One distillation; false when there was nothing to distil or another version came first. */
async function distilOnce(deps: EngineDeps, job: LessonsJob): Promise<boolean> {
  const { tenantId, networkId, agentType } = job;
  const [network, feedback, latest, agents] = await Promise.all([
    deps.store.networks.getRow(tenantId, networkId),
    deps.store.feedback.undistilled(tenantId, networkId, agentType, FEEDBACK_PER_DISTILLATION),
    deps.store.lessons.latest(tenantId, networkId, agentType),
    deps.store.agents.byType(tenantId, networkId),
  ]);
  if (!network || feedback.length === 0) return false; // deleted, another tenant's, or already distilled
  const current = latest?.lessons ?? [];
  const prompt = distilLessonsPrompt({ agentType, networkName: network.name, current, feedback });
  const coordinator = agents.get(COORDINATOR_TYPE);
  const response = await deps.model.complete<DistilledLessons>({
    system: prompt.system,
    messages: [{ role: 'user', content: prompt.user }],
    schema: { name: SCHEMA_NAMES.distilledLessons, zod: DistilledLessons },
    model: coordinator?.model ?? null,
    temperature: 0.2,
    maxTokens: 2_000,
    purpose: 'lessons',
    context: { tenantId, networkId },
  });
  await callRecorded(response);
  const knownIds = new Set([...feedback.map((f) => f.feedback_id), ...current.flatMap((l) => l.sources)]);
  const distilled = keptLessons(DistilledLessons.parse(response.object), knownIds);
  // A model that answers with nothing does not wipe what the agent has learned.
  const lessons = distilled.length > 0 ? distilled : current;
  const stored = await deps.store.lessons.storeDistilled(tenantId, networkId, agentType, {
    basedOn: latest?.version ?? 0,
    lessons,
    feedbackIds: feedback.map((f) => f.feedback_id),
  });
  if (!stored) {
    deps.logger.info('lessons not stored: another version came first', { network_id: networkId, agent_type: agentType });
    return false;
  }
  deps.logger.info('lessons distilled', { network_id: networkId, agent_type: agentType, version: stored.version, lessons: lessons.length, feedback: feedback.length, model: `${response.provider}:${response.model}` });
  return true;
}
