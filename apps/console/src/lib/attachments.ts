import type { AttachmentMeta } from '@mesh/core';

/**
 * Attachments in the console: the local checks of the submit form (the API checks again, bytes
 * included), and how an attachment is described on the task page. Pure functions, no DOM.
 */

/**
 * The seven media types the API accepts (core's ATTACHMENT_MEDIA_TYPES; the console bundles no
 * zod, so the list is repeated here and a unit test keeps the two equal).
 */
export const ATTACHMENT_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'application/pdf', 'audio/wav', 'audio/mpeg'] as const;
export type AttachmentMediaType = (typeof ATTACHMENT_MEDIA_TYPES)[number];

/** The API's default per-file limit (MESH_ATTACHMENT_MAX_BYTES); a server configured otherwise still answers for itself. */
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

/** What the file input's `accept` offers: the seven types and their usual extensions. */
export const ATTACHMENT_ACCEPT = [...ATTACHMENT_MEDIA_TYPES, '.png', '.jpg', '.jpeg', '.webp', '.gif', '.pdf', '.wav', '.mp3'].join(',');

/** Names browsers and systems give the same types. */
const MEDIA_TYPE_ALIASES: Readonly<Record<string, AttachmentMediaType>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/mp3': 'audio/mpeg',
  'audio/x-mp3': 'audio/mpeg',
  'audio/mpeg3': 'audio/mpeg',
};

/** When the browser names no type (or a generic one), the file name's extension says. */
const EXTENSION_TYPES: Readonly<Record<string, AttachmentMediaType>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  pdf: 'application/pdf',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
};

/** The media type to declare for a picked file, or null when it is none of the seven. */
export function attachmentMediaType(fileName: string, browserType: string): AttachmentMediaType | null {
  const type = browserType.trim().toLowerCase().split(';')[0]!.trim();
  if ((ATTACHMENT_MEDIA_TYPES as readonly string[]).includes(type)) return type as AttachmentMediaType;
  if (MEDIA_TYPE_ALIASES[type]) return MEDIA_TYPE_ALIASES[type];
  if (type !== '' && type !== 'application/octet-stream') return null;
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? '';
  return EXTENSION_TYPES[extension] ?? null;
}

/** A file as the form holds it: what the browser said about it. */
export interface PickedFile {
  name: string;
  /** File.type: the browser's guess from the extension ('' when it has none). */
  type: string;
  size: number;
}

export type PickedFileCheck = { ok: true; mediaType: AttachmentMediaType } | { ok: false; problem: string };

/** Whether the API could take this file, as far as the console can tell without reading it. */
export function checkPickedFile(file: PickedFile, maxBytes = ATTACHMENT_MAX_BYTES): PickedFileCheck {
  const mediaType = attachmentMediaType(file.name, file.type);
  if (!mediaType) {
    return { ok: false, problem: `${file.name}: ${file.type || 'this type'} cannot be attached; allowed are PNG, JPEG, WebP and GIF images, PDF, WAV and MP3 audio` };
  }
  if (file.size > maxBytes) {
    // Just over the limit reads the same rounded: then in bytes.
    const [size, limit] = formatBytes(file.size) === formatBytes(maxBytes) ? [bytesText(file.size), bytesText(maxBytes)] : [formatBytes(file.size), formatBytes(maxBytes)];
    return { ok: false, problem: `${file.name} is ${size}; a file may be at most ${limit}` };
  }
  if (file.size === 0) return { ok: false, problem: `${file.name} is empty` };
  return { ok: true, mediaType };
}

const bytesText = (bytes: number) => `${bytes.toLocaleString('en-US')} bytes`;

/** `512 B`, `1.5 KB`, `10 MB` (binary units, as the limits are). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'] as const;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value < 10 ? value.toFixed(1) : String(Math.round(value));
  return `${text.replace(/\.0$/, '')} ${units[unit]}`;
}

export function isImageAttachment(attachment: Pick<AttachmentMeta, 'media_type'>): boolean {
  return attachment.media_type.startsWith('image/');
}

/** What the file holds beyond its size: `3 pages`, `640 × 480`, `12.5 s`; '' when nothing is known. */
export function attachmentExtent(attachment: Pick<AttachmentMeta, 'pages' | 'width' | 'height' | 'duration_ms'>): string {
  if (attachment.pages !== null && attachment.pages !== undefined) return `${attachment.pages} page${attachment.pages === 1 ? '' : 's'}`;
  if (attachment.width && attachment.height) return `${attachment.width} × ${attachment.height}`;
  if (attachment.duration_ms !== null && attachment.duration_ms !== undefined) return `${(attachment.duration_ms / 1000).toFixed(1)} s`;
  return '';
}
