import { createStore, useStore } from 'zustand';
import type { StateCreator } from 'zustand';
import { ApiError } from '../../../main/common/api/client.js';
import { discoverToken, makeClient } from './connection.js';

type Theme = 'light' | 'dark';

interface ConnectionSlice {
  status: 'connecting' | 'connected' | 'no-token' | 'error';
  version: string | null;
  error: string | null;
  connect(): Promise<void>;
}

interface UiSlice {
  theme: Theme;
  toggleTheme(): void;
}

export type AppState = ConnectionSlice & UiSlice;

const connectionSlice: StateCreator<AppState, [], [], ConnectionSlice> = (set) => ({
  status: 'connecting',
  version: null,
  error: null,
  async connect() {
    set({ status: 'connecting', error: null });
    try {
      const token = await discoverToken();
      if (!token) return set({ status: 'no-token' });
      const client = makeClient(token);
      await client.call('me', {});
      const health = await client.call('health', {});
      set({ status: 'connected', version: health.version });
    } catch (err) {
      const message = err instanceof ApiError ? err.body.error.message : (err as Error).message;
      set({ status: err instanceof ApiError && err.status === 401 ? 'no-token' : 'error', error: message });
    }
  },
});

const prefersDark = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;

const uiSlice: StateCreator<AppState, [], [], UiSlice> = (set, get) => ({
  theme: (localStorage.getItem('spatialforge.theme') as Theme | null) ?? (prefersDark() ? 'dark' : 'light'),
  toggleTheme() {
    const theme = get().theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem('spatialforge.theme', theme);
    set({ theme });
  },
});

/** One vanilla store built from slices; components read it through narrow selectors. */
export const appStore = createStore<AppState>()((...a) => ({ ...connectionSlice(...a), ...uiSlice(...a) }));

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
