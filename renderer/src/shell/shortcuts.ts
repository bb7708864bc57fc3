import { useEffect } from 'react';
import { appStore, WORKSPACES } from '../app/store.js';
import { openPicker } from './openFile.js';

export const SHORTCUTS: readonly [string, string][] = [
  ...WORKSPACES.map((w): [string, string] => [w.key, `${w.label} workspace`]),
  ['O', 'Open a photo, photos or a video'],
  ['V', 'Depth: side by side ⇄ slider'],
  ['R', 'Depth, Poses & 3-D: reset the 3-D view'],
  ['Enter', 'Poses & 3-D: start'],
  ['X', 'Poses & 3-D: cancel the run'],
  ['U', 'Jobs, Models, API keys: refresh the list'],
  ['Esc', 'Cancel the clicks in progress; close this list'],
  ['Delete', 'Measure: remove the last measurement'],
  ['?', 'Show these shortcuts'],
];

const typing = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));

/** Window-wide single-key shortcuts, ignored while typing in a field or with a modifier held. */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const s = appStore.getState();
      if (e.key === 'Escape') {
        s.cancelPending();
        s.toggleHelp(false);
        return;
      }
      if (typing(e.target) || s.status !== 'connected') return;
      const key = e.key.toLowerCase();
      const ws = WORKSPACES.find((w) => w.key.toLowerCase() === key);
      if (ws) s.setWorkspace(ws.id);
      else if (key === 'o') openPicker();
      else if (key === '?') s.toggleHelp();
      else if (key === 'r' && s.workspace === 'depth') s.resetCloudView();
      else if (key === 'r' && s.workspace === 'poses') s.resetSceneView();
      else if (key === 'v' && s.workspace === 'depth') s.setDepthView(s.depth.view === 'side' ? 'slider' : 'side');
      else if (key === 'enter' && s.workspace === 'poses' && !(e.target instanceof HTMLButtonElement)) {
        void s.startRecon();
      } else if (key === 'x' && s.workspace === 'poses') void s.cancelRecon();
      else if (key === 'u' && s.workspace === 'jobs') void s.loadJobs();
      else if (key === 'u' && s.workspace === 'models') void s.loadModels();
      else if (key === 'u' && s.workspace === 'keys') void s.loadKeys();
      else if ((key === 'delete' || key === 'backspace') && s.workspace === 'measure') {
        const last = s.measure.items.at(-1);
        if (last) s.removeMeasurement(last.id);
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
