import { useEffect, type MouseEvent } from 'react';
import { AppCommandSchema, type AppCommand } from '../../../main/common/ipc.js';
import { appStore } from '../app/store.js';
import { formatBytes } from '../app/format.js';
import { openPicker } from './openFile.js';

/** The desktop bridge, when this page runs in the Electron window (absent in a browser). */
const bridge = () => window.spatialforge;

/**
 * Acts on the application menu's choices and on `spatialforge://` links, which the desktop main
 * process sends as commands. Each is parsed before use: the channel is trusted, its data is not.
 */
export function useDesktopCommands(): void {
  useEffect(() => {
    const b = bridge();
    if (!b) return;
    return b.onCommand((raw) => {
      const parsed = AppCommandSchema.safeParse(raw);
      if (parsed.success) runCommand(parsed.data);
    });
  }, []);
}

export function runCommand(command: AppCommand): void {
  const s = appStore.getState();
  switch (command.type) {
    case 'workspace':
      return s.setWorkspace(command.id);
    case 'open-files':
      return openPicker();
    case 'toggle-theme':
      return s.toggleTheme();
    case 'show-shortcuts':
      return s.toggleHelp(true);
    case 'deep-link':
      if (command.link.action === 'open') return s.setWorkspace(command.link.workspace);
      // Licences are not sold in this version yet: say so rather than drop the link silently.
      return s.setNotice('This link activates a licence; licence activation is not available in this version yet.');
  }
}

/**
 * Click handler for an export link. In a browser the link downloads as usual; in the desktop app
 * it asks main to save the file through the native save dialog and then offers "Show in folder".
 */
export function saveExport(event: MouseEvent<HTMLAnchorElement>, url: string, filename: string): void {
  const b = bridge();
  if (!b) return;
  event.preventDefault();
  const s = appStore.getState();
  void b.saveArtifact(url, filename).then(
    (result) => {
      if (!result.ok) return s.setNotice(`Could not save ${filename}: ${result.error.message}`);
      const { saved, path, bytes } = result.value;
      if (!saved || !path) return;
      s.setNotice(`Saved ${formatBytes(bytes)} to ${path}.`, {
        label: 'Show in folder',
        run: () => void b.revealInFolder(path),
      });
    },
    (err: Error) => s.setNotice(`Could not save ${filename}: ${err.message}`),
  );
}
