import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

/** Loading, empty and error states: every view that waits on the API uses these. */

export function Loading({ label = 'Loading…' }: { label?: string }): ReactNode {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }): ReactNode {
  return <div className="state state-empty">{children}</div>;
}

/** An error with its code, and what a person can do about it when we know. */
export function ErrorBox({
  error,
  title = 'Could not load this',
  onRetry,
}: {
  error: Error;
  title?: string;
  onRetry?: () => void;
}): ReactNode {
  const api = error instanceof ApiError ? error : undefined;
  let hint: string | undefined;
  if (api?.needsApiKey) hint = 'This server needs an API key: enter one with the key button at the top.';
  else if (api?.status === 404 && api.code === 'VTG_HTTP_NOT_FOUND')
    hint = 'This server does not offer this yet (an older Vantage, or the feature is switched off).';
  else if (!api) hint = 'The query API did not answer: is Vantage running?';
  return (
    <div className="state state-error" role="alert">
      <strong>{title}</strong>
      <p>
        {api ? <code className="error-code">{api.code}</code> : null} {error.message}
      </p>
      {hint ? <p className="muted">{hint}</p> : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
