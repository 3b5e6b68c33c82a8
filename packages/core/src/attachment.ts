import { z } from 'zod';
import { isCleanString } from './json';

/** The media types a task may carry as attachments (issue 21). */
export const ATTACHMENT_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'application/pdf', 'audio/wav', 'audio/mpeg'] as const;

export const AttachmentMediaType = z.enum(ATTACHMENT_MEDIA_TYPES, { error: `must be one of ${ATTACHMENT_MEDIA_TYPES.join(', ')}` });
export type AttachmentMediaType = z.infer<typeof AttachmentMediaType>;

/** What kind of input a model must accept to be given an attachment. */
export type AttachmentModality = 'image' | 'pdf' | 'audio';

export const ATTACHMENT_MODALITIES: Record<AttachmentMediaType, AttachmentModality> = {
  'image/png': 'image',
  'image/jpeg': 'image',
  'image/webp': 'image',
  'image/gif': 'image',
  'application/pdf': 'pdf',
  'audio/wav': 'audio',
  'audio/mpeg': 'audio',
};

export function attachmentModality(mediaType: AttachmentMediaType): AttachmentModality {
  return ATTACHMENT_MODALITIES[mediaType];
}

export function isAttachmentMediaType(value: string): value is AttachmentMediaType {
  return (ATTACHMENT_MEDIA_TYPES as readonly string[]).includes(value);
}

export const ATTACHMENT_LIMITS = { maxNameLength: 200, maxUrlLength: 2000 } as const;

/** A file name as a person gives it: no path, no control characters (it becomes a Content-Disposition filename). */
export const AttachmentName = z
  .string()
  .min(1)
  .max(ATTACHMENT_LIMITS.maxNameLength)
  .refine(isCleanString, { message: 'must not contain NUL bytes or invalid unicode' })
  // eslint-disable-next-line no-control-regex
  .refine((name) => !/[\u0000-\u001f\u007f/\\]/.test(name), { message: 'must not contain control characters, / or \\' })
  .refine((name) => name.trim() === name && name !== '.' && name !== '..', { message: 'must not start or end with spaces, nor be . or ..' });
export type AttachmentName = z.infer<typeof AttachmentName>;

/** Standard base64 (RFC 4648 §4) with its padding; nothing else is accepted (no whitespace, no URL alphabet). */
export function isStrictBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
}

const AttachmentUrl = z
  .url({ protocol: /^https?$/ })
  .max(ATTACHMENT_LIMITS.maxUrlLength)
  .refine(isCleanString, { message: 'must not contain NUL bytes or invalid unicode' });

/**
 * An attachment in a JSON submit: inline (`data_base64` with its `media_type`), or a `url`
 * fetched once, at submit, through the outbound address policy (its type from `media_type`, the
 * response's Content-Type or the bytes, which must agree). One object shape, so that a mistake
 * is reported at the field that has it.
 */
export const AttachmentInput = z
  .strictObject({
    name: AttachmentName,
    media_type: AttachmentMediaType.optional(),
    data_base64: z.string().min(1).refine(isStrictBase64, { message: 'must be standard base64 with padding (A-Z a-z 0-9 + /, =)' }).optional(),
    url: AttachmentUrl.optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.data_base64 === undefined) === (value.url === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either data_base64 or url', path: ['data_base64'] });
    } else if (value.data_base64 !== undefined && value.media_type === undefined) {
      ctx.addIssue({ code: 'custom', message: 'required with data_base64', path: ['media_type'] });
    }
  });
export type AttachmentInput = z.infer<typeof AttachmentInput>;

/** What the API shows of an attachment (the bytes are at GET …/tasks/{task_id}/attachments/{attachment_id}). */
export const AttachmentMeta = z.object({
  attachment_id: z.uuid(),
  name: z.string(),
  media_type: AttachmentMediaType,
  size_bytes: z.int(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  pages: z.int().nullable(),
  width: z.int().nullable(),
  height: z.int().nullable(),
  duration_ms: z.int().nullable(),
  created_at: z.string(),
});
export type AttachmentMeta = z.infer<typeof AttachmentMeta>;
