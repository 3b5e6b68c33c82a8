import type { TaskStreamEvent } from '@mesh/client';

/** One line of the task page's event log. */
export interface EventLogEntry {
  /** Position in the log (0 first). */
  seq: number;
  event: TaskStreamEvent['event'];
  /** When it happened (the event's own time; the arrival for snapshot and end). */
  at: string;
  summary: string;
}

/** The event kinds the log can show, in the order its filter lists them. */
export const EVENT_KINDS = ['snapshot', 'task.status', 'subtask.status', 'tool.call', 'approval.requested', 'approval.decided', 'budget.warning', 'end'] as const;

/** Most entries the log keeps: a long run's oldest events go first. */
export const EVENT_LOG_LIMIT = 2000;

const words = (status: string) => status.replaceAll('_', ' ');

/** What an event says, in words. */
export function eventSummary(e: TaskStreamEvent): string {
  if ('task' in e) {
    const task = e.task;
    return `${e.event === 'snapshot' ? 'following the task' : 'the stream ended'}: task ${words(task.status)}, iteration ${task.iterations} of ${task.max_iterations}, ${task.subtasks?.length ?? 0} subtasks`;
  }
  const d = e.data;
  switch (d.type) {
    case 'task.status':
      return `task ${words(d.status)} (iteration ${d.iteration})`;
    case 'subtask.status':
      return `subtask ${d.key} (${d.agent_type}) ${words(d.status)}`;
    case 'tool.call':
      return `tool ${d.tool} ${words(d.status)}${d.replayed ? ' (replayed from its record)' : ''}${d.duration_ms != null ? `, ${Math.round(d.duration_ms)} ms` : ''}${d.error ? `: ${d.error}` : ''}`;
    case 'approval.requested':
      return `a person is asked: ${words(d.kind)} (expires ${d.expires_at})`;
    case 'approval.decided':
      return `${words(d.kind)} ${words(d.status)}`;
    case 'budget.warning':
      return `budget warning: ${Math.floor(d.used_ratio * 100)}% of the ${d.period}'s budget used`;
    default: {
      const unknown: never = d;
      return JSON.stringify(unknown);
    }
  }
}

export function toLogEntry(e: TaskStreamEvent, seq: number): EventLogEntry {
  const at = 'data' in e ? e.data.at : e.receivedAt;
  return { seq, event: e.event, at, summary: eventSummary(e) };
}

/** The entries of the chosen kinds (all when none is chosen) whose text contains `text` (any case). */
export function filterEvents(entries: readonly EventLogEntry[], kinds: ReadonlySet<string>, text: string): EventLogEntry[] {
  const needle = text.trim().toLowerCase();
  return entries.filter((e) => (kinds.size === 0 || kinds.has(e.event)) && (needle === '' || e.summary.toLowerCase().includes(needle) || e.event.includes(needle)));
}

/** The link to a task's trace in the operator's viewer, or null without a template or a trace id. */
export function traceUrl(template: string | null, traceId: string | null): string | null {
  if (!template || !traceId) return null;
  return template.split('{trace_id}').join(encodeURIComponent(traceId));
}
