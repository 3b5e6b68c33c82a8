import { isTerminalSubtaskStatus } from '@mesh/client';
import type { Subtask, Task } from '@mesh/core';
import { formatDuration, oneLine, truncateVisible, type Style } from './terminal-text';
import { toolCallLine } from './tool-call-line';

export interface ProgressOutput {
  write(text: string): void;
  /** Redraw in place (a terminal) or append a line per change (a pipe, a log). */
  isTTY: boolean;
  /** Terminal width: longer lines are cut, so a wrapped line cannot break the redraw. */
  columns?: number;
}

function runningMs(s: Subtask, nowMs: number): number | null {
  if (s.duration_ms !== null) return s.duration_ms;
  if (!s.started_at) return null;
  return (s.finished_at ? Date.parse(s.finished_at) : nowMs) - Date.parse(s.started_at);
}

/** Tool calls a subtask's row shows in a terminal: the latest, so the frame stays short. */
const SHOWN_TOOL_CALLS = 3;

/**
 * The live view of `tasks submit --wait`: the task's status and one line per subtask (iteration,
 * agent, key, status, duration, model), each followed by its latest tool calls. In a terminal it
 * redraws itself; elsewhere it appends one line for every change (a tool call once it has ended),
 * so logs stay readable.
 */
export class ProgressView {
  private drawnLines = 0;
  private readonly lastSeen = new Map<string, string>();
  /** Subtasks that have a line and have not ended, by id: their names. */
  private readonly unfinished = new Map<string, string>();
  private task: Task | null = null;
  private readonly startedMs: number;

  constructor(
    private readonly out: ProgressOutput,
    private readonly style: Style,
    private readonly now: () => number = Date.now,
  ) {
    this.startedMs = now();
  }

  update(task: Task): void {
    this.task = task;
    if (this.out.isTTY) this.redraw();
    else this.appendChanges(task, false);
  }

  /** Redraws running durations (a terminal only). */
  tick(): void {
    if (this.out.isTTY && this.task) this.redraw();
  }

  note(message: string): void {
    if (this.out.isTTY) {
      this.clear();
      this.out.write(`${message}\n`);
      this.redraw();
    } else {
      this.out.write(`${this.elapsed()} ${message}\n`);
    }
  }

  /** Shows the final state (the last frame on screen, or the lines still held back) and stops. */
  finish(final: Task | null = this.task): void {
    this.task = final;
    if (this.out.isTTY) this.redraw();
    else if (final) this.appendChanges(final, true);
    this.drawnLines = 0;
  }

  lines(task: Task): string[] {
    const s = this.style;
    const nowMs = this.now();
    const head = `${s.bold('task')} ${task.id}  ${s.status(task.status)}  iteration ${task.iterations}/${task.max_iterations}  ${formatDuration(nowMs - this.startedMs)}`;
    const subtasks = [...(task.subtasks ?? [])].sort((a, b) => a.iteration - b.iteration || a.key.localeCompare(b.key));
    const agentWidth = Math.max(5, ...subtasks.map((x) => x.agent_type.length));
    const keyWidth = Math.min(28, Math.max(3, ...subtasks.map((x) => x.key.length)));
    const statusWidth = Math.max(11, ...subtasks.map((x) => x.status.length));
    const rows = subtasks.flatMap((x) => {
      const status = x.status.padEnd(statusWidth);
      const row = `  it${x.iteration}  ${x.agent_type.padEnd(agentWidth)}  ${oneLine(x.key, keyWidth).padEnd(keyWidth)}  ${s.status(status)}  ${formatDuration(runningMs(x, nowMs)).padStart(8)}  ${s.dim(x.model ?? '')}`.trimEnd();
      const calls = x.tool_calls ?? [];
      const hidden = calls.length - SHOWN_TOOL_CALLS;
      return [
        row,
        ...(hidden > 0 ? [s.dim(`      … ${hidden} earlier tool call${hidden === 1 ? '' : 's'}`)] : []),
        ...calls.slice(-SHOWN_TOOL_CALLS).map((call) => `      > ${toolCallLine(call, s, nowMs)}`),
      ];
    });
    const placeholder = task.status === 'awaiting_approval' ? '  (waiting for a person)' : '  (the coordinator is planning)';
    return [head, ...(rows.length > 0 ? rows : [s.dim(placeholder)])];
  }

  private elapsed(): string {
    return `[${formatDuration(this.now() - this.startedMs).padStart(8)}]`;
  }

  private clear(): void {
    // Back to the first line of the last frame, then clear to the end of the screen.
    if (this.drawnLines > 0) this.out.write(`\r\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }

  private redraw(): void {
    if (!this.task) return;
    const width = Math.max(20, (this.out.columns ?? 120) - 1);
    const lines = this.lines(this.task).map((line) => truncateVisible(line, width));
    this.clear();
    this.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  /** Appends a line per change; `final`: the last view, so nothing is held back any more. */
  private appendChanges(task: Task, final: boolean): void {
    const taskState = `${task.status}#${task.iterations}`;
    if (this.lastSeen.get('task') !== taskState) {
      this.lastSeen.set('task', taskState);
      this.out.write(`${this.elapsed()} task ${task.status} (iteration ${task.iterations}/${task.max_iterations})\n`);
    }
    if (task.subtasks) this.appendRemoved(task.subtasks);
    for (const x of [...(task.subtasks ?? [])].sort((a, b) => a.iteration - b.iteration || a.key.localeCompare(b.key))) {
      // A subtask's calls come after its start and before its end.
      const ended = isTerminalSubtaskStatus(x.status);
      if (ended) this.appendToolCalls(x, final);
      this.appendSubtask(x, final);
      if (!ended) this.appendToolCalls(x, final);
    }
  }

  /** A subtask that had a line and is gone before it ended: a person replaced the plan it was part of. */
  private appendRemoved(subtasks: Subtask[]): void {
    const present = new Set(subtasks.map((x) => x.id));
    for (const [id, name] of this.unfinished) {
      if (present.has(id)) continue;
      this.unfinished.delete(id);
      this.out.write(`${this.elapsed()}   ${name}: removed from the plan\n`);
    }
  }

  private subtaskName(x: Subtask): string {
    return x.key === x.agent_type ? x.agent_type : `${x.agent_type} ${oneLine(x.key, 40)}`;
  }

  private appendSubtask(x: Subtask, final: boolean): void {
    if (this.lastSeen.get(x.id) === x.status) return;
    // A status from the event stream comes before the re-read that brings its model and
    // timing: a finished subtask gets its line once those are known (a line is never rewritten).
    const provisional = (x.status === 'completed' && x.model === null) || ((x.status === 'completed' || x.status === 'failed') && x.duration_ms === null);
    if (provisional && !final) return;
    this.lastSeen.set(x.id, x.status);
    if (isTerminalSubtaskStatus(x.status)) this.unfinished.delete(x.id);
    else this.unfinished.set(x.id, `it${x.iteration} ${this.subtaskName(x)}`);
    const timing = x.status === 'completed' || x.status === 'failed' ? `  ${formatDuration(x.duration_ms)}` : '';
    const model = x.model ? `  ${x.model}` : '';
    this.out.write(`${this.elapsed()}   it${x.iteration} ${this.subtaskName(x)}: ${x.status}${timing}${model}\n`);
  }

  /**
   * A line per call when it starts to wait for a person and when it has ended, once each: an ended
   * call after the re-read has brought its result (a `tool.call` event has none). Running and
   * approved (about to run) get no line of their own.
   */
  private appendToolCalls(x: Subtask, final: boolean): void {
    for (const call of x.tool_calls ?? []) {
      const key = `tool:${call.id}`;
      if (call.status === 'running' || call.status === 'approved' || this.lastSeen.get(key) === call.status) continue;
      const ended = call.status === 'completed' || call.status === 'failed' || call.status === 'rejected';
      if (ended && this.lastSeen.has(key) && this.lastSeen.get(key) !== 'awaiting_approval') continue;
      const provisional = ended && call.result === null && call.error === null;
      if (provisional && !final) continue;
      this.lastSeen.set(key, call.status);
      this.out.write(`${this.elapsed()}   it${x.iteration} ${this.subtaskName(x)}: tool ${toolCallLine(call, this.style)}\n`);
    }
  }
}
