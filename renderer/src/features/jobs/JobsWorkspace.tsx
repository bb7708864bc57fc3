import { useEffect } from 'react';
import type { JobView } from '../../../../main/common/api/jobsContract.js';
import { formatRemaining } from '../../app/eta.js';
import { formatDuration, formatTime, percent } from '../../app/format.js';
import { appStore, useApp } from '../../app/store.js';
import { EmptyState, ErrorPanel } from '../../shell/ErrorPanel.js';
import { ProgressBar } from '../../shell/Progress.js';
import { RECONSTRUCT_JOB_TYPE, RECONSTRUCT_STAGES } from '../reconstruct/reconstructResult.js';
import { TYPE_LABELS, type JobFilter } from './jobsSlice.js';

const FILTERS: [JobFilter, string][] = [
  ['all', 'All'],
  ['running', 'Running'],
  ['queued', 'Queued'],
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['canceled', 'Canceled'],
];

const STAGE_LABELS: Record<string, string> = Object.fromEntries(RECONSTRUCT_STAGES.map(([id, label]) => [id, label]));

function JobRow({ job }: { job: JobView }) {
  const remaining = useApp((s) => s.jobs.remaining[job.id] ?? null);
  const canceling = useApp((s) => !!s.jobs.canceling[job.id]);
  const actionError = useApp((s) => (s.jobs.actionError?.id === job.id ? s.jobs.actionError.error : null));
  const active = job.status === 'queued' || job.status === 'running';
  const stage = job.stage ? (STAGE_LABELS[job.stage] ?? job.stage) : null;
  let detail = '';
  if (job.status === 'running') detail = [stage, job.message].filter(Boolean).join(' · ');
  else if (job.status === 'queued')
    detail =
      job.next_run_at && Date.parse(job.next_run_at) > Date.now()
        ? `Waiting to retry (attempt ${job.attempts + 1} of ${job.max_attempts}) at ${formatTime(job.next_run_at)}`
        : 'Waiting for a free worker';
  else if (job.status === 'failed') detail = job.error?.message ?? 'Failed';
  else if (job.status === 'canceled') detail = stage ? `Canceled during ${stage.toLowerCase()}` : 'Canceled';
  else detail = `Finished ${formatTime(job.finished_at)}`;

  return (
    <li className="job-row" data-testid="job-row" data-job-id={job.id} data-status={job.status}>
      <div className="job-main">
        <div className="job-title">
          <strong>{TYPE_LABELS[job.type] ?? job.type}</strong>
          <span className={`pill ${job.status}`} data-testid="job-status">
            {job.cancel_requested && job.status === 'running' ? 'canceling' : job.status}
          </span>
          <code className="muted small">{job.id}</code>
        </div>
        <p className={job.status === 'failed' ? 'error job-detail' : 'muted job-detail'} data-testid="job-detail">
          {detail}
        </p>
        {job.status === 'failed' && job.error?.code && <p className="muted small">Code {job.error.code}</p>}
        {actionError && (
          <p className="error small" role="alert">
            {actionError.message} {actionError.hint}
          </p>
        )}
      </div>
      <div className="job-progress">
        <ProgressBar
          value={job.status === 'queued' ? 0 : job.status === 'succeeded' ? 1 : job.progress}
          label={`Progress of ${job.id}`}
          testId="job-progress"
          tone={job.status === 'succeeded' ? 'done' : active ? 'active' : 'stopped'}
        />
        <span className="small job-numbers" data-testid="job-percent">
          {percent(job.progress)}
          {job.status === 'running' && remaining !== null && ` · ${formatRemaining(remaining)}`}
        </span>
      </div>
      <div className="job-actions">
        {active ? (
          <button
            type="button"
            data-testid="job-cancel"
            disabled={canceling || job.cancel_requested}
            onClick={() => void appStore.getState().cancelJob(job.id)}
          >
            {canceling || job.cancel_requested ? 'Canceling…' : 'Cancel'}
          </button>
        ) : job.status === 'succeeded' && job.type === RECONSTRUCT_JOB_TYPE ? (
          <button
            type="button"
            data-testid="job-view"
            onClick={() => {
              appStore.getState().setWorkspace('poses');
              void appStore.getState().viewReconJob(job);
            }}
          >
            View in 3-D
          </button>
        ) : (
          <span className="muted small">
            {job.started_at && job.finished_at
              ? `Ran ${formatDuration(Date.parse(job.finished_at) - Date.parse(job.started_at))}`
              : 'Never started'}
          </span>
        )}
      </div>
    </li>
  );
}

export function JobsWorkspace() {
  const j = useApp((s) => s.jobs);
  useEffect(() => appStore.getState().watchJobs(), []);
  const s = appStore.getState();

  return (
    <section className="workspace" aria-labelledby="jobs-title">
      <header className="ws-head">
        <h2 id="jobs-title">Jobs</h2>
        <div className="toolbar">
          <div className="segmented" role="group" aria-label="Show jobs">
            {FILTERS.map(([id, label]) => (
              <button
                key={id}
                type="button"
                aria-pressed={j.filter === id}
                data-testid={`job-filter-${id}`}
                onClick={() => s.setJobFilter(id)}
              >
                {label}
              </button>
            ))}
          </div>
          <button type="button" onClick={() => void s.loadJobs()}>
            Refresh <kbd>U</kbd>
          </button>
        </div>
      </header>
      <p className="muted small ws-intro">
        Long work — reconstructions from video — runs as jobs on the core, so it goes on while this window is closed.
        Jobs and their results are kept for a day after they end.
      </p>
      {j.error && <ErrorPanel title="Could not list the jobs" error={j.error} />}
      {j.status === 'loading' && !j.list.length && (
        <ul className="job-list" aria-busy="true">
          {[0, 1, 2].map((i) => (
            <li key={i} className="job-row skeleton" />
          ))}
        </ul>
      )}
      {j.status === 'ready' && !j.list.length && (
        <EmptyState title={j.filter === 'all' ? 'No jobs yet' : `No ${j.filter} jobs`}>
          <p>
            Start a reconstruction in{' '}
            <button type="button" className="link-button" onClick={() => s.setWorkspace('poses')}>
              Poses &amp; 3-D
            </button>{' '}
            (<kbd>P</kbd>): it shows up here with its progress. Scripts can start jobs through the local API too.
          </p>
        </EmptyState>
      )}
      {j.list.length > 0 && (
        <ul className="job-list" data-testid="job-list">
          {j.list.map((job) => (
            <JobRow key={job.id} job={job} />
          ))}
        </ul>
      )}
    </section>
  );
}
