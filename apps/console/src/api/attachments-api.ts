import { ConnectionError, errorFromResponse, isAbortError, MeshApiError, type SubmitTaskInput } from '@mesh/client';
import type { Task } from '@mesh/core';
import { meshApi } from './mesh-api';

const seg = encodeURIComponent;

/** A file picked in the submit form, with the media type the console declares for it. */
export interface UploadFile {
  file: Blob;
  name: string;
  mediaType: string;
}

/**
 * Uploads and downloads of a task's attachments, by the console's client's URLs and with the
 * credentials every other call carries (the page's own: `credentials: 'same-origin'`). The JSON
 * calls go through MeshClient.request; these two carry bytes, so they call fetch themselves.
 */
export const attachmentsApi = {
  /**
   * Submits and starts a task with files: `multipart/form-data`, the task's JSON in the `task`
   * field and one part per file (its file name the attachment's name, its content type the
   * declared media type). The API's 4xx come back as MeshApiError, as from any other call.
   */
  async submitTaskWithFiles(networkId: string, input: SubmitTaskInput, files: readonly UploadFile[]): Promise<Task> {
    const form = new FormData();
    form.append('task', JSON.stringify({ ...input, process: true }));
    // A Blob of the declared type: the part's content type is ours, not the browser's guess.
    for (const f of files) form.append('attachments', new Blob([f.file], { type: f.mediaType }), f.name);
    const res = await send(meshApi.url(`/networks/${seg(networkId)}/tasks`), { method: 'POST', headers: { accept: 'application/json' }, body: form });
    if (!res.ok) throw await errorFromResponse(res);
    const text = await res.text();
    try {
      return JSON.parse(text) as Task;
    } catch {
      throw new MeshApiError(`The API answered with something that is not JSON: ${text.slice(0, 200)}`, res.status, 'bad_response');
    }
  },

  /** An attachment's bytes, typed as the API says (for a thumbnail or a download). */
  async fetchAttachment(networkId: string, taskId: string, attachmentId: string, signal?: AbortSignal): Promise<Blob> {
    const url = meshApi.url(`/networks/${seg(networkId)}/tasks/${seg(taskId)}/attachments/${seg(attachmentId)}`);
    const res = await send(url, { method: 'GET', headers: { accept: '*/*' }, ...(signal ? { signal } : {}) });
    if (!res.ok) throw await errorFromResponse(res);
    return res.blob();
  },
};

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, credentials: 'same-origin' });
  } catch (err) {
    if (isAbortError(err)) throw err;
    throw new ConnectionError(meshApi.baseUrl, err);
  }
}
