import { createHash } from 'node:crypto';
import { ATTACHMENT_MEDIA_TYPES, AttachmentName, isAttachmentMediaType, MeshError, ValidationError, type AttachmentInput, type AttachmentMediaType } from '@mesh/core';
import type { AttachmentUpload } from '@mesh/store';
import { OutboundRefusedError, OutboundRequestError, type OutboundPolicy } from '@mesh/tools';
import { fromBuffer } from 'file-type';
import { readAttachmentFacts } from './attachment-metadata';
import type { UploadedFile } from './middleware/multipart-body';

export interface AttachmentLimits {
  maxFileBytes: number;
  maxTaskBytes: number;
  maxFiles: number;
}

export interface AttachmentIntakeDeps {
  policy: OutboundPolicy;
  limits: AttachmentLimits;
  signal?: AbortSignal;
}

/** What file-type calls each accepted type (by extension: its MIME names differ, e.g. audio/vnd.wave). */
const DETECTED_EXTENSION: Record<AttachmentMediaType, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
  'audio/wav': 'wav',
  'audio/mpeg': 'mp3',
};

const mib = (bytes: number) => (bytes % 1_048_576 === 0 ? `${bytes / 1_048_576} MiB` : `${bytes} bytes`);

/** An attachment's bytes with the type it claims, before they are checked. */
interface Candidate {
  path: string;
  name: string;
  declaredType: string | null;
  data: Buffer;
}

function tooLarge(candidate: { path: string; name: string }, limits: AttachmentLimits): MeshError {
  return new MeshError('payload_too_large', 413, `Attachment "${candidate.name}" exceeds the limit of ${mib(limits.maxFileBytes)} a file`, {
    details: [{ path: candidate.path, message: 'over the file limit' }],
  });
}

function taskTooLarge(path: string, limits: AttachmentLimits): MeshError {
  return new MeshError('payload_too_large', 413, `The task's attachments exceed the limit of ${mib(limits.maxTaskBytes)} together`, {
    details: [{ path, message: 'over the task limit' }],
  });
}

function unsupportedType(path: string, name: string, type: string): MeshError {
  return new MeshError('unsupported_media_type', 415, `Attachment "${name}": type ${type || '(none)'} is not taken; use one of ${ATTACHMENT_MEDIA_TYPES.join(', ')}`, {
    details: [{ path, message: `unsupported media type ${type || '(none)'}` }],
  });
}

/** The bytes behind a URL, fetched once through the outbound policy (no redirects, capped at the file limit). */
async function fetchUrl(input: AttachmentInput & { url: string }, path: string, deps: AttachmentIntakeDeps): Promise<Candidate> {
  const refused = (why: string) => new ValidationError(`Attachment "${input.name}": ${why}`, [{ path: `${path}.url`, message: why }]);
  let response;
  try {
    response = await deps.policy.request({
      url: input.url,
      method: 'GET',
      maxResponseBytes: deps.limits.maxFileBytes + 1,
      field: 'url',
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  } catch (err) {
    if (err instanceof OutboundRefusedError) throw refused(err.message);
    if (err instanceof OutboundRequestError) throw refused(`the url could not be fetched: ${err.message}`);
    throw err;
  }
  if (response.status >= 300 && response.status < 400) throw refused(`the url answered ${response.status} (a redirect): redirects are not followed, give the final URL`);
  if (response.status < 200 || response.status >= 300) throw refused(`the url answered ${response.status}`);
  if (response.truncated || response.body.length > deps.limits.maxFileBytes) throw tooLarge({ path: `${path}.url`, name: input.name }, deps.limits);
  const served = (response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return { path, name: input.name, declaredType: input.media_type ?? (isAttachmentMediaType(served) ? served : null), data: response.body };
}

/** The type the bytes show, checked against the declared one (when a URL declared none, what they show). */
async function checkedType(candidate: Candidate): Promise<AttachmentMediaType> {
  const detected = await fromBuffer(candidate.data);
  const declared = candidate.declaredType ?? ATTACHMENT_MEDIA_TYPES.find((type) => DETECTED_EXTENSION[type] === detected?.ext) ?? null;
  if (declared === null) throw unsupportedType(`${candidate.path}.media_type`, candidate.name, detected?.mime ?? 'unknown');
  if (!isAttachmentMediaType(declared)) throw unsupportedType(`${candidate.path}.media_type`, candidate.name, declared);
  if (detected?.ext !== DETECTED_EXTENSION[declared]) {
    const seen = detected ? `${detected.mime} (.${detected.ext})` : 'not a recognisable file type';
    throw new ValidationError(`Attachment "${candidate.name}": the bytes do not match the declared type ${declared}: they are ${seen}`, [
      { path: candidate.path, message: `bytes are not ${declared}` },
    ]);
  }
  return declared;
}

/**
 * Every attachment of a submit, checked before anything is stored: the count, each file's and
 * the task's bytes, names (valid, unique), the declared type among those taken and the bytes
 * matching it; URLs fetched once through the outbound policy. Throws the first 4xx it finds.
 */
export async function takeAttachments(given: { json: readonly AttachmentInput[]; uploads: readonly UploadedFile[] }, deps: AttachmentIntakeDeps): Promise<AttachmentUpload[]> {
  const { limits } = deps;
  const count = given.json.length + given.uploads.length;
  if (count > limits.maxFiles) {
    throw new ValidationError(`Too many files: a task takes at most ${limits.maxFiles} attachments (got ${count})`, [{ path: 'attachments', message: `at most ${limits.maxFiles}` }]);
  }
  if (given.json.length > 0 && given.uploads.length > 0) {
    throw new ValidationError('In a multipart submit the attachments are file parts: the "task" field takes no "attachments"', [{ path: 'task.attachments', message: 'not with file parts' }]);
  }
  const candidates: Candidate[] = [];
  let totalBytes = 0;
  const add = (candidate: Candidate) => {
    if (candidate.data.length > limits.maxFileBytes) throw tooLarge(candidate, limits);
    totalBytes += candidate.data.length;
    if (totalBytes > limits.maxTaskBytes) throw taskTooLarge(candidate.path, limits);
    candidates.push(candidate);
  };
  for (const [i, upload] of given.uploads.entries()) {
    const path = `attachments.${i}`;
    const name = AttachmentName.safeParse(upload.name);
    if (!name.success) throw new ValidationError(`Attachment ${i + 1}: invalid file name`, [{ path: `${path}.name`, message: name.error.issues[0]?.message ?? 'invalid' }]);
    add({ path, name: name.data, declaredType: upload.declaredType, data: upload.data });
  }
  for (const [i, input] of given.json.entries()) {
    const path = `attachments.${i}`;
    const { data_base64: base64, url } = input;
    if (base64 !== undefined) {
      // Checked upstream: the schema takes strict, padded base64 only (and media_type with it).
      if (Math.floor((base64.length / 4) * 3) - 2 > limits.maxFileBytes) throw tooLarge({ path, name: input.name }, limits);
      add({ path, name: input.name, declaredType: input.media_type ?? null, data: Buffer.from(base64, 'base64') });
    } else if (url !== undefined) {
      add(await fetchUrl({ ...input, url }, path, deps));
    }
  }
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.has(candidate.name)) throw new ValidationError(`Two attachments are named "${candidate.name}": names must be unique within a task`, [{ path: `${candidate.path}.name`, message: 'duplicate name' }]);
    seen.add(candidate.name);
  }
  const uploads: AttachmentUpload[] = [];
  for (const candidate of candidates) {
    if (candidate.data.length === 0) throw new ValidationError(`Attachment "${candidate.name}" is empty`, [{ path: candidate.path, message: 'no bytes' }]);
    const mediaType = await checkedType(candidate);
    const facts = readAttachmentFacts(mediaType, candidate.data);
    uploads.push({ name: candidate.name, mediaType, data: candidate.data, sha256: createHash('sha256').update(candidate.data).digest('hex'), ...facts });
  }
  return uploads;
}
