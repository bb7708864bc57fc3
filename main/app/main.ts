import crypto from 'node:crypto';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, session, shell, utilityProcess } from 'electron';
import { registerIpcHandlers } from '../ipc/handlers.js';
import { startCoreProcess, type CoreHandle } from './coreProcess.js';
import { hardenWebContents, refusePermissions, windowOptions } from './security.js';

// The Electron main process stays thin: lifecycle, one window, IPC. The core runs elsewhere.
const here = import.meta.dirname;
let core: CoreHandle | null = null;
let window: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => core?.process.kill());
  app.whenReady().then(launch).catch(fail);
}

async function launch(): Promise<void> {
  refusePermissions(session.defaultSession);
  core = await startCoreProcess((entry, args, options) => utilityProcess.fork(entry, args, options), {
    entry: path.join(here, 'core.js'),
    token: crypto.randomBytes(24).toString('base64url'),
  });
  const appOrigin = new URL(core.url).origin;
  const info = { url: core.url, token: core.token };
  registerIpcHandlers(ipcMain, { appOrigin, coreInfo: () => info, openExternal: (url) => shell.openExternal(url) });
  window = new BrowserWindow(windowOptions(path.join(here, '..', 'preload', 'preload.cjs')));
  hardenWebContents(window.webContents, appOrigin, (url) => void shell.openExternal(url));
  window.once('ready-to-show', () => window?.show());
  await window.loadURL(core.url + '/');
}

function fail(err: unknown): void {
  dialog.showErrorBox('SpatialForge could not start', err instanceof Error ? err.message : String(err));
  app.quit();
}
