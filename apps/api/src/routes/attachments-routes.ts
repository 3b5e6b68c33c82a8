import { NotFoundError } from '@mesh/core';
import type { Response } from 'express';
import { z } from 'zod';
import { defineRoute, type RouteDefinition } from './route-definition';

export const AttachmentParams = z.strictObject({ network_id: z.uuid(), task_id: z.uuid(), attachment_id: z.uuid() });

/**
 * A file name safe in a Content-Disposition header (RFC 6266): an ASCII fallback without quotes
 * or backslashes, and the exact name in `filename*` (RFC 5987).
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Resolves when the response can take more, or is gone. */
function writable(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes the chunks with backpressure: one chunk in flight, the next read only when the socket drained. */
async function pipeChunks(res: Response, chunks: AsyncGenerator<Buffer>): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await writable(res);
    }
    res.end();
  } catch (err) {
    // Headers are gone: the only honest signal left is a cut connection.
    res.destroy(err as Error);
  }
}

export const attachmentRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/tasks/:task_id/attachments/:attachment_id',
    summary: "Download one of a task's attachments: its bytes, streamed, with its media type",
    tag: 'tasks',
    params: AttachmentParams,
    responses: {
      200: { description: "The attachment's bytes (Content-Type: its media type; Content-Disposition: attachment)", schema: z.string(), contentType: 'application/octet-stream' },
    },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      const meta = await deps.store.attachments.find(tenantId, params.network_id, params.task_id, params.attachment_id);
      if (!meta) throw new NotFoundError('Attachment', params.attachment_id);
      return {
        status: 200,
        headers: {
          'Content-Type': meta.media_type,
          'Content-Length': String(meta.size_bytes),
          'Content-Disposition': contentDisposition(meta.name),
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'private, no-store',
          ETag: `"${meta.sha256}"`,
        },
        respond: (res) => pipeChunks(res, deps.store.attachments.chunks(tenantId, meta.sha256, meta.size_bytes)),
      };
    },
  }),
];
