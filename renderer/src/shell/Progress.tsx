import { percent } from '../app/format.js';

/**
 * A progress bar with its label; `value` null draws an indeterminate bar. The bar keeps its height
 * whatever it shows, so rows do not jump as jobs start and end.
 */
export function ProgressBar({
  value,
  label,
  testId,
  tone = 'active',
}: {
  value: number | null;
  label: string;
  testId?: string;
  /** `done` draws the bar green, `stopped` grey (canceled, failed). */
  tone?: 'active' | 'done' | 'stopped';
}) {
  return (
    <div className="progress" data-testid={testId}>
      <div
        className={`progress-track tone-${tone}${value === null ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value === null ? undefined : Math.round(value * 100)}
        aria-valuetext={value === null ? 'working' : percent(value)}
      >
        <div className="progress-fill" style={value === null ? undefined : { width: `${Math.min(1, value) * 100}%` }} />
      </div>
    </div>
  );
}
