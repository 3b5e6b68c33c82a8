import { useId, useState, type ChangeEvent } from 'react';
import type { UploadFile } from '../api/attachments-api';
import { ATTACHMENT_ACCEPT, ATTACHMENT_MAX_BYTES, checkPickedFile, formatBytes } from '../lib/attachments';

/**
 * The submit form's files: picked (several at once, more with each pick), each listed with its
 * name, declared type and size; a file the API would refuse for its type or size is refused here
 * at once, with the reason, and not added.
 */
export function AttachmentPicker({ files, onChange, disabled }: { files: readonly UploadFile[]; onChange(files: UploadFile[]): void; disabled?: boolean }) {
  const [refused, setRefused] = useState<string[]>([]);
  const hintId = useId();
  const pick = (event: ChangeEvent<HTMLInputElement>) => {
    const picked = Array.from(event.target.files ?? []);
    // Cleared, so that picking the same file again (after removing it) is a change.
    event.target.value = '';
    const problems: string[] = [];
    const next = [...files];
    for (const file of picked) {
      const check = checkPickedFile(file);
      if (!check.ok) problems.push(check.problem);
      else if (next.some((f) => f.name === file.name)) problems.push(`${file.name} is attached already (names are unique within a task)`);
      else next.push({ file, name: file.name, mediaType: check.mediaType });
    }
    setRefused(problems);
    onChange(next);
  };
  return (
    <div className="attachment-picker" data-testid="attachment-picker">
      <label>
        Attachments <span className="muted">(optional)</span>
        <input type="file" name="attachments" multiple accept={ATTACHMENT_ACCEPT} onChange={pick} disabled={disabled} aria-describedby={hintId} />
      </label>
      <p className="muted small" id={hintId}>
        PNG, JPEG, WebP or GIF images, PDF, WAV or MP3 audio; up to {formatBytes(ATTACHMENT_MAX_BYTES)} a file.
      </p>
      {refused.length > 0 && (
        <div className="error" role="alert" data-testid="attachment-refused">
          Not attached:
          <ul>
            {refused.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      )}
      {files.length > 0 && (
        <p className="muted small" role="status" data-testid="picked-files-summary">
          {files.length} file{files.length === 1 ? '' : 's'} to attach, {formatBytes(files.reduce((sum, f) => sum + f.file.size, 0))} in all
        </p>
      )}
      {files.length > 0 && (
        <table className="table" data-testid="picked-files" aria-label="Files to attach">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Size</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.name} data-testid="picked-file">
                <td>{f.name}</td>
                <td>
                  <code>{f.mediaType}</code>
                </td>
                <td>{formatBytes(f.file.size)}</td>
                <td>
                  <button type="button" className="secondary" aria-label={`Remove ${f.name}`} disabled={disabled} onClick={() => onChange(files.filter((other) => other.name !== f.name))}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
