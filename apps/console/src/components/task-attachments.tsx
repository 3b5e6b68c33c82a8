import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { attachmentsApi } from '../api/attachments-api';
import { meshApi } from '../api/mesh-api';
import type { AttachmentMeta } from '@mesh/core';
import { attachmentExtent, formatBytes, isImageAttachment } from '../lib/attachments';
import { ErrorMessage } from './error-message';

const seg = encodeURIComponent;

/**
 * A task's attachments: name, type, size, pages or dimensions, a thumbnail for each image and a
 * download for each file. The bytes are fetched with the console's credentials (a plain `<img
 * src>` or link would not carry an API key), never as a URL that outlives the page.
 */
export function TaskAttachments({ networkId, taskId, attachments }: { networkId: string; taskId: string; attachments: readonly AttachmentMeta[] }) {
  if (attachments.length === 0) return null;
  return (
    <section className="panel" data-testid="task-attachments">
      <h2>Attachments ({attachments.length})</h2>
      <table className="table" aria-label="Attachments">
        <thead>
          <tr>
            <th>Preview</th>
            <th>Name</th>
            <th>Type</th>
            <th>Size</th>
            <th>Pages / dimensions</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {attachments.map((a) => (
            <tr key={a.attachment_id} data-testid="attachment" data-attachment-id={a.attachment_id} data-media-type={a.media_type}>
              <td>{isImageAttachment(a) ? <Thumbnail networkId={networkId} taskId={taskId} attachment={a} /> : <span className="muted small">–</span>}</td>
              <td data-testid="attachment-name">{a.name}</td>
              <td>
                <code>{a.media_type}</code>
              </td>
              <td data-testid="attachment-size" title={`${a.size_bytes} bytes`}>
                {formatBytes(a.size_bytes)}
              </td>
              <td data-testid="attachment-extent">{attachmentExtent(a) || '–'}</td>
              <td>
                <DownloadLink networkId={networkId} taskId={taskId} attachment={a} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * The image, fetched as a blob and shown as a data: URL: the console's Content-Security-Policy
 * lets images come from the page's origin and data: only, and a data: URL holds nothing to revoke.
 */
function Thumbnail({ networkId, taskId, attachment }: { networkId: string; taskId: string; attachment: AttachmentMeta }) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    setSrc(null);
    setFailed(false);
    attachmentsApi
      .fetchAttachment(networkId, taskId, attachment.attachment_id, controller.signal)
      .then(readAsDataUrl)
      .then(
        (url) => {
          if (!controller.signal.aborted) setSrc(url);
        },
        () => {
          if (!controller.signal.aborted) setFailed(true);
        },
      );
    return () => controller.abort();
  }, [networkId, taskId, attachment.attachment_id]);
  if (failed) return <span className="muted small">no preview</span>;
  if (!src) return <span className="muted small">loading…</span>;
  return <img className="attachment-thumbnail" src={src} alt={`Thumbnail of ${attachment.name}`} data-testid="attachment-thumbnail" />;
}

function readAsDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the image could not be read'));
    reader.readAsDataURL(blob);
  });
}

/** How long an object URL lives after its download started (the browser has read it by then). */
const DOWNLOAD_URL_TTL_MS = 60_000;

/**
 * A link to the attachment's route; a click fetches the bytes with the console's credentials and
 * saves them under the attachment's name through an object URL, revoked shortly after and when
 * the page changes.
 */
function DownloadLink({ networkId, taskId, attachment }: { networkId: string; taskId: string; attachment: AttachmentMeta }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const urls = useRef(new Set<string>());
  useEffect(() => {
    const live = urls.current;
    return () => {
      for (const url of live) URL.revokeObjectURL(url);
      live.clear();
    };
  }, []);
  const download = (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    attachmentsApi.fetchAttachment(networkId, taskId, attachment.attachment_id).then(
      (blob) => {
        const url = URL.createObjectURL(blob);
        urls.current.add(url);
        const anchor = document.createElement('a');
        anchor.href = url;
        anchor.download = attachment.name;
        anchor.click();
        setTimeout(() => {
          URL.revokeObjectURL(url);
          urls.current.delete(url);
        }, DOWNLOAD_URL_TTL_MS);
        setBusy(false);
      },
      (err: unknown) => {
        setError(err);
        setBusy(false);
      },
    );
  };
  return (
    <>
      <a
        href={meshApi.url(`/networks/${seg(networkId)}/tasks/${seg(taskId)}/attachments/${seg(attachment.attachment_id)}`)}
        download={attachment.name}
        onClick={download}
        aria-label={`Download ${attachment.name}`}
        aria-busy={busy}
        data-testid="attachment-download"
      >
        {busy ? 'Downloading…' : 'Download'}
      </a>
      <ErrorMessage error={error} />
    </>
  );
}
