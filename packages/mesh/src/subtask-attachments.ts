import type { AttachmentPart, MessagePart } from '@mesh/llm';
import type { Store, SubtaskWork } from '@mesh/store';
import { attachmentLabel } from './prompts';

export type SubtaskAttachments = { ok: true; parts: AttachmentPart[] } | { ok: false; problem: string };

/**
 * The bytes of the attachments a subtask was given, in the order the plan named them. A name the
 * task has no attachment for (a plan edited by a person) or bytes that are gone fail the subtask
 * with a sentence that says which.
 */
export async function loadSubtaskAttachments(store: Pick<Store, 'attachments'>, work: Pick<SubtaskWork, 'subtask' | 'task'>): Promise<SubtaskAttachments> {
  const names = work.subtask.attachments ?? [];
  if (names.length === 0) return { ok: true, parts: [] };
  const metas = await store.attachments.forTask(work.task.tenant_id, work.task.id);
  const byName = new Map(metas.map((m) => [m.name, m]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    return { ok: false, problem: `The subtask names attachment ${unknown.map((n) => JSON.stringify(n)).join(', ')}, which the task does not have` };
  }
  const parts = await Promise.all(
    names.map(async (name): Promise<AttachmentPart | string> => {
      const meta = byName.get(name)!;
      const data = await store.attachments.content(work.task.tenant_id, meta.attachment_id);
      return data ? { type: 'attachment', name, media_type: meta.media_type, data } : name;
    }),
  );
  const gone = parts.filter((p): p is string => typeof p === 'string');
  if (gone.length > 0) return { ok: false, problem: `The bytes of attachment ${gone.map((n) => JSON.stringify(n)).join(', ')} are no longer stored` };
  return { ok: true, parts: parts as AttachmentPart[] };
}

/** The subtask's first message: its prompt text, then each file after a label that names it (text alone without files). */
export function subtaskMessageContent(user: string, attachments: readonly AttachmentPart[]): string | MessagePart[] {
  if (attachments.length === 0) return user;
  return [{ type: 'text', text: user }, ...attachments.flatMap((a): MessagePart[] => [{ type: 'text', text: attachmentLabel(a) }, a])];
}
