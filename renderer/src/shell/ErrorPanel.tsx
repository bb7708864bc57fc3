import type { UiError } from '../app/errors.js';

/** An API error in the user's terms: the core's message, what to do, and the request id for a report. */
export function ErrorPanel({ error, title }: { error: UiError; title: string }) {
  return (
    <div className="error-panel" role="alert" data-testid="error-panel" data-code={error.code ?? ''}>
      <strong>{title}</strong>
      <p className="error" data-testid="error-message">
        {error.message}
      </p>
      {error.hint && <p>{error.hint}</p>}
      {error.requestId && <p className="muted small">Request {error.requestId}</p>}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="empty-state" data-testid="empty-state">
      <h3>{title}</h3>
      {children}
    </div>
  );
}
