import type { ModelView } from '../../../../main/common/api/modelsContract.js';
import { api, streamEvents } from '../../app/connection.js';
import { addSample, remainingMs, type ProgressSample } from '../../app/eta.js';
import { toUiError, type UiError } from '../../app/errors.js';
import { tryStreamSlot } from '../../app/follow.js';
import type { AppSlice } from '../../app/store.js';

export interface DownloadProgress {
  received: number;
  total: number | null;
  bytesPerSecond: number;
  remainingMs: number | null;
}

export interface ModelsState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  list: ModelView[];
  error: UiError | null;
  /** Whether the core allows research-only weights (null: unknown, e.g. an older core). */
  researchMode: boolean | null;
  downloads: Record<string, DownloadProgress>;
  busy: Record<string, 'pull' | 'verify' | 'remove'>;
  /** Per model: the last action's error, in the core's words. */
  errors: Record<string, UiError>;
  /** Per model: the last action's outcome, when it is worth saying (e.g. "verified"). */
  notes: Record<string, string>;
}

export interface ModelsSlice {
  models: ModelsState;
  loadModels(): Promise<void>;
  pullModel(id: string): Promise<void>;
  verifyModel(id: string): Promise<void>;
  removeModel(id: string): Promise<void>;
}

const initial: ModelsState = {
  status: 'idle',
  list: [],
  error: null,
  researchMode: null,
  downloads: {},
  busy: {},
  errors: {},
  notes: {},
};

// Downloads this window is following, so a reload of the list does not follow one twice.
const following = new Set<string>();
const samples = new Map<string, ProgressSample[]>();

const without = <T>(rec: Record<string, T>, id: string): Record<string, T> => {
  const { [id]: _, ...rest } = rec;
  return rest;
};

export const modelsSlice: AppSlice<ModelsSlice> = (set, get) => {
  const patch = (p: Partial<ModelsState>) => set((s) => ({ models: { ...s.models, ...p } }));
  const m = () => get().models;
  const replace = (model: ModelView) => patch({ list: m().list.map((x) => (x.id === model.id ? model : x)) });
  const progress = (id: string, received: number, total: number | null, bytesPerSecond: number) => {
    let s = samples.get(id);
    if (!s) samples.set(id, (s = []));
    const now = Date.now();
    if (total) addSample(s, now, received / total);
    const left =
      total && bytesPerSecond > 0 ? ((total - received) / bytesPerSecond) * 1000 : total ? remainingMs(s, now) : null;
    patch({ downloads: { ...m().downloads, [id]: { received, total, bytesPerSecond, remainingMs: left } } });
  };

  /** Follows a running download until it ends: its event stream, or GET polling when no slot is free. */
  async function follow(id: string) {
    if (following.has(id)) return;
    following.add(id);
    try {
      const release = tryStreamSlot();
      if (release) {
        try {
          await streamEvents(
            'modelEvents',
            { id },
            (e) => {
              const data = JSON.parse(e.data) as Record<string, unknown>;
              if (e.event === 'progress') {
                const d = data as { received_bytes: number; total_bytes: number | null; bytes_per_second: number };
                progress(id, d.received_bytes, d.total_bytes, d.bytes_per_second);
              } else if (e.event === 'done') {
                replace(data as unknown as ModelView);
              } else if (e.event === 'error') {
                const err = data as { code: string; message: string };
                patch({
                  errors: {
                    ...m().errors,
                    [id]: { message: err.message, code: err.code, hint: downloadHint(err.code), requestId: null },
                  },
                });
              }
            },
            new AbortController().signal,
          );
        } finally {
          release();
        }
      } else {
        for (;;) {
          const model = await api().call('getModel', { params: { id } });
          replace(model);
          if (model.state !== 'downloading') break;
          if (model.progress) progress(id, model.progress.received_bytes, model.progress.total_bytes, 0);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    } catch (err) {
      patch({ errors: { ...m().errors, [id]: toUiError(err) } });
    } finally {
      following.delete(id);
      samples.delete(id);
      patch({ downloads: without(m().downloads, id), busy: without(m().busy, id) });
      try {
        replace(await api().call('getModel', { params: { id } }));
      } catch {
        // the list shows the last state known
      }
    }
  }

  async function act(id: string, kind: 'pull' | 'verify' | 'remove', run: () => Promise<ModelView>) {
    patch({ busy: { ...m().busy, [id]: kind }, errors: without(m().errors, id), notes: without(m().notes, id) });
    try {
      const model = await run();
      replace(model);
      if (kind === 'verify') patch({ notes: { ...m().notes, [id]: 'The file matches its checksum.' } });
      if (kind === 'pull' && model.state === 'downloading') {
        void follow(id);
        return; // follow() clears busy when the download ends
      }
    } catch (err) {
      // The core's refusal of research-only weights already says how to turn research mode on.
      patch({ errors: { ...m().errors, [id]: toUiError(err, { forbidden: '' }) } });
    }
    patch({ busy: without(m().busy, id) });
  }

  return {
    models: initial,

    async loadModels() {
      if (!m().list.length) patch({ status: 'loading' });
      try {
        const [list, settings] = await Promise.all([
          api().call('listModels', {}),
          api()
            .call('getSettings', {})
            .catch(() => null),
        ]);
        patch({
          status: 'ready',
          list: list.models,
          error: null,
          researchMode: settings ? settings.research_mode : null,
        });
        for (const model of list.models) if (model.state === 'downloading') void follow(model.id);
      } catch (err) {
        patch({ status: 'error', error: toUiError(err) });
      }
    },

    pullModel(id) {
      return act(id, 'pull', () => api().call('pullModel', { params: { id } }));
    },
    verifyModel(id) {
      return act(id, 'verify', () => api().call('verifyModel', { params: { id } }));
    },
    removeModel(id) {
      return act(id, 'remove', () => api().call('removeModel', { params: { id } }));
    },
  };
};

function downloadHint(code: string): string | null {
  if (code === 'unavailable')
    return 'Check the internet connection and try again: the download resumes where it stopped.';
  if (code === 'forbidden') return null; // the core's message says how to turn research mode on
  return null;
}
