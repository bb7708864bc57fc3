import { useEffect } from 'react';
import { appStore } from '../app/store.js';
import { openPicker } from './openFile.js';

export const SHORTCUTS: readonly [string, string][] = [
  ['D', 'Depth workspace'],
  ['M', 'Measure workspace'],
  ['O', 'Open a photo'],
  ['V', 'Depth: side by side ⇄ slider'],
  ['R', 'Depth: reset the 3-D view'],
  ['Esc', 'Cancel the clicks in progress'],
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
      if (key === 'd') s.setWorkspace('depth');
      else if (key === 'm') s.setWorkspace('measure');
      else if (key === 'o') openPicker();
      else if (key === '?') s.toggleHelp();
      else if (key === 'r' && s.workspace === 'depth') s.resetCloudView();
      else if (key === 'v' && s.workspace === 'depth') s.setDepthView(s.depth.view === 'side' ? 'slider' : 'side');
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
