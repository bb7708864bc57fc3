import type { ExecutionProvider, SettingsView } from '../../../../main/common/api/settingsContract.js';
import { api } from '../../app/connection.js';
import { toUiError, type UiError } from '../../app/errors.js';
import type { AppSlice } from '../../app/store.js';

export interface SettingsState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  value: SettingsView | null;
  error: UiError | null;
  /** The form, as edited (threads as typed). */
  draft: { execution_provider: ExecutionProvider; threads: string };
  saving: boolean;
  saveError: UiError | null;
  /** Set after a successful save, until the form changes again. */
  saved: boolean;
}

export interface SettingsSlice {
  settings: SettingsState;
  loadSettings(): Promise<void>;
  setSettingsDraft(p: Partial<SettingsState['draft']>): void;
  saveSettings(): Promise<void>;
}

const initial: SettingsState = {
  status: 'idle',
  value: null,
  error: null,
  draft: { execution_provider: 'cpu', threads: '0' },
  saving: false,
  saveError: null,
  saved: false,
};

const draftOf = (v: SettingsView): SettingsState['draft'] => ({
  execution_provider: v.execution_provider,
  threads: String(v.threads),
});

export const settingsSlice: AppSlice<SettingsSlice> = (set, get) => {
  const patch = (p: Partial<SettingsState>) => set((s) => ({ settings: { ...s.settings, ...p } }));

  return {
    settings: initial,

    async loadSettings() {
      if (!get().settings.value) patch({ status: 'loading' });
      try {
        const value = await api().call('getSettings', {});
        patch({ status: 'ready', value, error: null, draft: draftOf(value) });
      } catch (err) {
        patch({ status: 'error', error: toUiError(err) });
      }
    },

    setSettingsDraft(p) {
      patch({ draft: { ...get().settings.draft, ...p }, saved: false, saveError: null });
    },

    async saveSettings() {
      const { draft, value } = get().settings;
      const threads = Number(draft.threads.trim() === '' ? 'x' : draft.threads);
      if (!Number.isInteger(threads) || threads < 0) {
        patch({
          saveError: {
            message: `“${draft.threads}” is not a number of threads.`,
            hint: 'Type a whole number: 0 lets SpatialForge use one thread per CPU core.',
            code: null,
            requestId: null,
          },
        });
        return;
      }
      const body: { execution_provider?: ExecutionProvider; threads?: number } = {};
      // A damaged file is replaced whole, even when the form shows the defaults unchanged.
      const all = !!value?.problem;
      if (all || draft.execution_provider !== value?.execution_provider)
        body.execution_provider = draft.execution_provider;
      if (all || threads !== value?.threads) body.threads = threads;
      if (!Object.keys(body).length) return patch({ saved: true });
      patch({ saving: true, saveError: null, saved: false });
      try {
        const next = await api().call('updateSettings', { body });
        patch({ saving: false, value: next, draft: draftOf(next), saved: true });
      } catch (err) {
        patch({ saving: false, saveError: toUiError(err) });
      }
    },
  };
};
