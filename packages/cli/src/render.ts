import type { Agent, Health, MemoryItem, Network, Task } from '@mesh/core';
import { approvalSettingsLine } from './approval-render';
import { unservedNote } from './fleet-coverage';
import { formatTable } from './table';
import { toolCallLine } from './tool-call-line';
import { formatDuration, oneLine, safeText, type Style } from './terminal-text';

/**
 * Human-readable renderings of API resources; every string from the API goes through safeText/oneLine.
 * `width`: the terminal's width, which tables fit by cutting their free-text columns; unset when the
 * output is not a terminal, so scripts get every table whole.
 */

/** Marks a type that no live worker serves (`unserved`, from the health report; unset: not known). */
export const NO_WORKER_MARK = '(no worker)';

export function agentsTable(agents: Agent[], width?: number, unserved?: ReadonlySet<string>): string {
  return formatTable(
    ['ID', 'NAME', 'TYPE', 'MODEL', 'TEMP', 'MAX TOKENS', 'CAPABILITIES'],
    agents.map((a) => [
      a.id,
      oneLine(a.name, 40),
      unserved?.has(a.type) ? `${a.type} ${NO_WORKER_MARK}` : a.type,
      oneLine(a.model ?? '(default chain)', 40),
      String(a.parameters.temperature),
      String(a.parameters.max_tokens),
      oneLine(a.capabilities.join(', '), 60),
    ]),
    { maxWidth: width, flexible: [1, 3, 6] },
  );
}

/** A network's agents, and under them the fix for those whose type no live worker serves. */
export function agentsListing(agents: Agent[], width?: number, unserved?: ReadonlySet<string>): string {
  const unservedHere = unserved ? [...new Set(agents.map((a) => a.type).filter((t) => unserved.has(t)))] : [];
  return [agentsTable(agents, width, unserved), ...unservedNote(unservedHere).map((line) => `\n${line}`)].join('\n');
}

/** Status, connections, counts, the types no live worker serves (with the fix), then the live processes. */
export function healthDetails(health: Health, style: Style, width?: number): string {
  // An older API does not list unserved agent types.
  const unserved = health.unserved_agent_types ?? [];
  return [
    `${style.status(health.status)}  version ${oneLine(health.version)}`,
    `redis ${health.redis_connection}, database ${health.database_connection}, models ${health.llm_client.mode}`,
    `${health.active_networks_count} networks, ${health.active_tasks_count} active tasks`,
    ...unservedNote(unserved),
    '',
    formatTable(
      ['KIND', 'ID', 'AGENT TYPES', 'LAST SEEN'],
      health.workers.map((w) => [w.kind, oneLine(w.id, 60), oneLine(w.agent_types.join(', ') || '-', 60), w.last_seen]),
      { maxWidth: width, flexible: [1, 2] },
    ),
  ].join('\n');
}

export function networksTable(networks: Network[], width?: number): string {
  return formatTable(
    ['ID', 'NAME', 'AGENTS', 'TASKS', 'ACTIVE', 'MEMORY', 'CREATED'],
    networks.map((n) => [
      n.id,
      oneLine(n.name, 48),
      String(n.counts.agents),
      String(n.counts.tasks),
      String(n.counts.active_tasks),
      String(n.counts.memory_items),
      n.created_at,
    ]),
    { maxWidth: width, flexible: [1] },
  );
}

export function networkDetails(n: Network, style: Style, width?: number): string {
  const lines = [
    `${style.bold(oneLine(n.name))}  ${n.id}`,
    ...(n.description ? [oneLine(n.description)] : []),
    `max iterations ${n.max_iterations}, timeout ${n.timeout_seconds} s, created ${n.created_at}`,
    `${n.counts.agents} agents, ${n.counts.tasks} tasks (${n.counts.active_tasks} active), ${n.counts.memory_items} memory items`,
  ];
  // An older API sends no approval settings.
  if (n.approvals) lines.push(approvalSettingsLine(n.approvals, n.approval_timeout_seconds));
  if (Object.keys(n.shared_context).length > 0) lines.push(`shared context: ${oneLine(JSON.stringify(n.shared_context), 200)}`);
  if (n.agents) lines.push('', agentsTable(n.agents, width));
  return lines.join('\n');
}

export function tasksTable(tasks: Task[], width?: number): string {
  return formatTable(
    ['ID', 'STATUS', 'PRI', 'ITER', 'COST', 'CREATED', 'TASK'],
    tasks.map((t) => [t.id, t.status, String(t.priority), `${t.iterations}/${t.max_iterations}`, `$${t.usage.cost_usd.toFixed(4)}`, t.created_at, oneLine(t.task, 60)]),
    { maxWidth: width, flexible: [6] },
  );
}

export function subtasksTable(task: Task, width?: number): string {
  const subtasks = [...(task.subtasks ?? [])].sort((a, b) => a.iteration - b.iteration || a.key.localeCompare(b.key));
  return formatTable(
    ['IT', 'AGENT', 'KEY', 'STATUS', 'DURATION', 'ATTEMPTS', 'TOOLS', 'MODEL', 'WORKER', 'DEPENDS ON'],
    subtasks.map((s) => [
      String(s.iteration),
      s.agent_type,
      oneLine(s.key, 32),
      s.status,
      formatDuration(s.duration_ms),
      String(s.attempts),
      String((s.tool_calls ?? []).length),
      oneLine(s.model ?? '-', 40),
      oneLine(s.worker_id ?? '-', 40),
      oneLine(s.depends_on.join(', ') || '-', 40),
    ]),
    { maxWidth: width, flexible: [2, 7, 8, 9] },
  );
}

/** Each subtask's tool calls in order, under the subtask's iteration, agent and key; empty when none made any. */
export function toolCallsSection(task: Task, style: Style): string[] {
  const subtasks = [...(task.subtasks ?? [])].sort((a, b) => a.iteration - b.iteration || a.key.localeCompare(b.key)).filter((s) => (s.tool_calls ?? []).length > 0);
  if (subtasks.length === 0) return [];
  const lines = [style.bold('tool calls')];
  for (const s of subtasks) {
    lines.push(`  it${s.iteration} ${s.agent_type} ${oneLine(s.key, 40)}`);
    s.tool_calls.forEach((call, i) => lines.push(`    ${i + 1}. ${toolCallLine(call, style)}`));
  }
  return lines;
}

/** Where this task asks a person, how long it has waited for one, and what people said when they rejected. */
function peopleLines(task: Task, style: Style): string[] {
  // An older API sends none of these.
  if (!task.approvals) return [];
  const asks = task.approvals.plan || task.approvals.result || task.approvals.questions || task.approvals.tool_calls !== 'none';
  const lines = asks ? [approvalSettingsLine(task.approvals, task.approval_timeout_seconds)] : [];
  if (task.awaiting_since) lines.push(`waiting for a person since ${task.awaiting_since}`);
  if (task.waited_ms > 0) lines.push(`waited for people ${formatDuration(task.waited_ms)} (not counted against the timeout)`);
  for (const f of task.human_feedback ?? []) lines.push(`${f.kind} of iteration ${f.iteration} ${style.status(f.status)}: ${oneLine(f.comment, 300)}`);
  return lines;
}

/** Status, usage, subtasks and their tool calls, then the result (Markdown, printed as text) or the error. */
export function taskDetails(task: Task, style: Style, width?: number): string {
  const elapsed = task.started_at && task.completed_at ? Date.parse(task.completed_at) - Date.parse(task.started_at) : null;
  const lines = [
    `${style.bold('task')} ${task.id}  ${style.status(task.status)}`,
    oneLine(task.task, 300),
    `iterations ${task.iterations}/${task.max_iterations}, priority ${task.priority}, ${task.usage.llm_calls} model calls, ` +
      `${task.usage.input_tokens} tokens in / ${task.usage.output_tokens} out, $${task.usage.cost_usd.toFixed(4)}` +
      (elapsed !== null ? `, ${formatDuration(elapsed)}` : ''),
  ];
  if (task.simulated) lines.push(style.dim('answered by the simulated provider: no real model was called'));
  lines.push(...peopleLines(task, style));
  if ((task.subtasks ?? []).length > 0) lines.push('', subtasksTable(task, width));
  const toolCalls = toolCallsSection(task, style);
  if (toolCalls.length > 0) lines.push('', ...toolCalls);
  if (task.error) lines.push('', `${style.bold('error')}: ${safeText(task.error)}`);
  if (task.result) {
    lines.push('', `${style.bold('result')} ${style.dim(`(confidence ${task.result.confidence.toFixed(2)})`)}`, '', safeText(task.result.content).trimEnd());
    if (task.result.explanation) lines.push('', style.dim(safeText(task.result.explanation)));
  }
  return lines.join('\n');
}

export function memoryTable(items: MemoryItem[], withRelevance: boolean, width?: number): string {
  return formatTable(
    ['ID', 'TYPE', 'CONF', 'IMPORTANCE', ...(withRelevance ? ['RELEVANCE'] : []), 'SOURCE', 'CONTENT'],
    items.map((m) => [
      m.id,
      m.memory_type,
      m.confidence.toFixed(2),
      m.importance.toFixed(2),
      ...(withRelevance ? [m.relevance?.toFixed(3) ?? '-'] : []),
      m.source.kind,
      oneLine(m.content, 100),
    ]),
    { maxWidth: width, flexible: [withRelevance ? 6 : 5] },
  );
}
