import { isAbortError, type MeshClient } from '@mesh/client';
import type { Approval, Task } from '@mesh/core';

/** What in a view of the task waits for a person; '' when nothing does. */
export function waitingState(task: Task): string {
  const parts: string[] = [];
  if (task.status === 'awaiting_approval') parts.push(`task#${task.iterations}`);
  for (const s of task.subtasks ?? []) {
    if (s.status === 'awaiting_approval') parts.push(`subtask:${s.id}`);
    for (const call of s.tool_calls ?? []) if (call.status === 'awaiting_approval') parts.push(`call:${call.id}`);
  }
  return parts.join(' ');
}

export interface ApprovalNoticesOptions {
  client: Pick<MeshClient, 'listTaskApprovals'>;
  networkId: string;
  /** Called once per request for a person, when it is first seen pending. */
  onRequest(approval: Approval): void;
  onError(err: unknown): void;
  signal?: AbortSignal;
}

/**
 * Tells whoever follows a task when a person is asked. The task's views say that something waits
 * (the task, a subtask or a tool call is awaiting_approval), not which request: when what waits
 * changes, the task's requests are read and each new pending one is reported, once.
 */
export class ApprovalNotices {
  private readonly reported = new Set<string>();
  private lastWaiting = '';
  private lookups: Promise<void> = Promise.resolve();

  constructor(private readonly options: ApprovalNoticesOptions) {}

  /** Looks for new requests when the task waits on something it did not wait on before. */
  check(task: Task): void {
    const waiting = waitingState(task);
    if (waiting === this.lastWaiting) return;
    this.lastWaiting = waiting;
    if (waiting !== '') this.lookups = this.lookups.then(() => this.lookUp(task.id));
  }

  /** Resolves once every look-up asked for so far has answered (so its notices come before what follows). */
  settled(): Promise<void> {
    return this.lookups;
  }

  private async lookUp(taskId: string): Promise<void> {
    const { client, networkId, signal } = this.options;
    if (signal?.aborted) return;
    try {
      const { approvals } = await client.listTaskApprovals(networkId, taskId, signal);
      for (const approval of approvals) {
        if (approval.status !== 'pending' || this.reported.has(approval.id)) continue;
        this.reported.add(approval.id);
        this.options.onRequest(approval);
      }
    } catch (err) {
      if (!isAbortError(err) && !signal?.aborted) this.options.onError(err);
    }
  }
}
