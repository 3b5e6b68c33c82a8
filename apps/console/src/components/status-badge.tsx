/** A status as a coloured pill; the colour comes from `.status-<name>` in styles.css. */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`status status-${status}`} data-testid={testId} data-status={status}>
      {status.replaceAll('_', ' ')}
    </span>
  );
}
