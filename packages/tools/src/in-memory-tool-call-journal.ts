import { randomUUID } from 'node:crypto';
import { NotFoundError } from '@mesh/core';
import { ToolCallConflictError } from './errors';
import type { NewToolCallRecord, ToolCallFinish, ToolCallJournal, ToolCallRecord } from './tool-call-journal';

/** The journal in memory: for tests, and the reference for the Postgres implementation's behaviour. */
export class InMemoryToolCallJournal implements ToolCallJournal {
  private readonly byId = new Map<string, ToolCallRecord>();
  private readonly byPosition = new Map<string, string>();

  async find(subtaskId: string, position: number): Promise<ToolCallRecord | null> {
    const id = this.byPosition.get(`${subtaskId}:${position}`);
    return id ? structuredClone(this.byId.get(id) ?? null) : null;
  }

  async list(subtaskId: string): Promise<ToolCallRecord[]> {
    return [...this.byId.values()]
      .filter((record) => record.subtaskId === subtaskId)
      .sort((a, b) => a.position - b.position)
      .map((record) => structuredClone(record));
  }

  async begin(call: NewToolCallRecord): Promise<ToolCallRecord> {
    const key = `${call.subtaskId}:${call.position}`;
    if (this.byPosition.has(key)) throw new ToolCallConflictError(`tool call ${call.position} of subtask ${call.subtaskId} is already recorded`);
    const record: ToolCallRecord = { ...structuredClone(call), id: randomUUID(), status: 'running', result: null, error: null, finishedAt: null, durationMs: null };
    this.byId.set(record.id, record);
    this.byPosition.set(key, record.id);
    return structuredClone(record);
  }

  async record(call: ToolCallRecord): Promise<void> {
    const key = `${call.subtaskId}:${call.position}`;
    if (this.byPosition.has(key)) return;
    this.byId.set(call.id, structuredClone(call));
    this.byPosition.set(key, call.id);
  }

  async start(id: string): Promise<ToolCallRecord | null> {
    const record = this.byId.get(id);
    if (!record || record.status !== 'approved') return null;
    Object.assign(record, { status: 'running', startedAt: new Date() });
    return structuredClone(record);
  }

  async finish(id: string, outcome: ToolCallFinish): Promise<ToolCallRecord> {
    const record = this.byId.get(id);
    if (!record) throw new NotFoundError('Tool call', id);
    // Only a running call changes (as in Postgres): a second finish leaves the first outcome.
    if (record.status === 'running') Object.assign(record, structuredClone(outcome));
    return structuredClone(record);
  }
}
