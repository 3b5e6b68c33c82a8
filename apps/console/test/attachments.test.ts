import { ATTACHMENT_MEDIA_TYPES as CONTRACT_MEDIA_TYPES } from '@mesh/core';
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_MEDIA_TYPES, attachmentExtent, attachmentMediaType, checkPickedFile, formatBytes } from '../src/lib/attachments';

describe("the console's list of media types", () => {
  it("is the contract's (the console bundles no zod, so it repeats core's list)", () => {
    expect([...ATTACHMENT_MEDIA_TYPES]).toEqual([...CONTRACT_MEDIA_TYPES]);
  });
});

describe('formatBytes', () => {
  it('counts bytes, then binary kilo- and megabytes with one decimal below ten', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(10 * 1024 + 512)).toBe('11 KB');
    expect(formatBytes(ATTACHMENT_MAX_BYTES)).toBe('10 MB');
    expect(formatBytes(2.25 * 1024 * 1024)).toBe('2.3 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GB');
    expect(formatBytes(-1)).toBe('–');
    expect(formatBytes(Number.NaN)).toBe('–');
  });
});

describe('attachmentMediaType', () => {
  it("takes the browser's type when it is one of the seven, and other names of the same types", () => {
    for (const type of ATTACHMENT_MEDIA_TYPES) expect(attachmentMediaType('file', type)).toBe(type);
    expect(attachmentMediaType('photo.jpg', 'image/jpg')).toBe('image/jpeg');
    expect(attachmentMediaType('voice.wav', 'audio/x-wav')).toBe('audio/wav');
    expect(attachmentMediaType('song.mp3', 'audio/mp3')).toBe('audio/mpeg');
    expect(attachmentMediaType('chart.png', 'IMAGE/PNG')).toBe('image/png');
  });

  it('falls back on the extension only when the browser names no type or a generic one', () => {
    expect(attachmentMediaType('scan.PDF', '')).toBe('application/pdf');
    expect(attachmentMediaType('take.mp3', 'application/octet-stream')).toBe('audio/mpeg');
    expect(attachmentMediaType('photo.jpeg', '')).toBe('image/jpeg');
    expect(attachmentMediaType('notes', '')).toBeNull();
    expect(attachmentMediaType('notes.txt', '')).toBeNull();
    // A type the browser did name, and that is not allowed, is not overridden by the name.
    expect(attachmentMediaType('notes.png', 'text/plain')).toBeNull();
    expect(attachmentMediaType('clip.mp4', 'video/mp4')).toBeNull();
    expect(attachmentMediaType('vector.svg', 'image/svg+xml')).toBeNull();
  });
});

describe('checkPickedFile', () => {
  it('accepts one of the seven types up to the per-file limit, with the type to declare', () => {
    expect(checkPickedFile({ name: 'chart.png', type: 'image/png', size: 2048 })).toEqual({ ok: true, mediaType: 'image/png' });
    expect(checkPickedFile({ name: 'brief.pdf', type: '', size: ATTACHMENT_MAX_BYTES })).toEqual({ ok: true, mediaType: 'application/pdf' });
  });

  it('refuses another type, a file over the limit and an empty file, saying which file and why', () => {
    const wrongType = checkPickedFile({ name: 'notes.txt', type: 'text/plain', size: 10 });
    expect(wrongType).toEqual({ ok: false, problem: expect.stringContaining('notes.txt: text/plain cannot be attached') });
    expect(!wrongType.ok && wrongType.problem).toContain('PDF');
    expect(checkPickedFile({ name: 'big.png', type: 'image/png', size: ATTACHMENT_MAX_BYTES + 1 })).toEqual({ ok: false, problem: 'big.png is 10,485,761 bytes; a file may be at most 10,485,760 bytes' });
    expect(checkPickedFile({ name: 'huge.pdf', type: 'application/pdf', size: 12 * 1024 * 1024 })).toEqual({ ok: false, problem: 'huge.pdf is 12 MB; a file may be at most 10 MB' });
    expect(checkPickedFile({ name: 'empty.gif', type: 'image/gif', size: 0 })).toEqual({ ok: false, problem: 'empty.gif is empty' });
    // A limit of the caller's.
    expect(checkPickedFile({ name: 'a.png', type: 'image/png', size: 2048 }, 1024).ok).toBe(false);
  });
});

describe('describing an attachment', () => {
  const base = { pages: null, width: null, height: null, duration_ms: null };

  it('gives pages for a PDF, dimensions for an image, seconds for audio, nothing when none is known', () => {
    expect(attachmentExtent({ ...base, pages: 1 })).toBe('1 page');
    expect(attachmentExtent({ ...base, pages: 12 })).toBe('12 pages');
    expect(attachmentExtent({ ...base, width: 640, height: 480 })).toBe('640 × 480');
    expect(attachmentExtent({ ...base, duration_ms: 12_340 })).toBe('12.3 s');
    expect(attachmentExtent(base)).toBe('');
  });
});
