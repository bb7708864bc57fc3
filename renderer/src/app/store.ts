import { createStore, useStore } from 'zustand';
import type { StateCreator } from 'zustand';
import { ApiError } from '../../../main/common/api/client.js';
import { discoverToken, makeClient, setApi } from './connection.js';
import { depthSlice, type DepthSlice } from '../features/depth/depthSlice.js';
import { measureSlice, type MeasureSlice } from '../features/measure/measureSlice.js';

type Theme = 'light' | 'dark';

export const WORKSPACES = [
  { id: 'depth', label: 'Depth', key: 'D', ready: true },
  { id: 'measure', label: 'Measure', key: 'M', ready: true },
  { id: 'poses', label: 'Poses', key: null, ready: false },
  { id: 'jobs', label: 'Jobs', key: null, ready: false },
  { id: 'models', label: 'Models', key: null, ready: false },
  { id: 'keys', label: 'Keys', key: null, ready: false },
  { id: 'settings', label: 'Settings', key: null, ready: false },
] as const;
export type WorkspaceId = (typeof WORKSPACES)[number]['id'];

interface ConnectionSlice {
  status: 'connecting' | 'connected' | 'no-token' | 'error';
  version: string | null;
  error: string | null;
  connect(): Promise<void>;
}

interface UiSlice {
  theme: Theme;
  toggleTheme(): void;
  workspace: WorkspaceId;
  setWorkspace(id: WorkspaceId): void;
  /** A short message about the last dropped file that no workspace could take. */
  notice: string | null;
  setNotice(text: string | null): void;
  helpOpen: boolean;
  toggleHelp(open?: boolean): void;
}

export type AppState = ConnectionSlice & UiSlice & DepthSlice & MeasureSlice;
export type AppSlice<T> = StateCreator<AppState, [], [], T>;

const connectionSlice: AppSlice<ConnectionSlice> = (set) => ({
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
      setApi(client);
      set({ status: 'connected', version: health.version });
    } catch (err) {
      const message = err instanceof ApiError ? err.body.error.message : (err as Error).message;
      set({ status: err instanceof ApiError && err.status === 401 ? 'no-token' : 'error', error: message });
    }
  },
});

const prefersDark = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
const savedWorkspace = (): WorkspaceId => {
  const w = sessionStorage.getItem('spatialforge.workspace');
  return WORKSPACES.some((x) => x.id === w) ? (w as WorkspaceId) : 'depth';
};

const uiSlice: AppSlice<UiSlice> = (set, get) => ({
  theme: (localStorage.getItem('spatialforge.theme') as Theme | null) ?? (prefersDark() ? 'dark' : 'light'),
  toggleTheme() {
    const theme = get().theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem('spatialforge.theme', theme);
    set({ theme });
  },
  workspace: savedWorkspace(),
  setWorkspace(workspace) {
    sessionStorage.setItem('spatialforge.workspace', workspace);
    set({ workspace, notice: null });
  },
  notice: null,
  setNotice(notice) {
    set({ notice });
  },
  helpOpen: false,
  toggleHelp(open) {
    set({ helpOpen: open ?? !get().helpOpen });
  },
});

/** One vanilla store built from slices; components read it through narrow selectors. */
export const appStore = createStore<AppState>()((...a) => ({
  ...connectionSlice(...a),
  ...uiSlice(...a),
  ...depthSlice(...a),
  ...measureSlice(...a),
}));

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
