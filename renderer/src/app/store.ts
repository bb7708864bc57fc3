import { createStore, useStore } from 'zustand';
import type { StateCreator } from 'zustand';
import { ApiError } from '../../../main/common/api/client.js';
import { discoverToken, makeClient, setApi } from './connection.js';
import { depthSlice, type DepthSlice } from '../features/depth/depthSlice.js';
import { measureSlice, type MeasureSlice } from '../features/measure/measureSlice.js';
import { jobsSlice, type JobsSlice } from '../features/jobs/jobsSlice.js';
import { modelsSlice, type ModelsSlice } from '../features/models/modelsSlice.js';
import { keysSlice, type KeysSlice } from '../features/keys/keysSlice.js';
import { settingsSlice, type SettingsSlice } from '../features/settings/settingsSlice.js';
import { reconSlice, type ReconSlice } from '../features/reconstruct/reconstructSlice.js';
import { WORKSPACES, type WorkspaceId } from '../../../main/common/workspaces.js';

type Theme = 'light' | 'dark';
export interface NoticeAction {
  label: string;
  run(): void;
}
export type ThemeChoice = Theme | 'system';

export { WORKSPACES, type WorkspaceId } from '../../../main/common/workspaces.js';

interface ConnectionSlice {
  status: 'connecting' | 'connected' | 'no-token' | 'error';
  version: string | null;
  error: string | null;
  connect(): Promise<void>;
}

interface UiSlice {
  /** The theme shown: the choice, or the system's when the choice is `system`. */
  theme: Theme;
  themeChoice: ThemeChoice;
  toggleTheme(): void;
  setThemeChoice(choice: ThemeChoice): void;
  workspace: WorkspaceId;
  setWorkspace(id: WorkspaceId): void;
  /** A short message about the last dropped file that no workspace could take. */
  notice: string | null;
  /** A button beside the notice (e.g. "Show in folder" after a desktop save). */
  noticeAction: NoticeAction | null;
  setNotice(text: string | null, action?: NoticeAction): void;
  helpOpen: boolean;
  toggleHelp(open?: boolean): void;
}

export type AppState = ConnectionSlice &
  UiSlice &
  DepthSlice &
  MeasureSlice &
  JobsSlice &
  ModelsSlice &
  KeysSlice &
  SettingsSlice &
  ReconSlice;
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
      setApi(client, token);
      set({ status: 'connected', version: health.version });
      // For build/renderer-report.mjs: when the shell became usable, from navigation start.
      performance.mark('spatialforge:connected');
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

const THEME_KEY = 'spatialforge.theme';
const savedTheme = (): ThemeChoice => {
  const t = localStorage.getItem(THEME_KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
};
const themeOf = (choice: ThemeChoice): Theme => (choice === 'system' ? (prefersDark() ? 'dark' : 'light') : choice);

// The theme is this window's preference (localStorage), so it applies before the core answers.
const uiSlice: AppSlice<UiSlice> = (set, get) => ({
  theme: themeOf(savedTheme()),
  themeChoice: savedTheme(),
  toggleTheme() {
    get().setThemeChoice(get().theme === 'dark' ? 'light' : 'dark');
  },
  setThemeChoice(themeChoice) {
    if (themeChoice === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, themeChoice);
    set({ themeChoice, theme: themeOf(themeChoice) });
  },
  workspace: savedWorkspace(),
  setWorkspace(workspace) {
    sessionStorage.setItem('spatialforge.workspace', workspace);
    set({ workspace, notice: null, noticeAction: null });
  },
  notice: null,
  noticeAction: null,
  setNotice(notice, action) {
    set({ notice, noticeAction: action ?? null });
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
  ...jobsSlice(...a),
  ...modelsSlice(...a),
  ...keysSlice(...a),
  ...settingsSlice(...a),
  ...reconSlice(...a),
}));

// A system theme follows the OS while the app is open.
window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
  const s = appStore.getState();
  if (s.themeChoice === 'system') s.setThemeChoice('system');
});

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
