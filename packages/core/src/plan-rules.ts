import { COORDINATOR_TYPE } from './agent';
import { PLAN_LIMITS, type PlannedSubtask } from './model-output';

/*
 * The rules a plan must follow, whoever wrote it: the coordinator model (packages/mesh repairs or
 * replaces a plan that breaks them) or a person editing a plan before approving it (the API
 * answers 400 with the same sentences).
 */

const KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

/** Normalises a plan (trimmed keys, de-duplicated dependencies) without judging it. */
export function normalisePlan(plan: PlannedSubtask[]): PlannedSubtask[] {
  return plan.map((s) => ({
    key: s.key.trim(),
    agent_type: s.agent_type.trim().toLowerCase(),
    description: s.description.trim(),
    depends_on: [...new Set(s.depends_on.map((d) => d.trim()))],
    attachments: [...new Set((s.attachments ?? []).map((a) => a.trim()))],
  }));
}

/**
 * Everything wrong with a plan, as sentences the coordinator model can act on; empty when the
 * plan can run: known non-coordinator agent types, unique keys, dependencies inside the plan,
 * no cycles, bounded size, and (when the task's attachment names are given) only attachments
 * the task has.
 */
export function findPlanProblems(plan: PlannedSubtask[], specialistTypes: ReadonlySet<string>, attachmentNames?: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (plan.length === 0) problems.push('the plan has no subtasks (set task_complete with a result instead, if the task is done)');
  if (plan.length > PLAN_LIMITS.maxSubtasks) problems.push(`the plan has ${plan.length} subtasks; at most ${PLAN_LIMITS.maxSubtasks} are allowed`);
  const keys = new Set<string>();
  for (const s of plan) {
    if (!KEY.test(s.key)) problems.push(`key "${s.key}" must be 1-40 letters, digits, _ or -`);
    if (keys.has(s.key)) problems.push(`key "${s.key}" is used twice`);
    keys.add(s.key);
    if (s.agent_type === COORDINATOR_TYPE) problems.push(`subtask "${s.key}" is assigned to the coordinator; delegate to a specialist`);
    else if (!specialistTypes.has(s.agent_type)) {
      problems.push(`subtask "${s.key}" names agent type "${s.agent_type}", which is not in the network (${[...specialistTypes].join(', ')})`);
    }
    if (!s.description) problems.push(`subtask "${s.key}" has no description`);
    for (const name of attachmentNames ? (s.attachments ?? []) : []) {
      if (attachmentNames?.has(name)) continue;
      const known = attachmentNames && attachmentNames.size > 0 ? `the task's attachments are ${[...attachmentNames].map((n) => `"${n}"`).join(', ')}` : 'the task has no attachments';
      problems.push(`subtask "${s.key}" names attachment "${name}", which the task does not have (${known})`);
    }
  }
  for (const s of plan) {
    for (const d of s.depends_on) {
      if (d === s.key) problems.push(`subtask "${s.key}" depends on itself`);
      else if (!keys.has(d)) problems.push(`subtask "${s.key}" depends on "${d}", which is not in the plan`);
    }
  }
  if (problems.length === 0 && hasCycle(plan)) problems.push('the dependencies form a cycle');
  return problems;
}

function hasCycle(plan: PlannedSubtask[]): boolean {
  return dependencyDepths(plan).size < plan.length;
}

/**
 * Depth of each subtask in the dependency graph (roots are 0), by Kahn's algorithm. Subtasks on
 * a cycle get no depth. Wave n of an iteration runs the subtasks of depth n - 1.
 */
export function dependencyDepths(plan: Pick<PlannedSubtask, 'key' | 'depends_on'>[]): Map<string, number> {
  const depth = new Map<string, number>();
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const s of plan) {
      if (depth.has(s.key)) continue;
      if (s.depends_on.every((d) => depth.has(d))) {
        depth.set(s.key, s.depends_on.reduce((max, d) => Math.max(max, (depth.get(d) ?? 0) + 1), 0));
        progressed = true;
      }
    }
  }
  return depth;
}
