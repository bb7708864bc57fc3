import type { JobView } from '../../../../main/common/api/jobsContract.js';
import { api, streamEvents } from '../../app/connection.js';
import { addSample, remainingMs, type ProgressSample } from '../../app/eta.js';
import { toUiError, type UiError } from '../../app/errors.js';
import { isFinal, tryStreamSlot } from '../../app/follow.js';
import type { AppSlice } from '../../app/store.js';
import { RECONSTRUCT_JOB_TYPE } from '../reconstruct/reconstructResult.js';

export type JobFilter = 'all' | JobView['status'];

export interface JobsState {
  filter: JobFilter;
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** Newest first, as the core lists them. */
  list: JobView[];
  error: UiError | null;
  /** Estimated milliseconds left per running job (null: not enough readings yet). */
  remaining: Record<string, number | null>;
  /** Jobs whose cancel request is in flight. */
  canceling: Record<string, true>;
  /** The last action that failed, and on which job. */
  actionError: { id: string; error: UiError } | null;
}

export interface JobsSlice {
  jobs: JobsState;
  loadJobs(): Promise<void>;
  setJobFilter(filter: JobFilter): void;
  cancelJob(id: string): Promise<void>;
  /** Merges one job's new state (from a stream, a poll or another workspace) into the list. */
  updateJob(job: JobView): void;
  /** Keeps the list live while the Jobs workspace is open; returns the function that stops it. */
  watchJobs(): () => void;
}

const initial: JobsState = {
  filter: 'all',
  status: 'idle',
  list: [],
  error: null,
  remaining: {},
  canceling: {},
  actionError: null,
};

/** Streams held by the Jobs list (the rest of a busy queue updates with the list refresh). */
const LIST_STREAMS = 2;
const REFRESH_MS = 2000;

// Progress readings per job, for the time-left estimate: not state anyone renders.
const samples = new Map<string, ProgressSample[]>();
let loadSeq = 0;

export const TYPE_LABELS: Record<string, string> = {
  [RECONSTRUCT_JOB_TYPE]: 'Reconstruction',
  'test.sleep': 'Test job (sleep)',
};

export function estimate(job: JobView, now = Date.now()): number | null {
  if (job.status !== 'running') return null;
  let s = samples.get(job.id);
  if (!s) samples.set(job.id, (s = []));
  addSample(s, now, job.progress);
  return remainingMs(s, now, job.started_at ? Date.parse(job.started_at) : null);
}

export const jobsSlice: AppSlice<JobsSlice> = (set, get) => {
  const patch = (p: Partial<JobsState>) => set((s) => ({ jobs: { ...s.jobs, ...p } }));

  return {
    jobs: initial,

    async loadJobs() {
      const seq = ++loadSeq;
      const { filter, list } = get().jobs;
      if (!list.length) patch({ status: 'loading' });
      try {
        const res = await api().call('listJobs', {
          query: { limit: 100, ...(filter !== 'all' && { status: filter }) },
        });
        if (seq !== loadSeq) return;
        const remaining: Record<string, number | null> = {};
        for (const job of res.jobs) remaining[job.id] = estimate(job);
        patch({ status: 'ready', list: res.jobs, error: null, remaining });
      } catch (err) {
        if (seq === loadSeq) patch({ status: 'error', error: toUiError(err) });
      }
    },

    setJobFilter(filter) {
      patch({ filter, list: [], status: 'loading' });
      void get().loadJobs();
    },

    async cancelJob(id) {
      patch({ canceling: { ...get().jobs.canceling, [id]: true }, actionError: null });
      try {
        get().updateJob(await api().call('cancelJob', { params: { id } }));
      } catch (err) {
        patch({ actionError: { id, error: toUiError(err) } });
        void get().loadJobs();
      } finally {
        const { [id]: _, ...rest } = get().jobs.canceling;
        patch({ canceling: rest });
      }
    },

    updateJob(job) {
      const { list, filter, remaining } = get().jobs;
      const i = list.findIndex((j) => j.id === job.id);
      const fits = filter === 'all' || filter === job.status;
      let next = list;
      if (i >= 0) next = list.map((j, k) => (k === i ? job : j));
      else if (fits) next = [job, ...list];
      if (isFinal(job)) samples.delete(job.id);
      patch({ list: next, remaining: { ...remaining, [job.id]: estimate(job) } });
    },

    watchJobs() {
      const stop = new AbortController();
      const streaming = new Map<string, () => void>();
      const follow = () => {
        const running = get().jobs.list.filter((j) => j.status === 'running' && !streaming.has(j.id));
        for (const job of running) {
          if (streaming.size >= LIST_STREAMS) break;
          const release = tryStreamSlot();
          if (!release) break;
          const done = () => {
            release();
            streaming.delete(job.id);
          };
          streaming.set(job.id, done);
          streamEvents('jobEvents', { id: job.id }, (e) => get().updateJob(JSON.parse(e.data) as JobView), stop.signal)
            .catch(() => {}) // the next refresh shows whatever happened
            .finally(done);
        }
      };
      void get().loadJobs().then(follow);
      const timer = setInterval(() => {
        void get().loadJobs().then(follow);
      }, REFRESH_MS);
      return () => {
        clearInterval(timer);
        stop.abort();
      };
    },
  };
};
