import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../common/ipc.js';
import { WORKSPACES } from '../common/workspaces.js';

export interface MenuDeps {
  /** `process.platform === 'darwin'`: the app menu and window roles differ on macOS. */
  isMac: boolean;
  appName: string;
  /** Sends a command to the window's renderer (the same actions as its keyboard shortcuts). */
  send: (command: AppCommand) => void;
  /** Opens the core's API documentation (`/docs`) in the user's browser. */
  openDocs: () => void;
}

/**
 * The application menu. Every app action goes to the renderer as a command, so the menu, the
 * renderer's single-key shortcuts and its buttons share one implementation; only roles (copy,
 * zoom, full screen, quit) are Electron's own.
 */
export function menuTemplate(deps: MenuDeps): MenuItemConstructorOptions[] {
  const { isMac, send } = deps;
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open Photos or Video…', accelerator: 'CmdOrCtrl+O', click: () => send({ type: 'open-files' }) },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...WORKSPACES.map((w, i): MenuItemConstructorOptions => ({
        label: w.label,
        accelerator: `CmdOrCtrl+${i + 1}`,
        click: () => send({ type: 'workspace', id: w.id }),
      })),
      { type: 'separator' },
      { label: 'Toggle Dark Theme', accelerator: 'CmdOrCtrl+Shift+T', click: () => send({ type: 'toggle-theme' }) },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [
      { label: 'Keyboard Shortcuts', accelerator: 'F1', click: () => send({ type: 'show-shortcuts' }) },
      { label: 'API Documentation', click: deps.openDocs },
    ],
  };
  return [
    ...(isMac ? [{ label: deps.appName, role: 'appMenu' } as MenuItemConstructorOptions] : []),
    file,
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
    help,
  ];
}
