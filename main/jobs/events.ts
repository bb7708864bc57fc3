import type { JobId } from '../common/ids.js';
import type { JobRow } from '../db/repos/jobs.js';

/**
 * What happens to a job, as the SSE stream tells it: `progress` (stage, fraction, message, and
 * state changes such as queued → running or a retry), then one final `done`, `failed` or `canceled`.
 */
export type JobEvent =
  | { type: 'progress'; job: JobRow }
  | { type: 'done'; job: JobRow }
  | { type: 'failed'; job: JobRow }
  | { type: 'canceled'; job: JobRow };

export type JobEventListener = (event: JobEvent) => void;

/** The in-process bus between the queue and the SSE streams: listeners per job id. */
export class JobEventBus {
  readonly #listeners = new Map<JobId, Set<JobEventListener>>();

  subscribe(id: JobId, listener: JobEventListener): () => void {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.#listeners.delete(id);
    };
  }

  emit(event: JobEvent): void {
    const set = this.#listeners.get(event.job.id);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch {
        // a broken stream must not break the job
      }
    }
  }

  listenerCount(id: JobId): number {
    return this.#listeners.get(id)?.size ?? 0;
  }
}

/** The event that ends a job in `status`, or null while it has not ended. */
export function finalEventType(status: JobRow['status']): 'done' | 'failed' | 'canceled' | null {
  return status === 'succeeded' ? 'done' : status === 'failed' ? 'failed' : status === 'canceled' ? 'canceled' : null;
}
