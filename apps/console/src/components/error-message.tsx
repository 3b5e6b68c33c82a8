import { ConnectionError, MeshApiError } from '@mesh/client';
import { paths } from '../lib/router';
import { Link } from './link';

export function errorText(error: unknown): string {
  if (error instanceof MeshApiError) return describeApiError(error);
  if (error instanceof ConnectionError) return `The API is not reachable: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The message plus validation details, one per line. */
function describeApiError(error: MeshApiError): string {
  if (!Array.isArray(error.details)) return error.message;
  const lines = (error.details as { path?: unknown; message?: unknown }[]).map((d) => `${String(d.path ?? '')}: ${String(d.message ?? '')}`);
  return [error.message, ...lines].join('\n');
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <div className="error" role="alert">
      {errorText(error)}
      {error instanceof MeshApiError && error.code === 'budget_exhausted' && <BudgetsLink />}
    </div>
  );
}

/** Where a used-up budget can be seen (after an error that names one). */
export function BudgetsLink() {
  return (
    <>
      {' '}
      <Link href={paths.usage()} data-testid="budgets-link">
        See the budgets on the Usage page
      </Link>
      .
    </>
  );
}
