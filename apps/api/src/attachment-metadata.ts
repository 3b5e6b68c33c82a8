import type { AttachmentMediaType } from '@mesh/core';

/** What is cheap to read from a file's own header: dimensions of an image, pages of a PDF, duration of a WAV. */
export interface AttachmentFacts {
  width: number | null;
  height: number | null;
  pages: number | null;
  durationMs: number | null;
}

const NONE: AttachmentFacts = { width: null, height: null, pages: null, durationMs: null };

type Size = { width: number; height: number } | null;

function pngSize(b: Buffer): Size {
  // Signature (8), IHDR length and type (8), then width and height, big-endian.
  if (b.length < 24 || b.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function gifSize(b: Buffer): Size {
  return b.length < 10 ? null : { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
}

function webpSize(b: Buffer): Size {
  if (b.length < 30) return null;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  return null;
}

/** The first start-of-frame marker's dimensions (SOF0–SOF15 but DHT, JPG and DAC). */
function jpegSize(b: Buffer): Size {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(at + 5), width: b.readUInt16BE(at + 7) };
    }
    at += 2 + b.readUInt16BE(at + 2);
  }
  return null;
}

/**
 * Page objects counted in the file (`/Type /Page`, not `/Pages`): right for ordinary PDFs, and
 * null when none is visible (pages inside compressed object streams) rather than a guess.
 */
function pdfPages(b: Buffer): number | null {
  const count = b.toString('latin1').match(/\/Type\s*\/Page(?![A-Za-z0-9])/g)?.length ?? 0;
  return count > 0 ? count : null;
}

/** Duration from the `fmt ` chunk's byte rate and the `data` chunk's size. */
function wavDurationMs(b: Buffer): number | null {
  let byteRate = 0;
  for (let at = 12; at + 8 <= b.length; ) {
    const id = b.toString('latin1', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 16 <= b.length) byteRate = b.readUInt32LE(at + 16);
    if (id === 'data') return byteRate > 0 ? Math.round((Math.min(size, b.length - at - 8) / byteRate) * 1000) : null;
    at += 8 + size + (size % 2);
  }
  return null;
}

/** Best effort: a header it cannot read gives nulls, never an error. */
export function readAttachmentFacts(mediaType: AttachmentMediaType, data: Buffer): AttachmentFacts {
  try {
    switch (mediaType) {
      case 'image/png':
        return { ...NONE, ...pngSize(data) };
      case 'image/gif':
        return { ...NONE, ...gifSize(data) };
      case 'image/webp':
        return { ...NONE, ...webpSize(data) };
      case 'image/jpeg':
        return { ...NONE, ...jpegSize(data) };
      case 'application/pdf':
        return { ...NONE, pages: pdfPages(data) };
      case 'audio/wav':
        return { ...NONE, durationMs: wavDurationMs(data) };
      case 'audio/mpeg':
        return NONE;
      default: {
        const unknown: never = mediaType;
        throw new Error(`no facts reader for ${String(unknown)}`);
      }
    }
  } catch (err) {
    if (err instanceof RangeError) return NONE;
    throw err;
  }
}
