import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { TaskFileInput } from '@mesh/client';
import { UsageError } from './cli-errors';

/** The media type of each file extension `--attach` takes (the API checks the bytes match it). */
export const ATTACH_MEDIA_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.pdf': 'application/pdf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
};

/** `--attach FILE`, repeated: each file read, named after its base name, typed by its extension; a clear usage error otherwise. */
export function readAttachFiles(paths: readonly string[], usage: string): TaskFileInput[] {
  const names = new Set<string>();
  return paths.map((path) => {
    const name = basename(path);
    const mediaType = ATTACH_MEDIA_TYPES[extname(name).toLowerCase()];
    if (!mediaType) {
      throw new UsageError(`--attach ${path}: the extension says no type the API takes; use one of ${Object.keys(ATTACH_MEDIA_TYPES).join(' ')}`, usage);
    }
    if (names.has(name)) throw new UsageError(`--attach: two files are named ${name} (attachment names must be unique within a task)`, usage);
    names.add(name);
    let data: Buffer;
    try {
      if (!statSync(path).isFile()) throw new Error('not a file');
      data = readFileSync(path);
    } catch (err) {
      throw new UsageError(`--attach ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, usage);
    }
    return { name, media_type: mediaType, data };
  });
}
